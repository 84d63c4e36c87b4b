/**
 * Queue operations as service functions (DESIGN.md invariant 7): list, retry and delete. Retry
 * and delete are state changes: each checks the actor may do it and appends an audit record.
 * They only change rows in recipient_state (and, for delete, remove the spool files); the
 * gateway's delivery runner polls the table, so a change made by the CLI in another process takes
 * effect within a poll interval.
 *
 * Trust: queue ids come from the CLI or the API and are checked with isQueueId before they reach
 * the database or a path. Authorisation: the CLI (the host's operator), the system, and API
 * admins; API users may not touch the queue.
 */
import { PortcullisError } from '../core/errors.js';
import { isQueueId } from '../core/queue-id.js';
import { PENDING_STATUSES } from '../deliver/delivery-queue.js';
import type { TrackingSink } from '../observe/tracking-event.js';
import type { SpoolStore } from '../spool/spool-store.js';
import type { Database } from '../store/database.js';
import type { RecipientStatus } from '../store/tables.js';
import type { Actor } from './actor.js';
import { authorize } from './authorize.js';
import type { ServiceContext } from './service-context.js';

export interface QueuedRecipient {
  readonly recipient: string;
  readonly status: RecipientStatus;
  readonly attempts: number;
  readonly nextAttemptAt: number;
  readonly lastReply: string | null;
  readonly nextHop: string | null;
}

export interface QueueEntry {
  readonly queueId: string;
  readonly mailFrom: string;
  readonly receivedAt: number;
  readonly recipients: readonly QueuedRecipient[];
}

export interface ListQueueOptions {
  /** Also messages whose recipients are all final (delivered, bounced, deleted). */
  readonly all?: boolean;
  readonly limit?: number;
}

/** Messages with a recipient waiting (queued, deferred or quarantined), oldest first. */
export async function listQueue(db: Database, options: ListQueueOptions = {}): Promise<QueueEntry[]> {
  let ids = db.selectFrom('recipient_state').select('queue_id').distinct().orderBy('queue_id').limit(options.limit ?? 1000);
  if (!options.all) ids = ids.where('status', 'in', [...PENDING_STATUSES, 'quarantined']);
  const queueIds = (await ids.execute()).map((r) => r.queue_id);
  if (queueIds.length === 0) return [];
  const rows = await db.selectFrom('recipient_state').selectAll().where('queue_id', 'in', queueIds).orderBy('queue_id').orderBy('recipient').execute();
  const entries = new Map<string, { queueId: string; mailFrom: string; receivedAt: number; recipients: QueuedRecipient[] }>();
  for (const row of rows) {
    let entry = entries.get(row.queue_id);
    if (!entry) {
      entry = { queueId: row.queue_id, mailFrom: row.mail_from, receivedAt: row.received_at, recipients: [] };
      entries.set(row.queue_id, entry);
    }
    entry.recipients.push({
      recipient: row.recipient,
      status: row.status,
      attempts: row.attempts,
      nextAttemptAt: row.next_attempt_at,
      lastReply: row.last_reply,
      nextHop: row.next_hop,
    });
  }
  return [...entries.values()];
}

/** Makes deferred (and queued) recipients due now: all of them, or those of one message. */
export async function retryQueue(ctx: ServiceContext, actor: Actor, queueId?: string, now = Date.now()): Promise<{ recipients: number }> {
  authorize(actor, 'queue.retry');
  if (queueId !== undefined) checkQueueId(queueId);
  let pending = ctx.db.selectFrom('recipient_state').select((eb) => eb.fn.countAll<number>().as('n')).where('status', 'in', PENDING_STATUSES);
  if (queueId !== undefined) pending = pending.where('queue_id', '=', queueId);
  const recipients = Number((await pending.executeTakeFirst())?.n ?? 0);
  if (queueId !== undefined && recipients === 0) {
    throw new PortcullisError('PORTCULLIS_ERR_NOT_FOUND', `no queued or deferred recipient for ${queueId}`);
  }
  // The change and its audit record are committed together, or neither is.
  await ctx.audit.append({ actor, action: 'queue.retry', target: queueId ?? '*', details: { recipients } }, async (db) => {
    let update = db.updateTable('recipient_state').set({ next_attempt_at: now, updated_at: now }).where('status', 'in', PENDING_STATUSES);
    if (queueId !== undefined) update = update.where('queue_id', '=', queueId);
    await update.execute();
  });
  return { recipients };
}

export interface DeleteQueuedContext extends ServiceContext {
  readonly spool: Pick<SpoolStore, 'remove'>;
  readonly tracking: TrackingSink;
}

/** Gives up on a message: its waiting recipients become deleted and its spool files go. */
export async function deleteQueued(ctx: DeleteQueuedContext, actor: Actor, queueId: string, now = Date.now()): Promise<{ recipients: number }> {
  authorize(actor, 'queue.delete');
  checkQueueId(queueId);
  const waiting = [...PENDING_STATUSES, 'quarantined'] as const;
  const rows = await ctx.db.selectFrom('recipient_state').select('recipient').where('queue_id', '=', queueId).where('status', 'in', waiting).execute();
  const deleted = rows.map((r) => r.recipient);
  if (deleted.length === 0) throw new PortcullisError('PORTCULLIS_ERR_NOT_FOUND', `no waiting recipient for ${queueId}`);
  await ctx.audit.append({ actor, action: 'queue.delete', target: queueId, details: { recipients: deleted } }, async (db) => {
    await db
      .updateTable('recipient_state')
      .set({ status: 'deleted', updated_at: now })
      .where('queue_id', '=', queueId)
      .where('recipient', 'in', deleted)
      .where('status', 'in', waiting)
      .execute();
  });
  await ctx.spool.remove(queueId);
  for (const recipient of deleted) ctx.tracking.event({ queueId, kind: 'deleted', at: now, recipient, detail: 'deleted from the queue' });
  return { recipients: deleted.length };
}

function checkQueueId(queueId: string): void {
  if (!isQueueId(queueId)) throw new PortcullisError('PORTCULLIS_ERR_INVALID_ARGUMENT', `not a queue id: ${JSON.stringify(queueId)}`);
}
