// Reputation in a running gateway, with a real DNS server (dns2 on 127.0.0.1) serving a test
// blocklist: a scoring zone's DNSBL_LISTED reaches the verdict (rejected at DATA by score), a
// reject zone refuses the connection with 554, greylisting answers 451 4.7.1 at RCPT until the
// delay has passed. The test client is 127.0.0.1, so trustedNetworks is emptied.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dns2 from 'dns2';
import { parseConfig } from '../../../src/config/load.js';
import { startGateway, type Gateway } from '../../../src/gateway.js';
import { createLogger } from '../../../src/observe/logger.js';
import { connectRawSmtp, type RawSmtpClient } from '../../helpers/raw-smtp.js';

const MESSAGE = 'From: a@client.test\r\nTo: b@example.org\r\nSubject: hi\r\nDate: Thu, 26 Nov 2026 12:00:00 +0000\r\nMessage-ID: <m1@client.test>\r\n\r\nhello\r\n.\r\n';
let dns: ReturnType<typeof dns2.createServer>;
let dnsPort = 0;
const dirs: string[] = [];

before(async () => {
  dns = dns2.createServer({
    udp: true,
    handle(request, send) {
      const response = dns2.Packet.createResponseFromRequest(request);
      const question = request.questions[0];
      const name = question?.name.toLowerCase() ?? '';
      if ((name === '1.0.0.127.bl.test' || name === '1.0.0.127.deny.test') && question?.type === dns2.Packet.TYPE.A) {
        response.answers.push({ name, type: dns2.Packet.TYPE.A, class: dns2.Packet.CLASS.IN, ttl: 60, address: '127.0.0.2' } as never);
      }
      send(response);
    },
  });
  dnsPort = (await dns.listen({ udp: { port: 0, address: '127.0.0.1' } })).udp!.port;
});
after(async () => {
  await dns.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function gateway(reputation: Record<string, unknown>): Promise<Gateway> {
  const dataDir = mkdtempSync(join(tmpdir(), 'portcullis-reputation-'));
  dirs.push(dataDir);
  const config = parseConfig(
    {
      dataDir,
      smtp: { listen: '127.0.0.1:0', hostname: 'mx.test' },
      http: { listen: '127.0.0.1:0' },
      scan: { sandboxes: 1 },
      trustedNetworks: [],
      dns: { servers: [`127.0.0.1:${dnsPort}`], timeoutMs: 1000 },
      domains: [{ name: 'example.org', downstream: 'smtp://127.0.0.1:1' }],
      reputation,
    },
    'test',
  );
  return startGateway(config, { logger: createLogger({ level: 'silent' }) });
}

async function transaction(client: RawSmtpClient): Promise<number> {
  assert.equal((await client.command('EHLO client.test')).code, 250);
  assert.equal((await client.command('MAIL FROM:<a@client.test>')).code, 250);
  const rcpt = await client.command('RCPT TO:<b@example.org>');
  if (rcpt.code !== 250) return rcpt.code;
  assert.equal((await client.command('DATA')).code, 354);
  await client.send(MESSAGE);
  return (await client.readReply(20_000)).code;
}

test('a listing in a scoring zone becomes DNSBL_LISTED in the verdict: score 25 rejects at DATA', async () => {
  const gw = await gateway({ dnsbl: [{ zone: 'bl.test', score: 25 }, { zone: 'clean.test', score: 25 }] });
  try {
    const client = await connectRawSmtp(gw.smtp.host, gw.smtp.port);
    assert.equal(client.greeting.code, 220);
    const code = await transaction(client);
    assert.equal(code, 550);
    client.close();
  } finally {
    await gw.stop();
  }
});

test('a listing in a reject zone refuses the connection with 554', async () => {
  const gw = await gateway({ dnsbl: [{ zone: 'deny.test', reject: true }] });
  try {
    const client = await connectRawSmtp(gw.smtp.host, gw.smtp.port);
    assert.equal(client.greeting.code, 554);
    assert.match(client.greeting.lines.join(" "), /deny\.test/);
    client.close();
  } finally {
    await gw.stop();
  }
});

test('greylisting: 451 4.7.1 at RCPT, accepted once the delay has passed', async () => {
  const gw = await gateway({ greylisting: { enabled: true, delaySeconds: 1 } });
  try {
    const first = await connectRawSmtp(gw.smtp.host, gw.smtp.port);
    assert.equal(await transaction(first), 451);
    first.close();
    await new Promise((r) => setTimeout(r, 1100));
    const retry = await connectRawSmtp(gw.smtp.host, gw.smtp.port);
    assert.equal(await transaction(retry), 250);
    retry.close();
  } finally {
    await gw.stop();
  }
});
