import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { isPortcullisError } from '../../src/core/errors.js';
import { AuditLog } from '../../src/observe/audit-log.js';
import type { TrackingEvent } from '../../src/observe/tracking-event.js';
import { parseModel } from '../../src/scan/bayes/model-snapshot.js';
import { loadBayesModel } from '../../src/service/bayes-service.js';
import { deleteQuarantined, expireQuarantined, releaseQuarantined, type QuarantineContext } from '../../src/service/quarantine-service.js';
import { SpoolStore } from '../../src/spool/spool-store.js';
import { openDatabase, type Database } from '../../src/store/database.js';
import { holdMessage } from '../quarantine/held-message.js';

const DAY = 24 * 3600 * 1000;
let dir: string;
let db: Database;
let spool: SpoolStore;
let ctx: QuarantineContext;
let events: TrackingEvent[] = [];
const cli = { kind: 'cli', user: 'operator' } as const;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'portcullis-quarantine-service-'));
  db = await openDatabase({ dataDir: ':memory:' });
  spool = await SpoolStore.open(join(dir, 'spool'), { fsync: false });
  ctx = { db, audit: new AuditLog(db), spool, tracking: { event: (e) => events.push(e), message: () => undefined } };
});
after(async () => {
  await db.destroy();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  events = [];
});

async function statuses(queueId: string): Promise<Record<string, string>> {
  const rows = await db.selectFrom('recipient_state').select(['recipient', 'status', 'next_attempt_at']).where('queue_id', '=', queueId).execute();
  return Object.fromEntries(rows.map((r) => [r.recipient, r.status]));
}
async function lastAudit() {
  const all = await new AuditLog(db).list();
  return all[all.length - 1];
}
const exists = (queueId: string) => existsSync(join(spool.dir, `${queueId}.msg`));

