// The seen-senders store against a real SQLite database: what counts as accepted mail, when a
// domain becomes known, and the bounds (retention, row cap) with the snapshot the sandboxes read.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Envelope } from '../../src/core/envelope.js';
import type { Verdict } from '../../src/core/verdict.js';
import { createLogger } from '../../src/observe/logger.js';
import { parseKnownCorrespondents } from '../../src/scan/url/known-correspondents.js';
import { openDatabase, type Database } from '../../src/store/database.js';
import { SeenSenders, type SeenSendersSettings } from '../../src/store/seen-senders.js';
import { testEnvelope } from '../scan/analyzer-context.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 2, 2, 9, 0, 0);
const SETTINGS: SeenSendersSettings = { knownAfterDays: 3, knownAfterMessages: 3, retentionDays: 30, maxDomains: 1000 };

async function withStore(
  run: (ctx: { store: SeenSenders; db: Database; snapshot: () => string[]; clock: { now: number } }) => Promise<void>,
  settings: SeenSendersSettings = SETTINGS,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-seen-'));
  const db = await openDatabase({ dataDir: ':memory:' });
  const clock = { now: T0 };
  const snapshotPath = join(dir, 'known.json');
  const store = await SeenSenders.open(db, { logger: createLogger({ level: 'silent' }), settings, snapshotPath, now: () => clock.now });
  try {
    await run({ store, db, clock, snapshot: () => [...parseKnownCorrespondents(readFileSync(snapshotPath, 'utf8')).domains].sort() });
  } finally {
    await store.close();
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

const verdict = (action: Verdict['action'], ids: readonly string[] = []): Verdict => ({
  action,
  score: 0,
  rule: 'test',
  findings: ids.map((id) => ({ id, detail: '', score: 1 })),
});
const mail = (mailFrom: string, at: number, direction: Envelope['direction'] = 'inbound'): Envelope => ({ ...testEnvelope, mailFrom, receivedAt: at, direction });

async function row(db: Database, domain: string) {
  return db.selectFrom('seen_sender').selectAll().where('domain', '=', domain).executeTakeFirst();
}

test('only accepted or tagged inbound mail without a look-alike finding counts, by the registrable domain of MAIL FROM', async () => {
  await withStore(async ({ store, db }) => {
    store.observe(mail('ap@Mail.Partner-Corp.example', T0), verdict('accept'));
    store.observe(mail('ap@partner-corp.example', T0 + 1000), verdict('tag'));
    store.observe(mail('x@blocked.example', T0), verdict('reject'));
    store.observe(mail('x@held.example', T0), verdict('quarantine'));
    store.observe(mail('x@later.example', T0), verdict('tempfail'));
    store.observe(mail('x@ours-out.example', T0, 'outbound'), verdict('accept'));
    store.observe(mail('', T0), verdict('accept'));
    store.observe(mail('ap@partnr-corp.example', T0), verdict('tag', ['FIRST_CONTACT_LOOKALIKE']));
    store.observe(mail('ap@paypa1.com', T0), verdict('tag', ['SENDER_LOOKALIKE_DOMAIN']));
    await store.flush();
    const rows = await db.selectFrom('seen_sender').selectAll().execute();
    assert.deepEqual(rows, [{ domain: 'partner-corp.example', first_seen: T0, last_seen: T0 + 1000, days_seen: 1, messages: 2 }]);
  });
});

test('a domain is known after knownAfterDays different days and knownAfterMessages messages; the snapshot follows', async () => {
  await withStore(async ({ store, db, snapshot }) => {
    assert.deepEqual(snapshot(), [], 'the snapshot exists from the start, empty');
    for (let i = 0; i < 5; i++) store.record('burst.example', T0 + i);
    store.record('partner-corp.example', T0);
    await store.flush();
    store.record('partner-corp.example', T0 + DAY);
    await store.flush();
    // Five messages in one day are not three days.
    assert.deepEqual([...store.known], []);
    assert.equal((await row(db, 'partner-corp.example'))?.days_seen, 2);
    store.record('partner-corp.example', T0 + DAY + 3600_000);
    await store.flush();
    assert.equal((await row(db, 'partner-corp.example'))?.days_seen, 2, 'the same day again is not another day');
    store.record('partner-corp.example', T0 + 2 * DAY);
    await store.flush();
    assert.deepEqual([...store.known], ['partner-corp.example']);
    assert.deepEqual(snapshot(), ['partner-corp.example']);
    assert.deepEqual(await row(db, 'partner-corp.example'), { domain: 'partner-corp.example', first_seen: T0, last_seen: T0 + 2 * DAY, days_seen: 3, messages: 4 });
  });
});

test('three messages on three days, but knownAfterMessages 5: not known until the fifth', async () => {
  await withStore(
    async ({ store }) => {
      for (let day = 0; day < 4; day++) store.record('slow.example', T0 + day * DAY);
      await store.flush();
      assert.equal(store.known.has('slow.example'), false);
      store.record('slow.example', T0 + 4 * DAY);
      await store.flush();
      assert.equal(store.known.has('slow.example'), true);
    },
    { ...SETTINGS, knownAfterMessages: 5 },
  );
});

test('domains not seen for retentionDays are forgotten, the known list and the snapshot with them', async () => {
  await withStore(async ({ store, db, clock, snapshot }) => {
    for (let day = 0; day < 3; day++) store.record('old-partner.example', T0 + day * DAY);
    for (let day = 20; day < 23; day++) store.record('partner-corp.example', T0 + day * DAY);
    await store.flush();
    assert.deepEqual(snapshot(), ['old-partner.example', 'partner-corp.example']);
    clock.now = T0 + 2 * DAY + 30 * DAY + 1;
    await store.prune();
    assert.equal(await row(db, 'old-partner.example'), undefined);
    assert.ok(await row(db, 'partner-corp.example'));
    assert.deepEqual(snapshot(), ['partner-corp.example']);
  });
});

test('the table is capped at maxDomains, the least recently seen going first', async () => {
  await withStore(
    async ({ store, db }) => {
      for (let i = 0; i < 8; i++) store.record(`d${i}.example`, T0 + i * 1000);
      await store.flush();
      await store.prune();
      const left = await db.selectFrom('seen_sender').select('domain').orderBy('domain').execute();
      assert.deepEqual(left.map((r) => r.domain), ['d3.example', 'd4.example', 'd5.example', 'd6.example', 'd7.example']);
    },
    { ...SETTINGS, maxDomains: 5 },
  );
});

test('the known list survives a restart: a new store reads it from the table', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-seen-'));
  const options = { logger: createLogger({ level: 'silent' }), settings: { ...SETTINGS, retentionDays: 3650 }, snapshotPath: join(dir, 'known.json') };
  try {
    const db = await openDatabase({ dataDir: dir });
    const first = await SeenSenders.open(db, options);
    for (let day = 0; day < 3; day++) first.record('partner-corp.example', T0 + day * DAY);
    await first.close();
    await db.destroy();
    rmSync(options.snapshotPath);
    const again = await openDatabase({ dataDir: dir });
    const second = await SeenSenders.open(again, options);
    assert.deepEqual([...second.known], ['partner-corp.example']);
    assert.deepEqual([...parseKnownCorrespondents(readFileSync(options.snapshotPath, 'utf8')).domains], ['partner-corp.example']);
    await second.close();
    await again.destroy();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
