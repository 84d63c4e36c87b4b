// The SMTP client side against real sockets: a next hop that refuses the connection or closes it
// before the greeting must give a prompt 'deferred', never a hung attempt (nodemailer reports a
// failed connect only as an 'error' event).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { Readable } from 'node:stream';
import { once } from 'node:events';
import { SmtpTransport } from '../../src/deliver/smtp-transport.js';
import { startSmtpSink } from '../helpers/smtp-sink.js';

const transport = new SmtpTransport({ hostname: 'mx.test', connectTimeoutMs: 3000, mxPort: 25, mxTls: 'opportunistic' });
const hop = (port: number) => ({ host: '127.0.0.1', port, tls: 'opportunistic' as const, implicitTls: false, allowInvalidCertificate: false });
const envelope = { from: 'a@client.test', to: ['b@example.org'], size: 20 };
const body = () => Readable.from([Buffer.from('Subject: t\r\n\r\nhello\r\n')]);

async function closedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

test('a refused connection is deferred promptly', { timeout: 10_000 }, async () => {
  const started = Date.now();
  const [result] = await transport.send({ kind: 'relay', hop: hop(await closedPort()) }, envelope, body);
  assert.equal(result?.outcome, 'deferred');
  assert.match(result?.reply ?? '', /ECONNREFUSED|connect/i);
  assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
});

test('a next hop that closes before the greeting is deferred promptly', { timeout: 10_000 }, async () => {
  const server: Server = createServer((socket) => socket.destroy());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const started = Date.now();
    const [result] = await transport.send({ kind: 'relay', hop: hop((server.address() as { port: number }).port) }, envelope, body);
    assert.equal(result?.outcome, 'deferred');
    assert.ok(Date.now() - started < 2500, `took ${Date.now() - started} ms`);
  } finally {
    server.close();
  }
});

test('a working next hop gets the message and the recipient is delivered', async () => {
  const sink = await startSmtpSink();
  try {
    const [result] = await transport.send({ kind: 'relay', hop: hop(sink.port) }, envelope, body);
    assert.equal(result?.outcome, 'delivered');
    assert.equal(sink.messages.length, 1);
    assert.deepEqual(sink.messages[0]?.rcptTo, ['b@example.org']);
  } finally {
    await sink.close();
  }
});

test('consecutive messages to one next hop reuse one connection; a failed one is not reused', { timeout: 15_000 }, async () => {
  let refuseNext = false;
  const sink = await startSmtpSink({ respond: () => (refuseNext ? { code: 451, text: 'try later' } : undefined) });
  const pooled = new SmtpTransport({ hostname: 'mx.test', connectTimeoutMs: 3000, mxPort: 25, mxTls: 'opportunistic' });
  try {
    for (let i = 0; i < 3; i++) {
      const [result] = await pooled.send({ kind: 'relay', hop: hop(sink.port) }, envelope, body);
      assert.equal(result?.outcome, 'delivered');
    }
    assert.equal(sink.wireTranscripts().length, 1, 'three messages, one connection');
    refuseNext = true;
    const [deferred] = await pooled.send({ kind: 'relay', hop: hop(sink.port) }, envelope, body);
    assert.equal(deferred?.outcome, 'deferred');
    refuseNext = false;
    const [after] = await pooled.send({ kind: 'relay', hop: hop(sink.port) }, envelope, body);
    assert.equal(after?.outcome, 'delivered');
    assert.equal(sink.wireTranscripts().length, 2, 'a connection that saw an error is replaced');
  } finally {
    pooled.closeIdle();
    await sink.close();
  }
});