describe('quarantine service', () => {
  it('release: held rows become queued and due now, audited and tracked; the spool stays for delivery', async () => {
    const id = await holdMessage(db, spool, { rows: { 'a@example.org': 'quarantined', 'b@example.org': 'quarantined' } });
    const now = Date.now();
    const { recipients } = await releaseQuarantined(ctx, cli, id, 'A@example.org', now);
    assert.deepEqual(recipients, ['a@example.org']);
    assert.deepEqual(await statuses(id), { 'a@example.org': 'queued', 'b@example.org': 'quarantined' });
    const row = await db.selectFrom('recipient_state').select('next_attempt_at').where('queue_id', '=', id).where('recipient', '=', 'a@example.org').executeTakeFirstOrThrow();
    assert.equal(row.next_attempt_at, now);
    const audit = await lastAudit();
    assert.deepEqual([audit?.actor, audit?.action, audit?.target, audit?.details], ['cli:operator', 'quarantine.release', id, { recipients: ['a@example.org'] }]);
    assert.deepEqual(events.map((e) => [e.kind, e.recipient]), [['released', 'a@example.org']]);
    assert.ok(exists(id));
    // Releasing the same recipient again finds nothing held.
    await assert.rejects(releaseQuarantined(ctx, cli, id, 'a@example.org'), (err) => isPortcullisError(err, 'PORTCULLIS_ERR_NOT_FOUND'));
  });

  it('delete: the spool stays while another recipient is held, and goes with the last one', async () => {
    const id = await holdMessage(db, spool, { rows: { 'a@example.org': 'quarantined', 'b@example.org': 'quarantined' } });
    const first = await deleteQuarantined(ctx, cli, id, 'a@example.org');
    assert.deepEqual(first, { recipients: ['a@example.org'], spoolRemoved: false });
    assert.ok(exists(id));
    const second = await deleteQuarantined(ctx, cli, id);
    assert.deepEqual(second, { recipients: ['b@example.org'], spoolRemoved: true });
    assert.equal(exists(id), false);
    assert.deepEqual(await statuses(id), { 'a@example.org': 'deleted', 'b@example.org': 'deleted' });
    assert.deepEqual(events.map((e) => [e.kind, e.recipient]), [['deleted', 'a@example.org'], ['deleted', 'b@example.org']]);
    assert.equal((await lastAudit())?.action, 'quarantine.delete');
  });

  it('delete keeps the spool while a recipient is still queued for delivery, and never touches that row', async () => {
    const id = await holdMessage(db, spool, { rows: { 'a@example.org': 'quarantined', 'b@example.org': 'queued' } });
    assert.deepEqual(await deleteQuarantined(ctx, cli, id), { recipients: ['a@example.org'], spoolRemoved: false });
    assert.deepEqual(await statuses(id), { 'a@example.org': 'deleted', 'b@example.org': 'queued' });
    assert.ok(exists(id));
    await assert.rejects(deleteQuarantined(ctx, cli, id, 'b@example.org'), (err) => isPortcullisError(err, 'PORTCULLIS_ERR_NOT_FOUND'));
  });

  it('refuses API users (even for their own address) and malformed ids, with nothing changed or audited', async () => {
    const id = await holdMessage(db, spool, { rows: { 'victim@example.org': 'quarantined' } });
    const before = (await new AuditLog(db).list()).length;
    for (const user of ['mallory@example.org', 'victim@example.org']) {
      const api = { kind: 'api', user, role: 'user' } as const;
      await assert.rejects(releaseQuarantined(ctx, api, id, 'victim@example.org'), (err) => isPortcullisError(err, 'PORTCULLIS_ERR_FORBIDDEN'));
      await assert.rejects(deleteQuarantined(ctx, api, id), (err) => isPortcullisError(err, 'PORTCULLIS_ERR_FORBIDDEN'));
    }
    await assert.rejects(releaseQuarantined(ctx, cli, '../../etc/passwd'), (err) => isPortcullisError(err, 'PORTCULLIS_ERR_INVALID_ARGUMENT'));
    assert.deepEqual(await statuses(id), { 'victim@example.org': 'quarantined' });
    assert.equal((await new AuditLog(db).list()).length, before);
    // An API administrator may.
    await releaseQuarantined(ctx, { kind: 'api', user: 'admin', role: 'admin' }, id);
    assert.deepEqual(await statuses(id), { 'victim@example.org': 'queued' });
  });

  it('release with learning: tokenized first (the spool body), learnt as ham, audited as bayes.train, snapshot rewritten', async () => {
    const id = await holdMessage(db, spool, { rows: { 'a@example.org': 'quarantined' } });
    const snapshotPath = join(dir, 'bayes.json');
    const asked: { path: string; length?: number }[] = [];
    const learn = { snapshotPath, tokenizer: { tokenize: async (job: { path: string; length?: number }) => (asked.push(job), ['subject:invoice', 'from:@example.net']) } };
    const before = await loadBayesModel(db);
    assert.deepEqual(await releaseQuarantined(ctx, cli, id, undefined, Date.now(), learn), { recipients: ['a@example.org'], learned: true });
    // The body only: the spool file's record after it is not the message.
    assert.deepEqual(asked, [await spool.bodyFile(id)]);
    assert.equal(asked[0]?.length, (await spool.read(id)).envelope.size);
    const model = await loadBayesModel(db);
    assert.equal(model.hamMessages, before.hamMessages + 1);
    assert.equal(model.spamMessages, before.spamMessages);
    assert.equal(model.tokens.get('subject:invoice')?.ham, (before.tokens.get('subject:invoice')?.ham ?? 0) + 1);
    const audit = await lastAudit();
    assert.deepEqual([audit?.actor, audit?.action, audit?.target, audit?.details], ['cli:operator', 'bayes.train', 'bayes', { source: `quarantine-release ${id}`, spam: 0, ham: 1, tokens: 2 }]);
    assert.equal(parseModel(readFileSync(snapshotPath, 'utf8')).hamMessages, model.hamMessages);
    assert.deepEqual(await statuses(id), { 'a@example.org': 'queued' });
  });

  it('release with learning: a failed tokenization releases and learns nothing', async () => {
    const id = await holdMessage(db, spool, { rows: { 'a@example.org': 'quarantined' } });
    const auditBefore = (await new AuditLog(db).list()).length;
    const hamBefore = (await loadBayesModel(db)).hamMessages;
    const learn = { snapshotPath: join(dir, 'bayes.json'), tokenizer: { tokenize: () => Promise.reject(new Error('sandbox killed')) } };
    await assert.rejects(releaseQuarantined(ctx, cli, id, undefined, Date.now(), learn), /sandbox killed/);
    assert.deepEqual(await statuses(id), { 'a@example.org': 'quarantined' });
    assert.equal((await new AuditLog(db).list()).length, auditBefore);
    assert.equal((await loadBayesModel(db)).hamMessages, hamBefore);
  });

  it('retention: only items past retentionDays expire, as system:quarantine-retention, tracked as expired', async () => {
    const now = Date.now();
    const old = await holdMessage(db, spool, { rows: { 'old@example.org': 'quarantined', 'sent@example.org': 'delivered' }, receivedAt: now - 31 * DAY });
    const young = await holdMessage(db, spool, { rows: { 'young@example.org': 'quarantined' }, receivedAt: now - 29 * DAY });
    const oldQueued = await holdMessage(db, spool, { rows: { 'slow@example.org': 'deferred' }, receivedAt: now - 40 * DAY });
    const { recipients } = await expireQuarantined(ctx, 30, now);
    assert.ok(recipients >= 1);
    assert.deepEqual(await statuses(old), { 'old@example.org': 'deleted', 'sent@example.org': 'delivered' });
    assert.equal(exists(old), false);
    assert.deepEqual(await statuses(young), { 'young@example.org': 'quarantined' });
    assert.deepEqual(await statuses(oldQueued), { 'slow@example.org': 'deferred' });
    assert.ok(events.some((e) => e.kind === 'expired' && e.queueId === old && e.recipient === 'old@example.org'));
    const audit = (await new AuditLog(db).list()).find((r) => r.target === old);
    assert.deepEqual([audit?.actor, audit?.action, audit?.details], ['system:quarantine-retention', 'quarantine.expire', { recipients: ['old@example.org'], retentionDays: 30 }]);
    // Nothing left to expire; a zero retention is refused rather than taken as "expire everything".
    assert.deepEqual(await expireQuarantined(ctx, 30, now), { recipients: 0 });
    await assert.rejects(expireQuarantined(ctx, 0, now), (err) => isPortcullisError(err, 'PORTCULLIS_ERR_INVALID_ARGUMENT'));
    await assert.rejects(expireQuarantined(ctx, 30, now, { kind: 'system', component: 'delivery' }), (err) => isPortcullisError(err, 'PORTCULLIS_ERR_FORBIDDEN'));
  });
});
