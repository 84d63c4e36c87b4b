/**
 * Quarantine state changes as service functions (DESIGN.md invariant 7): release, delete and
 * the retention expiry. Each checks the actor may do it (service/authorize.ts) and changes the
 * rows in the same transaction as its audit record (observe/audit-log.ts), then records a
 * tracking event per recipient.
 *
 * - release: quarantined → queued, due now. The gateway's delivery runner polls the table, so
 *   the message is delivered through the normal queue (routes, retries, DSNs), as scanned.
 *   Given a tokenizer (a sandbox pool: the message is attacker bytes, DESIGN.md invariant 2), the
 *   release also teaches the Bayes classifier the message is ham ("not spam"), through
 *   bayes-service.ts (its own `bayes.train` audit record, the snapshot rewritten). The message is
 *   tokenized before anything changes, so a failed tokenization releases nothing.
 * - delete: quarantined → deleted; the spool files go when no recipient needs them any more.
 * - expiry: every item older than quarantine.retentionDays is deleted as `system:quarantine-retention`,
 *   audited as `quarantine.expire` and tracked as 'expired'.
 *
 * Only rows in status 'quarantined' are ever touched: a release or delete cannot reach a message
 * being delivered. Authorisation follows the central table: the CLI and API administrators; API
 * users may not act on the quarantine yet (per-user quarantine comes with the web console).
 */
import { PortcullisError } from '../core/errors.js';
import type { TrackingSink } from '../observe/tracking-event.js';
import { checkQueueId, heldRecipients } from '../quarantine/quarantine-items.js';
import { removeIfUnreferenced } from '../quarantine/remove-if-unreferenced.js';
import type { TokenizeJob } from '../scan/sandbox/sandbox-pool.js';
import type { SpoolStore } from '../spool/spool-store.js';
import type { Database } from '../store/database.js';
import type { Actor } from './actor.js';
import { authorize } from './authorize.js';
import { learnMessage } from './bayes-service.js';
import type { ServiceContext } from './service-context.js';

export interface QuarantineContext extends ServiceContext {
  readonly spool: Pick<SpoolStore, 'remove' | 'bodyFile'>;
  readonly tracking: TrackingSink;
}

/** The Bayes tokens of a message file, computed where attacker bytes may be parsed (SandboxPool satisfies it). */
export interface MessageTokenizer {
  tokenize(job: TokenizeJob): Promise<readonly string[]>;
}

/** Learning from a release: the released message is ham. */
export interface ReleaseLearning {
  readonly tokenizer: MessageTokenizer;
  /** The Bayes snapshot the sandboxes read (bayesSnapshotPath(config.dataDir)), rewritten after learning. */
  readonly snapshotPath: string;
}

/** The actor of the retention sweep. */
export const RETENTION_ACTOR: Actor = { kind: 'system', component: 'quarantine-retention' };
/** Items expired per sweep call; the next call takes the rest, so one sweep never holds the database long. */
export const MAX_EXPIRED_PER_SWEEP = 500;
const DAY_MS = 24 * 3600 * 1000;

/**
 * Releases the held recipients of a message (only `recipient`, when given) to the delivery queue;
 * with `learn`, also learns the message as ham (`learned` is then true).
 */
export async function releaseQuarantined(
  ctx: QuarantineContext,
  actor: Actor,
  queueId: string,
  recipient?: string,
  now = Date.now(),
  learn?: ReleaseLearning,
): Promise<{ recipients: string[]; learned: boolean }> {
  authorize(actor, 'quarantine.release');
  if (learn) authorize(actor, 'bayes.train');
  const recipients = await heldRecipients(ctx.db, queueId, recipient);
  const tokens = learn ? await learn.tokenizer.tokenize(await ctx.spool.bodyFile(queueId)) : undefined;
  await ctx.audit.append({ actor, action: 'quarantine.release', target: queueId, details: { recipients } }, (db) =>
    changeHeld(db, queueId, recipients, { status: 'queued', next_attempt_at: now, updated_at: now }),
  );
  for (const r of recipients) ctx.tracking.event({ queueId, kind: 'released', at: now, recipient: r, detail: 'released from quarantine' });
  if (learn && tokens) {
    await learnMessage({ db: ctx.db, audit: ctx.audit, snapshotPath: learn.snapshotPath }, actor, { tokens: new Set(tokens), spam: false, reason: 'quarantine-release', target: queueId }, now);
  }
  return { recipients, learned: tokens !== undefined };
}

