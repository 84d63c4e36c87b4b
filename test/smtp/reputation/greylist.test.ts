// Greylisting state in SQLite and the in-memory rate limits, with a fake clock.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { configSchema } from '../../../src/config/schema.js';
import { Greylist, greylistNetwork } from '../../../src/smtp/reputation/greylist.js';
import { SlidingWindowLimiter } from '../../../src/smtp/reputation/rate-limiter.js';
import { SessionReputation } from '../../../src/smtp/reputation/session-reputation.js';
import { openDatabase, type Database } from '../../../src/store/database.js';

describe('greylisting', () => {
  let db: Database;
  before(async () => {
    db = await openDatabase({ dataDir: ':memory:' });
  });
  after(async () => {
    await db.destroy();
  });

  it('groups clients by /24 and /64', () => {
    assert.equal(greylistNetwork('192.0.2.77'), '192.0.2.0/24');
    assert.equal(greylistNetwork('::ffff:192.0.2.77'), '192.0.2.0/24');
    assert.equal(greylistNetwork('2001:db8:1:2:3::9'), '2001:db8:1:2::/64');
    assert.equal(greylistNetwork('2001:db8::9'), '2001:db8:0:0::/64');
  });

  it('defers an unknown triplet, defers an early retry, passes a retry after the delay and every later message', async () => {
    const g = new Greylist(db, { delaySeconds: 300, retentionDays: 36 });
    const t0 = 1_000_000;
    assert.equal(await g.check('192.0.2.10', 'a@sender.example', 'bob@example.org', t0), 'defer');
    assert.equal(await g.check('192.0.2.10', 'a@sender.example', 'bob@example.org', t0 + 60_000), 'defer');
    // Another address of the same /24 retries: the same triplet.
    assert.equal(await g.check('192.0.2.11', 'A@Sender.example', 'bob@example.org', t0 + 301_000), 'pass');
    assert.equal(await g.check('192.0.2.10', 'a@sender.example', 'bob@example.org', t0 + 400_000), 'pass');
    // Another recipient is another triplet.
    assert.equal(await g.check('192.0.2.10', 'a@sender.example', 'carol@example.org', t0 + 400_000), 'defer');
  });

  it('prunes triplets that never came back and forgets passed ones after the retention', async () => {
    const g = new Greylist(db, { delaySeconds: 300, retentionDays: 1 });
    const t0 = 1_000_000;
    await g.prune(t0 + 3 * 24 * 3600_000);
    const left = await db.selectFrom('greylist').select('triplet').execute();
    assert.deepEqual(left, []);
  });

  it('the session facade: greylisting at RCPT only when enabled and only for strangers; a 451 4.7.1 reply', async () => {
    let now = 5_000_000;
    const config = configSchema.parse({ reputation: { greylisting: { enabled: true, delaySeconds: 60 } } });
    const reputation = new SessionReputation({ config: () => config, db, now: () => now });
    const first = await reputation.rcptTo('198.51.100.7', 'x@sender.example', 'bob@example.org', false);
    assert.deepEqual(first, { code: 451, message: '4.7.1 Greylisted, please try again later' });
    assert.equal(await reputation.rcptTo('198.51.100.7', 'x@sender.example', 'dave@example.org', true), undefined, 'trusted or authenticated: never greylisted');
    now += 61_000;
    assert.equal(await reputation.rcptTo('198.51.100.7', 'x@sender.example', 'bob@example.org', false), undefined);
    const off = new SessionReputation({ config: () => configSchema.parse({}), db });
    assert.equal(await off.rcptTo('203.0.113.1', 'y@s.example', 'bob@example.org', false), undefined);
  });
});

describe('rate limits', () => {
  it('a sliding window of one minute; refused attempts do not count', () => {
    const limiter = new SlidingWindowLimiter(3);
    assert.deepEqual([0, 10, 20, 30].map((t) => limiter.hit('ip', t)), [true, true, true, false]);
    for (let i = 0; i < 100; i++) assert.equal(limiter.hit('ip', 40 + i), false);
    assert.equal(limiter.hit('ip', 60_001), true, 'the first event left the window');
    assert.equal(limiter.hit('other', 40), true, 'per key');
  });

  it('caps the number of keys', () => {
    const limiter = new SlidingWindowLimiter(1, 60_000, 10);
    for (let i = 0; i < 50; i++) limiter.hit(`k${i}`, i);
    assert.equal(limiter.size, 10);
  });

  it('the session facade: 450 per client address and per authenticated sender; trusted clients exempt from the address limit', () => {
    const config = configSchema.parse({ reputation: { rateLimits: { perIpPerMinute: 2, perSenderPerMinute: 1 } } });
    let now = 0;
    const reputation = new SessionReputation({ config: () => config, now: () => now });
    assert.equal(reputation.mailFrom('192.0.2.5', undefined, false), undefined);
    assert.equal(reputation.mailFrom('192.0.2.5', undefined, false), undefined);
    assert.equal(reputation.mailFrom('192.0.2.5', undefined, false)?.code, 450);
    for (let i = 0; i < 5; i++) assert.equal(reputation.mailFrom('10.0.0.1', undefined, true), undefined);
    assert.equal(reputation.mailFrom('10.0.0.1', 'alice', true), undefined);
    assert.match(reputation.mailFrom('10.0.0.2', 'Alice', true)?.message ?? '', /sender/);
    now += 61_000;
    assert.equal(reputation.mailFrom('192.0.2.5', undefined, false), undefined);
  });
});
