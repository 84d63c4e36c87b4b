import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isPortcullisError } from '../../src/core/errors.js';
import { newQueueId } from '../../src/core/queue-id.js';
import { AuditLog } from '../../src/observe/audit-log.js';
import type { TrackingEvent } from '../../src/observe/tracking-event.js';
import { deleteQueued, listQueue, retryQueue } from '../../src/service/queue-service.js';
import { SpoolStore } from '../../src/spool/spool-store.js';
import { openDatabase, type Database } from '../../src/store/database.js';
import type { RecipientStatus } from '../../src/store/tables.js';

let dir: string;
let db: Database;
let spool: SpoolStore;
let audit: AuditLog;
const events: TrackingEvent[] = [];
const tracking = { event: (e: TrackingEvent) => events.push(e), message: () => undefined };
const cli = { kind: 'cli', user: 'operator' } as const;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'portcullis-queue-service-'));
  db = await openDatabase({ dataDir: ':memory:' });
  spool = await SpoolStore.open(join(dir, 'spool'), { fsync: false });
  audit = new AuditLog(db);
});
after(async () => {
  await db.destroy();
  await rm(dir, { recursive: true, force: true });
});

async function addMessage(rows: Record<string, RecipientStatus>, nextAttemptAt = Date.now() + 3_600_000): Promise<string> {
  const queueId = newQueueId();
  const writer = spool.createWriter(queueId);
  await writer.receive((async function* () {
    yield Buffer.from('Subject: x\r\n\r\nbody\r\n');
  })());
  await writer.commit({
    version: 1,
    envelope: { queueId, clientAddress: '127.0.0.1', clientPort: 1, helo: 'h', mailFrom: 'a@example.net', rcptTo: Object.keys(rows), direction: 'inbound', receivedAt: Date.now(), size: 20 },
    prependHeaders: '',
    verdict: { action: 'accept', score: 0, rule: 'r', findings: [] },
    recipients: Object.keys(rows).map((address) => ({ address, disposition: 'deliver' as const })),
  });
  const now = Date.now();
  await db
    .insertInto('recipient_state')
    .values(
      Object.entries(rows).map(([recipient, status]) => ({
        queue_id: queueId,
        recipient,
        status,
        mail_from: 'a@example.net',
        received_at: now,
        attempts: 1,
        next_attempt_at: nextAttemptAt,
        first_attempt_at: now,
        last_reply: '451 later',
        next_hop: 'smtp:127.0.0.1:25',
        updated_at: now,
      })),
    )
    .execute();
  return queueId;
}

describe('queue service', () => {
  it('lists messages with waiting recipients, and all of them with --all', async () => {
    const waiting = await addMessage({ 'b@example.org': 'deferred', 'c@example.org': 'delivered' });
    const done = await addMessage({ 'd@example.org': 'delivered' });
    const listed = await listQueue(db);
    const entry = listed.find((e) => e.queueId === waiting);
    assert.ok(entry);
    assert.deepEqual(entry.recipients.map((r) => `${r.recipient}:${r.status}`), ['b@example.org:deferred', 'c@example.org:delivered']);
    assert.equal(listed.some((e) => e.queueId === done), false);
    assert.equal((await listQueue(db, { all: true })).some((e) => e.queueId === done), true);
  });

  it('retry makes deferred recipients due now and appends an audit record', async () => {
    const id = await addMessage({ 'e@example.org': 'deferred' });
    const before = Date.now();
    const { recipients } = await retryQueue({ db, audit }, cli, id);
    assert.equal(recipients, 1);
    const row = await db.selectFrom('recipient_state').selectAll().where('queue_id', '=', id).executeTakeFirstOrThrow();
    assert.ok(row.next_attempt_at <= Date.now() && row.next_attempt_at >= before);
    const last = (await audit.list({ limit: 1 }))[0];
    assert.equal(last?.action, 'queue.retry');
    assert.equal(last?.target, id);
    assert.equal(last?.actor, 'cli:operator');
    assert.equal((await audit.verify()).ok, true);
  });

  it('delete marks waiting recipients deleted, removes the spool files, tracks and audits', async () => {
    const id = await addMessage({ 'f@example.org': 'deferred', 'g@example.org': 'delivered' });
    assert.ok((await spool.listCommitted()).includes(id));
    const { recipients } = await deleteQueued({ db, audit, spool, tracking }, cli, id);
    assert.equal(recipients, 1);
    const rows = await db.selectFrom('recipient_state').select(['recipient', 'status']).where('queue_id', '=', id).orderBy('recipient').execute();
    assert.deepEqual(rows, [
      { recipient: 'f@example.org', status: 'deleted' },
      { recipient: 'g@example.org', status: 'delivered' },
    ]);
    assert.equal((await spool.listCommitted()).includes(id), false);
    assert.ok(events.some((e) => e.kind === 'deleted' && e.queueId === id && e.recipient === 'f@example.org'));
    const last = (await audit.list({ limit: 1 }))[0];
    assert.equal(last?.action, 'queue.delete');
    assert.deepEqual(last?.details, { recipients: ['f@example.org'] });
    // A second delete finds nothing waiting.
    await assert.rejects(deleteQueued({ db, audit, spool, tracking }, cli, id), (err: unknown) => isPortcullisError(err, 'PORTCULLIS_ERR_NOT_FOUND'));
  });

  it('refuses API users and malformed ids, without an audit record', async () => {
    const id = await addMessage({ 'h@example.org': 'deferred' });
    const count = (await audit.list()).length;
    await assert.rejects(retryQueue({ db, audit }, { kind: 'api', user: 'u', role: 'user' }, id), (err: unknown) => isPortcullisError(err, 'PORTCULLIS_ERR_FORBIDDEN'));
    await assert.rejects(deleteQueued({ db, audit, spool, tracking }, cli, '../etc'), (err: unknown) => isPortcullisError(err, 'PORTCULLIS_ERR_INVALID_ARGUMENT'));
    assert.equal((await audit.list()).length, count);
  });
});
