// The SMTP session policy of a running gateway (in-process), against a real downstream sink:
// relay denial, recipient verification, one policy per transaction (452), SIZE (552), session
// limits, AUTH only after TLS, spool failures (451, never 250), 250 only after the durable
// commit, GTUBE rejected at DATA, drain (421).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { once } from 'node:events';
import { createTransport } from 'nodemailer';
import { parseConfig } from '../../src/config/load.js';
import { startGateway, type Gateway, type GatewayOptions } from '../../src/gateway.js';
import { createLogger } from '../../src/observe/logger.js';
import { nodeSpoolFiles, type SpoolFileLayer } from '../../src/spool/spool-file-layer.js';
import { openDatabase } from '../../src/store/database.js';
import { addUser } from '../../src/service/user-service.js';
import { AuditLog } from '../../src/observe/audit-log.js';
import { connectRawSmtp, type RawSmtpClient } from '../helpers/raw-smtp.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const silent = createLogger({ level: 'silent' });

async function gateway(raw: Record<string, unknown>, options: GatewayOptions = {}): Promise<Gateway & { dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'portcullis-smtp-'));
  dirs.push(dataDir);
  const config = parseConfig(
    { dataDir, smtp: { listen: '127.0.0.1:0', hostname: 'mx.test', ...(raw.smtp as object) }, http: { listen: '127.0.0.1:0' }, scan: { sandboxes: 1 }, ...omit(raw, 'smtp') },
    'test',
  );
  const gw = await startGateway(config, { logger: silent, ...options });
  return Object.assign(gw, { dataDir });
}

function omit(obj: Record<string, unknown>, key: string): Record<string, unknown> {
  const { [key]: _dropped, ...rest } = obj;
  return rest;
}

async function session(gw: Gateway): Promise<RawSmtpClient> {
  const client = await connectRawSmtp(gw.smtp.host, gw.smtp.port);
  assert.equal((await client.command('EHLO client.test')).code, 250);
  return client;
}

const MESSAGE = 'From: a@client.test\r\nTo: b@example.org\r\nSubject: hi\r\nDate: Thu, 26 Nov 2026 12:00:00 +0000\r\nMessage-ID: <m1@client.test>\r\n\r\nhello\r\n';

/** Polls the sink until a message matches (the queue delivers asynchronously). */
async function delivered(sink: SmtpSink, match: (raw: string) => boolean, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = sink.messages.find((m) => match(m.raw.toString('latin1')));
    if (found) return found;
    if (Date.now() > deadline) assert.fail(`no matching message reached the sink in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function sendData(client: RawSmtpClient, body: string): Promise<number> {
  assert.equal((await client.command('DATA')).code, 354);
  await client.send(`${body}.\r\n`);
  return (await client.readReply(20_000)).code;
}

let sink: SmtpSink;
test('setup: downstream sink', async () => {
  sink = await startSmtpSink();
});
after(() => sink?.close());

test('relay policy: untrusted clients may only send to accepted domains; unknown users get 550 5.1.1', async () => {
  const gw = await gateway({
    trustedNetworks: ['192.0.2.0/24'],
    domains: [{ name: 'example.org', downstream: `smtp://127.0.0.1:${sink.port}`, recipients: { verify: 'static', addresses: ['b', 'c@example.org'] } }],
  });
  try {
    const client = await session(gw);
    assert.equal((await client.command('MAIL FROM:<a@client.test>')).code, 250);
    const denied = await client.command('RCPT TO:<x@elsewhere.test>');
    assert.equal(denied.code, 550);
    assert.match(denied.lines.join(' '), /5\.7\.1 Relay access denied/);
    const unknown = await client.command('RCPT TO:<nobody@example.org>');
    assert.equal(unknown.code, 550);
    assert.match(unknown.lines.join(' '), /5\.1\.1/);
    assert.equal((await client.command('RCPT TO:<b@example.org>')).code, 250);
    assert.equal((await client.command('RCPT TO:<C@Example.org>')).code, 250);
    assert.equal(await sendData(client, MESSAGE), 250);
    client.close();
    const message = await delivered(sink, (raw) => raw.includes('Message-ID: <m1@client.test>'));
    assert.deepEqual([...message.rcptTo].sort(), ['C@Example.org', 'b@example.org'].sort());
    assert.match(message.raw.toString(), /^Received: from client\.test/);
    assert.match(message.raw.toString(), /X-Portcullis-Verdict: accept/);
  } finally {
    await gw.stop();
  }
});

