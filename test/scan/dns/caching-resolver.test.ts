import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { ANSWER_TTL_MS, TEMPORARY_FAILURE_TTL_MS, createCachingResolver } from '../../../src/scan/dns/caching-resolver.js';
import { dnsError, withDeadline } from '../../../src/scan/dns/resolver.js';

test('answers and failures are cached for their lifetimes; names are case-insensitive', async () => {
  let clock = 0;
  const asked: string[] = [];
  const resolver = createCachingResolver({
    timeoutMs: 100,
    now: () => clock,
    query: async (name, type) => {
      asked.push(`${type} ${name}`);
      if (name === 'down.example') throw dnsError('ETIMEOUT', name, type);
      return [['v=spf1 -all']];
    },
  });
  assert.deepEqual(await resolver('Example.org', 'txt'), [['v=spf1 -all']]);
  assert.deepEqual(await resolver('example.org.', 'TXT'), [['v=spf1 -all']]);
  await assert.rejects(resolver('down.example', 'TXT'), { code: 'ETIMEOUT' });
  await assert.rejects(resolver('down.example', 'TXT'), { code: 'ETIMEOUT' });
  assert.deepEqual(asked, ['TXT Example.org', 'TXT down.example']);
  clock += TEMPORARY_FAILURE_TTL_MS + 1;
  await assert.rejects(resolver('down.example', 'TXT'), { code: 'ETIMEOUT' });
  assert.equal(asked.length, 3);
  clock += ANSWER_TTL_MS;
  await resolver('example.org', 'TXT');
  assert.equal(asked.length, 4);
  await assert.rejects(resolver('example.org', 'ANY'), { code: 'ENOTIMP' });
});

test('the cache is bounded: the least recently used query goes first', async () => {
  let count = 0;
  const resolver = createCachingResolver({ timeoutMs: 100, maxEntries: 2, query: async () => [String(++count)] });
  await resolver('a.example', 'A');
  await resolver('b.example', 'A');
  await resolver('a.example', 'A');
  await resolver('c.example', 'A');
  assert.deepEqual(await resolver('a.example', 'A'), ['1']);
  assert.deepEqual(await resolver('b.example', 'A'), ['4']);
});

test('a server that never answers costs one timeout (tries: 1), at a configured host:port', async () => {
  const silent = createSocket('udp4');
  await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
  const { port } = silent.address();
  try {
    const resolver = createCachingResolver({ servers: [`127.0.0.1:${port}`], timeoutMs: 150 });
    const started = Date.now();
    await assert.rejects(resolver('example.org', 'TXT'), { code: 'ETIMEOUT' });
    assert.ok(Date.now() - started < 1500, `took ${Date.now() - started} ms`);
  } finally {
    silent.close();
  }
});

test('a server that is not an IP address is a configuration error', () => {
  assert.throws(() => createCachingResolver({ servers: ['dns.example'], timeoutMs: 100 }), { code: 'PORTCULLIS_ERR_CONFIG' });
});

test('withDeadline: queries after the budget fail at once with ETIMEOUT', async () => {
  const slow = withDeadline(() => new Promise(() => undefined), 50);
  await assert.rejects(slow('a.example', 'TXT'), { code: 'ETIMEOUT' });
  const started = Date.now();
  await assert.rejects(slow('b.example', 'TXT'), { code: 'ETIMEOUT' });
  assert.ok(Date.now() - started < 20);
});

test('after repeated timeouts DNS is taken to be down for a while: other names fail at once, then one probe', async () => {
  let clock = 0;
  const asked: string[] = [];
  const resolver = createCachingResolver({
    timeoutMs: 100,
    now: () => clock,
    query: async (name) => {
      asked.push(name);
      throw Object.assign(new Error('timeout'), { code: 'ETIMEOUT' });
    },
  });
  for (const name of ['a.test', 'b.test', 'c.test']) await assert.rejects(resolver(name, 'TXT'), /ETIMEOUT|timeout/);
  assert.deepEqual(asked, ['a.test', 'b.test', 'c.test']);
  await assert.rejects(resolver('d.test', 'TXT'), (err: Error & { code?: string }) => err.code === 'ETIMEOUT');
  assert.deepEqual(asked, ['a.test', 'b.test', 'c.test'], 'no query while DNS is down');
  clock += 10_001;
  await assert.rejects(resolver('e.test', 'TXT'));
  assert.deepEqual(asked.at(-1), 'e.test', 'a probe after the down period');
});

test('NXDOMAIN answers do not count as DNS being down', async () => {
  let asked = 0;
  const resolver = createCachingResolver({
    timeoutMs: 100,
    query: async () => {
      asked++;
      throw Object.assign(new Error('nx'), { code: 'ENOTFOUND' });
    },
  });
  for (const name of ['a.test', 'b.test', 'c.test', 'd.test', 'e.test']) await assert.rejects(resolver(name, 'TXT'));
  assert.equal(asked, 5);
});
