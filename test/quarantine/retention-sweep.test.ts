import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import pino from 'pino';
import { configSchema } from '../../src/config/schema.js';
import { AuditLog } from '../../src/observe/audit-log.js';
import type { TrackingEvent } from '../../src/observe/tracking-event.js';
import { RetentionSweep } from '../../src/quarantine/retention-sweep.js';
import { MAX_EXPIRED_PER_SWEEP } from '../../src/service/quarantine-service.js';
import { SpoolStore } from '../../src/spool/spool-store.js';
import { openDatabase, type Database } from '../../src/store/database.js';
import { holdMessage } from './held-message.js';

const DAY = 24 * 3600 * 1000;
let dir: string;
let db: Database;
let spool: SpoolStore;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'portcullis-retention-'));
  db = await openDatabase({ dataDir: ':memory:' });
  spool = await SpoolStore.open(join(dir, 'spool'), { fsync: false });
});
after(async () => {
  await db.destroy();
  await rm(dir, { recursive: true, force: true });
});

it('sweeps on start and on its interval, drains more than one batch, and follows a reloaded retention', async () => {
  const now = Date.now();
  const events: TrackingEvent[] = [];
  const ctx = { db, audit: new AuditLog(db), spool, tracking: { event: (e: TrackingEvent) => events.push(e), message: () => undefined } };
  // More held recipients than one batch, 11 days old, in one message.
  const rows: Record<string, 'quarantined'> = {};
  for (let i = 0; i < MAX_EXPIRED_PER_SWEEP + 5; i++) rows[`r${i}@example.org`] = 'quarantined';
  const big = await holdMessage(db, spool, { rows, receivedAt: now - 11 * DAY });
  const recent = await holdMessage(db, spool, { rows: { 'x@example.org': 'quarantined' }, receivedAt: now - 5 * DAY });

  const sweep = new RetentionSweep({ ctx, config: configSchema.parse({ quarantine: { retentionDays: 30 } }), logger: pino({ level: 'silent' }), now: () => now, intervalMs: 20 });
  assert.equal(await sweep.sweep(), 0, 'nothing is 30 days old');

  sweep.reconfigure(configSchema.parse({ quarantine: { retentionDays: 10 } }));
  sweep.start();
  const deadline = Date.now() + 5000;
  while (events.filter((e) => e.kind === 'expired').length < MAX_EXPIRED_PER_SWEEP + 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  await sweep.stop();

  const held = await db.selectFrom('recipient_state').select(['queue_id', 'status']).where('status', '=', 'quarantined').execute();
  assert.deepEqual(held.map((r) => r.queue_id), [recent]);
  assert.equal(events.filter((e) => e.kind === 'expired' && e.queueId === big).length, MAX_EXPIRED_PER_SWEEP + 5);
  await assert.rejects(spool.read(big), /no spooled message/);
  const audits = (await new AuditLog(db).list()).filter((r) => r.target === big);
  assert.deepEqual([...new Set(audits.map((a) => `${a.actor} ${a.action}`))], ['system:quarantine-retention quarantine.expire']);
  assert.equal(audits.length, 2, 'two batches, one audit record each');
});
