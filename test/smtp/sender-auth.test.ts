// Sender authentication end to end (issue 4 item 3): a real DNS server (dns2 on 127.0.0.1)
// serves SPF, DKIM and DMARC records; the gateway is pointed at it; mail sent over SMTP gets the
// right Authentication-Results header downstream, and a DMARC p=reject failure is refused at DATA.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { startDnsGateway, type DnsGateway } from '../helpers/dns-gateway.js';

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

let env: DnsGateway;

before(async () => {
  env = await startDnsGateway(ZONE, 'sender-auth');
});

after(async () => {
  await env?.stop();
});

test('DKIM-signed mail from an SPF-authorised address: dkim, spf and dmarc pass in Authentication-Results', { timeout: 30_000 }, async () => {
  await env.transport().sendMail({
    envelope: { from: 'alice@sender.example', to: ['bob@example.org'] },
    from: 'Alice <alice@sender.example>',
    to: 'bob@example.org',
    subject: 'quarterly figures',
    text: 'The figures are attached in spirit.',
    messageId: '<auth-pass@sender.example>',
    dkim: { domainName: 'sender.example', keySelector: 'sel', privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() },
  });
  const raw = await env.delivered('<auth-pass@sender.example>');
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
    env.transport().sendMail({
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
  assert.ok(!env.sink.messages.some((m) => m.raw.includes('<forged@strict.example>')), 'nothing was relayed');
});