test('a recipient with another policy than the first gets 452 and the first goes through', async () => {
  const gw = await gateway({ domains: [{ name: 'example.org', downstream: `smtp://127.0.0.1:${sink.port}` }] });
  try {
    const client = await session(gw);
    await client.command('MAIL FROM:<a@client.test>');
    assert.equal((await client.command('RCPT TO:<b@example.org>')).code, 250);
    const other = await client.command('RCPT TO:<x@elsewhere.test>');
    assert.equal(other.code, 452);
    assert.match(other.lines.join(' '), /separate transaction/);
    client.close();
  } finally {
    await gw.stop();
  }
});

test('recipients matched by different recipient rules are split into separate transactions (452)', async () => {
  const gw = await gateway({
    domains: [{ name: 'example.org', downstream: `smtp://127.0.0.1:${sink.port}` }],
    policy: { rules: [{ name: 'strict-ceo', recipient: 'ceo@example.org', scoreAtLeast: 2, action: 'quarantine' }] },
  });
  try {
    const client = await session(gw);
    await client.command('MAIL FROM:<a@client.test>');
    assert.equal((await client.command('RCPT TO:<staff@example.org>')).code, 250);
    assert.equal((await client.command('RCPT TO:<other@example.org>')).code, 250, 'same policy, same transaction');
    assert.equal((await client.command('RCPT TO:<ceo@example.org>')).code, 452, 'another policy');
    client.close();
  } finally {
    await gw.stop();
  }
});

test('SIZE is advertised and enforced with 552; too many recipients get 452', async () => {
  const gw = await gateway({ smtp: { maxMessageSize: 2000, maxRecipients: 2 } });
  try {
    const client = await session(gw);
    assert.ok(client.replies[1]?.lines.some((l) => l === 'SIZE 2000'), 'EHLO advertises SIZE 2000');
    for (const ext of ['PIPELINING', '8BITMIME', 'SMTPUTF8', 'ENHANCEDSTATUSCODES', 'STARTTLS']) {
      assert.ok(client.replies[1]?.lines.includes(ext), `EHLO advertises ${ext}`);
    }
    await client.command('MAIL FROM:<a@client.test>');
    await client.command('RCPT TO:<b@example.org>');
    await client.command('RCPT TO:<c@example.org>');
    assert.equal((await client.command('RCPT TO:<d@example.org>')).code, 452);
    const code = await sendData(client, MESSAGE + 'x'.repeat(3000) + '\r\n');
    assert.equal(code, 552);
    client.close();
  } finally {
    await gw.stop();
  }
});

test('connections per IP and commands per session are limited with 421', async () => {
  const gw = await gateway({ smtp: { maxConnectionsPerIp: 2, maxCommandsPerSession: 5 } });
  try {
    const a = await connectRawSmtp(gw.smtp.host, gw.smtp.port);
    const b = await connectRawSmtp(gw.smtp.host, gw.smtp.port);
    const c = await connectRawSmtp(gw.smtp.host, gw.smtp.port).catch((err: Error) => err);
    if (c instanceof Error) assert.match(c.message, /421/);
    else assert.equal(c.greeting.code, 421);
    a.close();
    b.close();
    await new Promise((r) => setTimeout(r, 100));
    const d = await connectRawSmtp(gw.smtp.host, gw.smtp.port);
    for (let i = 0; i < 5; i++) assert.equal((await d.command('NOOP')).code, 250);
    assert.equal((await d.command('NOOP')).code, 421);
    d.close();
  } finally {
    await gw.stop();
  }
});

