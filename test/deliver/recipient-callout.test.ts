import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { parseConfig } from '../../src/config/load.js';
import { RecipientCallout } from '../../src/deliver/recipient-callout.js';

/** A downstream that knows two users, tempfails one address and counts RCPT commands. */
async function downstream(): Promise<{ port: number; rcpts: string[]; close(): Promise<void> }> {
  const rcpts: string[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onMailFrom(address, _session, callback) {
      // The callout must use the null sender.
      if (address.address !== '') return callback(Object.assign(new Error('expected <>'), { responseCode: 503 }));
      callback();
    },
    onRcptTo(address, _session, callback) {
      rcpts.push(address.address);
      if (address.address === 'busy@example.org') return callback(Object.assign(new Error('try later'), { responseCode: 451 }));
      if (['alice@example.org', 'bob@example.org'].includes(address.address)) return callback();
      callback(Object.assign(new Error('5.1.1 no such user'), { responseCode: 550 }));
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.server.address() as { port: number }).port,
    rcpts,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function domainFor(port: number) {
  const config = parseConfig(
    { domains: [{ name: 'example.org', downstream: { host: '127.0.0.1', port, tls: 'off' }, recipients: { verify: 'callout', cacheSeconds: 60, negativeCacheSeconds: 10 } }] },
    'test',
  );
  return config.domains[0]!;
}

describe('RecipientCallout', () => {
  it('accepts known users, rejects unknown ones, tempfails on 4xx, and caches per the configured times', async () => {
    const ds = await downstream();
    let now = 1_000_000;
    const callout = new RecipientCallout({ hostname: 'gw.test', timeoutMs: 3000, now: () => now });
    const domain = domainFor(ds.port);
    try {
      assert.equal(await callout.verify(domain, 'alice@example.org'), 'accept');
      assert.equal(await callout.verify(domain, 'nobody@example.org'), 'reject');
      assert.equal(await callout.verify(domain, 'busy@example.org'), 'tempfail');
      assert.equal(ds.rcpts.length, 3);
      // Cached: no new callouts.
      assert.equal(await callout.verify(domain, 'ALICE@example.org'), 'accept');
      assert.equal(await callout.verify(domain, 'nobody@example.org'), 'reject');
      assert.equal(ds.rcpts.length, 3);
      // Tempfails are not cached.
      assert.equal(await callout.verify(domain, 'busy@example.org'), 'tempfail');
      assert.equal(ds.rcpts.length, 4);
      // The negative cache (10 s) expires before the positive one (60 s).
      now += 11_000;
      await callout.verify(domain, 'nobody@example.org');
      await callout.verify(domain, 'alice@example.org');
      assert.deepEqual(ds.rcpts.slice(4), ['nobody@example.org']);
    } finally {
      await ds.close();
    }
  });

  it('tempfails when the downstream is unreachable or silent', async () => {
    const callout = new RecipientCallout({ hostname: 'gw.test', timeoutMs: 300 });
    const net = await import('node:net');
    const silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      const started = Date.now();
      assert.equal(await callout.verify(domainFor(port), 'alice@example.org'), 'tempfail');
      assert.ok(Date.now() - started < 2000);
    } finally {
      silent.close();
    }
    assert.equal(await callout.verify(domainFor(1), 'alice@example.org'), 'tempfail');
  });

  it('refuses an address that could inject a command', async () => {
    const callout = new RecipientCallout({ hostname: 'gw.test', timeoutMs: 300 });
    await assert.rejects(callout.verify(domainFor(1), 'a@example.org>\r\nDATA'), /CR, LF/);
  });
});
