// Sender authentication end to end (issue 4 item 3): a real DNS server (dns2 on 127.0.0.1)
// serves SPF, DKIM and DMARC records; the gateway is pointed at it; mail sent over SMTP gets the
// right Authentication-Results header downstream, and a DMARC p=reject failure is refused at DATA.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTransport } from 'nodemailer';
import { parseConfig } from '../../src/config/load.js';
import { startGateway, type Gateway } from '../../src/gateway.js';
import { createLogger } from '../../src/observe/logger.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { startTxtDnsServer, type TxtDnsServer } from '../helpers/txt-dns-server.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const dkimRecord = `v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`;

/** TXT records by name: the zone the test's DNS server answers from. */
const ZONE: Record<string, string[]> = {
  'sender.example': ['v=spf1 ip4:127.0.0.1 -all'],
  'sel._domainkey.sender.example': [dkimRecord],
  '_dmarc.sender.example': ['v=DMARC1; p=reject'],
  'strict.example': ['v=spf1 ip4:192.0.2.1 -all'],
  '_dmarc.strict.example': ['v=DMARC1; p=reject'],
};

let dns: TxtDnsServer;
let sink: SmtpSink;
let gateway: Gateway;
let dataDir: string;

before(async () => {
  dns = await startTxtDnsServer(ZONE);
  sink = await startSmtpSink();
  dataDir = mkdtempSync(join(tmpdir(), 'portcullis-sender-auth-'));
  const config = parseConfig(
    {
      dataDir,
      smtp: { listen: '127.0.0.1:0', hostname: 'mx.gateway.test' },
      http: { listen: '127.0.0.1:0' },
      scan: { sandboxes: 1 },
      domains: [{ name: 'example.org', downstream: `smtp://127.0.0.1:${sink.port}` }],
      dns: { servers: [`127.0.0.1:${dns.port}`], timeoutMs: 1000 },
    },
    'test',
  );
  gateway = await startGateway(config, { logger: createLogger({ level: 'silent' }) });
});

after(async () => {
  await gateway?.stop();
  await sink?.close();
  await dns?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

function transport() {
  return createTransport({ host: gateway.smtp.host, port: gateway.smtp.port, secure: false, ignoreTLS: true });
}

async function delivered(messageId: string, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = sink.messages.find((m) => m.raw.includes(messageId));
    if (found) return found.raw.toString('latin1');
    if (Date.now() > deadline) assert.fail(`${messageId} never reached the downstream`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('DKIM-signed mail from an SPF-authorised address: dkim, spf and dmarc pass in Authentication-Results', { timeout: 30_000 }, async () => {
  await transport().sendMail({
    envelope: { from: 'alice@sender.example', to: ['bob@example.org'] },
    from: 'Alice <alice@sender.example>',
    to: 'bob@example.org',
    subject: 'quarterly figures',
    text: 'The figures are attached in spirit.',
    messageId: '<auth-pass@sender.example>',
    dkim: { domainName: 'sender.example', keySelector: 'sel', privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() },
  });
  const raw = await delivered('<auth-pass@sender.example>');
  const header = /^Authentication-Results: mx\.gateway\.test;[\s\S]*?\r\n(?![\t ])/m.exec(raw)?.[0] ?? '';
  assert.ok(header, `no Authentication-Results from mx.gateway.test in:\n${raw.slice(0, 1500)}`);
  assert.match(header, /dkim=pass/);
  assert.match(header, /header\.d=sender\.example/);
  assert.match(header, /spf=pass/);
  assert.match(header, /dmarc=pass/);
  assert.ok(raw.indexOf('Authentication-Results:') < raw.indexOf('From: Alice'), 'prepended, not inserted into the body');
  assert.match(raw, /X-Portcullis-Verdict: accept/);
});

test('mail forging a p=reject domain from an unauthorised address is refused at DATA', { timeout: 30_000 }, async () => {
  await assert.rejects(
    transport().sendMail({
      envelope: { from: 'ceo@strict.example', to: ['bob@example.org'] },
      from: 'The CEO <ceo@strict.example>',
      to: 'bob@example.org',
      subject: 'urgent wire transfer',
      text: 'Please pay the attached invoice today.',
      messageId: '<forged@strict.example>',
    }),
    (err: Error & { responseCode?: number; response?: string }) => {
      assert.equal(err.responseCode, 550, err.response);
      assert.match(err.response ?? '', /dmarc-reject/);
      return true;
    },
  );
  assert.ok(!sink.messages.some((m) => m.raw.includes('<forged@strict.example>')), 'nothing was relayed');
});