test('GTUBE is rejected at DATA with 550 and nothing is delivered to the mailbox', async () => {
  const gw = await gateway({});
  try {
    const client = await session(gw);
    await client.command('MAIL FROM:<a@client.test>');
    await client.command('RCPT TO:<b@example.org>');
    const code = await sendData(client, `${MESSAGE}XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X\r\n`);
    assert.equal(code, 550);
    assert.match(client.replies.at(-1)?.lines.join(' ') ?? '', /5\.7\.1 Message rejected by policy/);
    client.close();
  } finally {
    await gw.stop();
  }
});

test('a spool write failure answers 451, never 250', async () => {
  const failing: SpoolFileLayer = {
    ...nodeSpoolFiles,
    async create(path) {
      const file = await nodeSpoolFiles.create(path);
      return { ...file, write: () => file.write(new Uint8Array()).then(() => Promise.reject(Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' }))), sync: () => file.sync(), close: () => file.close() };
    },
  };
  const gw = await gateway({}, { spoolFiles: failing });
  try {
    const client = await session(gw);
    await client.command('MAIL FROM:<a@client.test>');
    await client.command('RCPT TO:<b@example.org>');
    assert.equal(await sendData(client, MESSAGE), 451);
    client.close();
  } finally {
    await gw.stop();
  }
});

test('250 is sent only after the spool file (body and record) is fsynced, renamed into place and the directory fsynced', async () => {
  const log: string[] = [];
  const recording: SpoolFileLayer = {
    ...nodeSpoolFiles,
    async create(path) {
      const file = await nodeSpoolFiles.create(path);
      const name = path.endsWith('.tmp') ? 'temp' : 'file';
      return {
        write: (data) => file.write(data),
        sync: async () => {
          await file.sync();
          log.push(`fsync ${name}`);
        },
        close: () => file.close(),
      };
    },
    async rename(from, to) {
      await nodeSpoolFiles.rename(from, to);
      log.push('rename');
    },
    async fsyncDir(dir) {
      // Slow directory fsync: a 250 sent before it finished would show up in the log order.
      await new Promise((r) => setTimeout(r, 150));
      await nodeSpoolFiles.fsyncDir(dir);
      log.push('fsync dir');
    },
  };
  const gw = await gateway({}, { spoolFiles: recording });
  try {
    const client = await session(gw);
    await client.command('MAIL FROM:<a@client.test>');
    await client.command('RCPT TO:<b@example.org>');
    log.length = 0;
    assert.equal((await client.command('DATA')).code, 354);
    await client.send(`${MESSAGE}.\r\n`);
    const reply = await client.readReply(20_000);
    log.push(`reply ${reply.code}`);
    client.close();
    const at = (entry: string) => log.indexOf(entry);
    assert.ok(at('reply 250') > 0, log.join(', '));
    assert.ok(at('fsync temp') !== -1 && at('fsync temp') < at('rename'), `the file fsynced before its rename: ${log.join(', ')}`);
    assert.ok(at('rename') !== -1 && at('rename') < at('reply 250'), log.join(', '));
    assert.ok(log.lastIndexOf('fsync dir', at('reply 250')) > at('rename'), `directory fsynced after the rename and before 250: ${log.join(', ')}`);
  } finally {
    await gw.stop();
  }
});

test('submission: AUTH is refused before STARTTLS, works after it, and lets the user relay', async () => {
  const dataDirProbe = await gateway({
    trustedNetworks: ['192.0.2.0/24'],
    smtp: { submission: { listen: '127.0.0.1:0' } },
    domains: [{ name: 'example.org', downstream: `smtp://127.0.0.1:${sink.port}` }],
    delivery: { smarthost: `smtp://127.0.0.1:${sink.port}`, retryDelaySeconds: 1, maxRetryDelaySeconds: 2 },
  });
  const gw = dataDirProbe;
  try {
    assert.ok(gw.submission);
    const db = await openDatabase({ dataDir: gw.dataDir });
    await addUser({ db, audit: new AuditLog(db) }, { kind: 'cli', user: 'test' }, { username: 'alice@example.org', password: 'correct horse battery' });
    await db.destroy();

    const plain = await connectRawSmtp(gw.submission.host, gw.submission.port);
    const ehlo = await plain.command('EHLO client.test');
    assert.ok(!ehlo.lines.some((l) => l.startsWith('AUTH')), 'AUTH not offered before TLS');
    const early = await plain.command(`AUTH PLAIN ${Buffer.from('\0alice@example.org\0correct horse battery').toString('base64')}`);
    assert.ok(early.code >= 500, `AUTH before TLS refused, got ${early.code}`);
    plain.close();

    const transport = (pass: string) =>
      createTransport({
        host: gw.submission!.host,
        port: gw.submission!.port,
        secure: false,
        requireTLS: true,
        tls: { rejectUnauthorized: false },
        auth: { user: 'alice@example.org', pass },
      });
    await assert.rejects(
      transport('wrong').sendMail({ from: 'alice@example.org', to: 'bob@elsewhere.test', subject: 'x', text: 'x' }),
      /535/,
    );
    const info = await transport('correct horse battery').sendMail({
      from: 'alice@example.org',
      to: 'bob@elsewhere.test',
      subject: 'outbound',
      text: 'hello',
      messageId: '<outbound-1@example.org>',
    });
    assert.match(info.response, /^250/);
    const message = await delivered(sink, (raw) => raw.includes('<outbound-1@example.org>'));
    assert.deepEqual(message.rcptTo, ['bob@elsewhere.test']);
    assert.match(message.raw.toString(), /with ESMTPSA/);
    assert.match(message.raw.toString(), /\(using TLSv1\.[23] with cipher/);
  } finally {
    await gw.stop();
  }
});

test('PROXY protocol: the client address comes from the PROXY header and is judged by it', async () => {
  const gw = await gateway({
    smtp: { proxyProtocol: true },
    domains: [{ name: 'example.org', downstream: `smtp://127.0.0.1:${sink.port}` }],
  });
  try {
    const socket = connect(gw.smtp.port, gw.smtp.host);
    await once(socket, 'connect');
    let received = '';
    socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
    const waitFor = async (pattern: RegExp) => {
      const deadline = Date.now() + 5000;
      while (!pattern.test(received)) {
        if (Date.now() > deadline) assert.fail(`no ${pattern} in ${JSON.stringify(received)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    // 192.0.2.10 is not in trustedNetworks, although the TCP peer (127.0.0.1) is.
    socket.write('PROXY TCP4 192.0.2.10 127.0.0.1 40000 25\r\n');
    await waitFor(/^220 /m);
    socket.write('EHLO client.test\r\n');
    await waitFor(/^250 /m);
    socket.write('MAIL FROM:<a@client.test>\r\nRCPT TO:<x@elsewhere.test>\r\n');
    await waitFor(/^550 5\.7\.1 Relay access denied/m);
    socket.destroy();
  } finally {
    await gw.stop();
  }
});

test('draining: a transaction in flight finishes with 250 while new sessions get 421', async () => {
  const slowAnalyzer = new URL('../fixtures/smtp/slow-analyzer.js', import.meta.url).pathname;
  const gw = await gateway({}, { analyzerModules: [slowAnalyzer] });
  const client = await session(gw);
  await client.command('MAIL FROM:<a@client.test>');
  await client.command('RCPT TO:<b@example.org>');
  assert.equal((await client.command('DATA')).code, 354);
  await client.send(`${MESSAGE.replace('Subject: hi', 'Subject: SLOW-SCAN')}.\r\n`);
  await new Promise((r) => setTimeout(r, 300));
  const stopping = gw.stop();
  await new Promise((r) => setTimeout(r, 100));
  const late = await connectRawSmtp(gw.smtp.host, gw.smtp.port);
  assert.equal(late.greeting.code, 421);
  late.close();
  assert.equal((await client.readReply(20_000)).code, 250, 'the transaction in flight was accepted');
  client.close();
  await stopping;
});
