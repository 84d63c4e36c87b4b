/**
 * The quarantine, read side: what is held and why. A quarantined item is one (message, recipient)
 * row of recipient_state in status 'quarantined'; the message stays in the spool (bytes, envelope,
 * verdict with its findings) until its last held or pending recipient is gone. Tracking adds what
 * the scan saw inside the message: subject, attachment names, declared and detected types,
 * sha256, and the containers (archive, TNEF, PDF) that extracted members came from.
 *
 * Read-only: release, delete and expiry are state changes and live in service/quarantine-service.ts.
 * Trust: queue ids are checked before they reach a path; everything read from the spool and the
 * tracking row was written by the gateway but describes attacker-controlled mail, so it is shown
 * as data (the CLI prints it as JSON strings or escaped lines), never interpreted.
 */
import { sql } from 'kysely';
import type { Envelope } from '../core/envelope.js';
import { PortcullisError } from '../core/errors.js';
import { isQueueId } from '../core/queue-id.js';
import type { Verdict } from '../core/verdict.js';
import { readHeaderSection } from '../deliver/dsn.js';
import type { MessageSummary } from '../observe/tracking-event.js';
import type { SpoolStore } from '../spool/spool-store.js';
import type { Database } from '../store/database.js';

export const DEFAULT_LIST_LIMIT = 100;
export const MAX_LIST_LIMIT = 10_000;
const DAY_MS = 24 * 3600 * 1000;

/** One held (message, recipient) as `quarantine list` shows it. */
export interface QuarantineItem {
  readonly queueId: string;
  readonly recipient: string;
  readonly mailFrom: string;
  readonly receivedAt: number;
  /** When the retention sweep deletes it (quarantine.retentionDays after receipt). */
  readonly expiresAt: number;
  /** From tracking; absent when the summary was not recorded. */
  readonly subject?: string;
  readonly fromHeader?: string;
  readonly action?: string;
  readonly score?: number;
  readonly rule?: string;
}

export interface QuarantineListOptions {
  /** Only this recipient (case-insensitive). */
  readonly recipient?: string;
  readonly limit?: number;
  readonly retentionDays: number;
}

type Attachment = NonNullable<MessageSummary['attachments']>[number];

/** One held message as `quarantine show` shows it. */
export interface QuarantineDetail {
  readonly queueId: string;
  /** The held recipients shown (one with --recipient, else all of the message's held ones). */
  readonly recipients: readonly string[];
  readonly expiresAt: number;
  readonly envelope: Envelope;
  readonly verdict: Verdict;
  /** The header lines the gateway prepends at delivery (Received, verdict headers). */
  readonly prependHeaders: string;
  /** The message's own header section, bounded (deliver/dsn.ts readHeaderSection). */
  readonly headers: string;
  /** Attachments and extracted members from tracking, or undefined when no summary was recorded. */
  readonly attachments?: readonly Attachment[];
}

/** Held items, newest first. */
export async function quarantineItems(db: Database, options: QuarantineListOptions): Promise<QuarantineItem[]> {
  const limit = Math.min(Math.max(1, Math.trunc(options.limit ?? DEFAULT_LIST_LIMIT)), MAX_LIST_LIMIT);
  let query = db
    .selectFrom('recipient_state as r')
    .leftJoin('tracking_message as t', 't.queue_id', 'r.queue_id')
    .select(['r.queue_id', 'r.recipient', 'r.mail_from', 'r.received_at', 't.subject', 't.from_header', 't.action', 't.score', 't.rule'])
    .where('r.status', '=', 'quarantined');
  if (options.recipient !== undefined) query = query.where(sql<boolean>`lower(r.recipient) = ${options.recipient.toLowerCase()}`);
  const rows = await query.orderBy('r.received_at', 'desc').orderBy('r.queue_id').orderBy('r.recipient').limit(limit).execute();
  return rows.map((row) => ({
    queueId: row.queue_id,
    recipient: row.recipient,
    mailFrom: row.mail_from,
    receivedAt: row.received_at,
    expiresAt: row.received_at + options.retentionDays * DAY_MS,
    ...(row.subject != null ? { subject: row.subject } : {}),
    ...(row.from_header != null ? { fromHeader: row.from_header } : {}),
    ...(row.action != null ? { action: row.action } : {}),
    ...(row.score != null ? { score: row.score } : {}),
    ...(row.rule != null ? { rule: row.rule } : {}),
  }));
}

/**
 * The held recipients of a message (only `recipient`, when given). Throws NOT_FOUND when none is
 * held, so a release or delete can never touch a row that is not in quarantine.
 */
export async function heldRecipients(db: Database, queueId: string, recipient?: string): Promise<string[]> {
  checkQueueId(queueId);
  let query = db.selectFrom('recipient_state').select('recipient').where('queue_id', '=', queueId).where('status', '=', 'quarantined');
  if (recipient !== undefined) query = query.where(sql<boolean>`lower(recipient) = ${recipient.toLowerCase()}`);
  const rows = await query.orderBy('recipient').execute();
  if (rows.length === 0) {
    throw new PortcullisError('PORTCULLIS_ERR_NOT_FOUND', `no quarantined recipient ${recipient !== undefined ? `${recipient} ` : ''}for ${queueId}`);
  }
  return rows.map((r) => r.recipient);
}

export interface QuarantineItemDeps {
  readonly db: Database;
  readonly spool: Pick<SpoolStore, 'read' | 'openBody'>;
  readonly retentionDays: number;
}

export async function quarantineItem(deps: QuarantineItemDeps, queueId: string, recipient?: string): Promise<QuarantineDetail> {
  const recipients = await heldRecipients(deps.db, queueId, recipient);
  const record = await deps.spool.read(queueId);
  const headers = await readHeaderSection(deps.spool.openBody(queueId));
  const tracked = await deps.db.selectFrom('tracking_message').select('attachments').where('queue_id', '=', queueId).executeTakeFirst();
  const attachments = parseAttachments(tracked?.attachments ?? null);
  return {
    queueId,
    recipients,
    expiresAt: record.envelope.receivedAt + deps.retentionDays * DAY_MS,
    envelope: record.envelope,
    verdict: record.verdict,
    prependHeaders: record.prependHeaders,
    headers,
    ...(attachments ? { attachments } : {}),
  };
}

/** The tracking column is JSON written by observe/tracking.ts; a damaged value shows as absent, not as an error. */
function parseAttachments(json: string | null): Attachment[] | undefined {
  if (json === null) return undefined;
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? (value as Attachment[]) : undefined;
  } catch {
    return undefined;
  }
}

export function checkQueueId(queueId: string): void {
  if (!isQueueId(queueId)) throw new PortcullisError('PORTCULLIS_ERR_INVALID_ARGUMENT', `not a queue id: ${JSON.stringify(queueId)}`);
}