/** Deletes the held recipients of a message (only `recipient`, when given); the spool goes when nothing else needs it. */
export async function deleteQuarantined(
  ctx: QuarantineContext,
  actor: Actor,
  queueId: string,
  recipient?: string,
  now = Date.now(),
): Promise<{ recipients: string[]; spoolRemoved: boolean }> {
  authorize(actor, 'quarantine.delete');
  const recipients = await heldRecipients(ctx.db, queueId, recipient);
  await ctx.audit.append({ actor, action: 'quarantine.delete', target: queueId, details: { recipients } }, (db) =>
    changeHeld(db, queueId, recipients, { status: 'deleted', updated_at: now }),
  );
  const spoolRemoved = await removeIfUnreferenced(ctx.db, ctx.spool, queueId);
  for (const r of recipients) ctx.tracking.event({ queueId, kind: 'deleted', at: now, recipient: r, detail: 'deleted from quarantine' });
  return { recipients, spoolRemoved };
}

/**
 * Deletes items received more than `retentionDays` ago (at most MAX_EXPIRED_PER_SWEEP per call),
 * one audit record per message. Returns the number of recipients expired.
 */
export async function expireQuarantined(ctx: QuarantineContext, retentionDays: number, now = Date.now(), actor: Actor = RETENTION_ACTOR): Promise<{ recipients: number }> {
  authorize(actor, 'quarantine.delete');
  // A falsy or absurd retention must never mean "delete everything now": the schema bounds it, this re-checks.
  if (!Number.isInteger(retentionDays) || retentionDays < 1) {
    throw new PortcullisError('PORTCULLIS_ERR_INVALID_ARGUMENT', `quarantine retention must be a positive number of days, got ${retentionDays}`);
  }
  const cutoff = now - retentionDays * DAY_MS;
  const rows = await ctx.db
    .selectFrom('recipient_state')
    .select(['queue_id', 'recipient'])
    .where('status', '=', 'quarantined')
    .where('received_at', '<', cutoff)
    .orderBy('received_at')
    .limit(MAX_EXPIRED_PER_SWEEP)
    .execute();
  const byMessage = new Map<string, string[]>();
  for (const row of rows) byMessage.set(row.queue_id, [...(byMessage.get(row.queue_id) ?? []), row.recipient]);
  let expired = 0;
  for (const [queueId, recipients] of byMessage) {
    await ctx.audit.append({ actor, action: 'quarantine.expire', target: queueId, details: { recipients, retentionDays } }, (db) =>
      changeHeld(db, queueId, recipients, { status: 'deleted', updated_at: now }),
    );
    await removeIfUnreferenced(ctx.db, ctx.spool, queueId);
    for (const r of recipients) ctx.tracking.event({ queueId, kind: 'expired', at: now, recipient: r, detail: `quarantine retention of ${retentionDays} days ended` });
    expired += recipients.length;
  }
  return { recipients: expired };
}

type HeldChange = { status: 'queued' | 'deleted'; updated_at: number; next_attempt_at?: number };

/** Changes rows that are still quarantined; a row released or deleted meanwhile by another process stays as it is. */
async function changeHeld(db: Database, queueId: string, recipients: readonly string[], change: HeldChange): Promise<void> {
  checkQueueId(queueId);
  await db
    .updateTable('recipient_state')
    .set(change)
    .where('queue_id', '=', queueId)
    .where('recipient', 'in', recipients)
    .where('status', '=', 'quarantined')
    .execute();
}
