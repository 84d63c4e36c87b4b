import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { isPortcullisError } from '../../src/core/errors.js';
import { heldRecipients, quarantineItem, quarantineItems } from '../../src/quarantine/quarantine-items.js';
import { SpoolStore } from '../../src/spool/spool-store.js';
import { openDatabase, type Database } from '../../src/store/database.js';
import { HELD_VERDICT, holdMessage } from './held-message.js';

let dir: string;
let db: Database;
let spool: SpoolStore;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'portcullis-quarantine-items-'));
  db = await openDatabase({ dataDir: ':memory:' });
  spool = await SpoolStore.open(join(dir, 'spool'), { fsync: false });
});
after(async () => {
  await db.destroy();
  await rm(dir, { recursive: true, force: true });
});

it('lists only held rows, newest first, filtered by recipient case-insensitively, with tracking fields when recorded', async () => {
  const older = await holdMessage(db, spool, { rows: { 'Ann@Example.org': 'quarantined', 'bob@example.org': 'delivered' }, receivedAt: 1_000 });
  const newer = await holdMessage(db, spool, { rows: { 'bob@example.org': 'quarantined' }, receivedAt: 2_000, tracked: true });
  const all = await quarantineItems(db, { retentionDays: 1 });
  assert.deepEqual(all.map((i) => [i.queueId, i.recipient]), [[newer, 'bob@example.org'], [older, 'Ann@Example.org']]);
  assert.equal(all[0]?.subject, 'Invoice');
  assert.equal(all[0]?.rule, 'default:executable');
  assert.equal(all[1]?.subject, undefined);
  assert.equal(all[1]?.expiresAt, 1_000 + 24 * 3600 * 1000);
  assert.deepEqual((await quarantineItems(db, { retentionDays: 1, recipient: 'ann@example.ORG' })).map((i) => i.queueId), [older]);
  assert.equal((await quarantineItems(db, { retentionDays: 1, limit: 1 })).length, 1);
});

it('shows the envelope, verdict and bounded headers; attachments are absent without a tracking row', async () => {
  const id = await holdMessage(db, spool, { rows: { 'c@example.org': 'quarantined' } });
  const detail = await quarantineItem({ db, spool, retentionDays: 30 }, id, 'C@example.org');
  assert.deepEqual(detail.recipients, ['c@example.org']);
  assert.deepEqual(detail.verdict, HELD_VERDICT);
  assert.equal(detail.envelope.clientAddress, '192.0.2.7');
  assert.match(detail.headers, /^Subject: Invoice\r\nFrom: <billing@example\.net>\r\nX-Evil: /);
  assert.ok(!detail.headers.includes('see attachment'));
  assert.equal(detail.attachments, undefined);
});

it('a message with no held recipient, or a bad id, is refused', async () => {
  const id = await holdMessage(db, spool, { rows: { 'd@example.org': 'queued' } });
  await assert.rejects(heldRecipients(db, id), (err) => isPortcullisError(err, 'PORTCULLIS_ERR_NOT_FOUND'));
  await assert.rejects(heldRecipients(db, 'not-an-id'), (err) => isPortcullisError(err, 'PORTCULLIS_ERR_INVALID_ARGUMENT'));
});
