/**
 * The tracking log: stores tracking events and message summaries (observe/tracking-event.ts) in
 * the database, and searches them for `portcullis track` and later hunts.
 *
 * Writes are batched: `event()` and `message()` only queue a row, and a flush writes everything
 * queued in one transaction every FLUSH_INTERVAL_MS or as soon as MAX_BATCH rows wait, so the SMTP
 * path never waits on SQLite and a busy gateway pays one commit per batch, not per row. A failed
 * write is logged and the batch dropped: tracking is evidence, not the message, and must never
 * turn into an SMTP error. The queue is bounded (MAX_PENDING) so a database that stops accepting
 * writes cannot grow memory without bound; what is dropped is counted in the log.
 *
 * Trusts: the stages for the content of summaries (they come from the envelope and the parsed
 * headers; they are attacker-controlled strings and are stored, never interpreted).
 */
import { sql } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../store/database.js';
import type { TrackingMessageTable } from '../store/tables.js';
import type { MessageSummary, TrackingEvent, TrackingEventKind, TrackingSink } from './tracking-event.js';

export const FLUSH_INTERVAL_MS = 50;
export const MAX_BATCH = 200;
export const MAX_PENDING = 20_000;
/** Rows returned by a search when no limit is given. */
export const DEFAULT_SEARCH_LIMIT = 100;

export interface TrackingLogOptions {
  readonly logger: Logger;
  readonly flushIntervalMs?: number;
  readonly maxBatch?: number;
}

export interface TrackingFilter {
  /** Envelope sender, exact (case-insensitive); `@domain` matches every sender of the domain. */
  readonly sender?: string;
  /** Envelope recipient, exact (case-insensitive); `@domain` matches the domain. */
  readonly recipient?: string;
  readonly queueId?: string;
  /** Received at or after, milliseconds since the epoch. */
  readonly since?: number;
  /** Received before, milliseconds since the epoch. */
  readonly until?: number;
  readonly limit?: number;
}

/** One message found by a search: its summary (absent if only events were recorded) and its events in order. */
export interface TrackedMessage {
  readonly queueId: string;
  readonly message?: MessageSummary;
  readonly events: readonly TrackedEvent[];
}

/** A stored event: `at` is always known once stored. */
export interface TrackedEvent extends TrackingEvent {
  readonly at: number;
}

type PendingRow = { readonly kind: 'event'; readonly event: TrackingEvent; readonly at: number } | { readonly kind: 'message'; readonly summary: MessageSummary };

export class TrackingLog implements TrackingSink {
  readonly #db: Database;
  readonly #logger: Logger;
  readonly #intervalMs: number;
  readonly #maxBatch: number;
  #pending: PendingRow[] = [];
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();
  #dropped = 0;
  #closed = false;

  constructor(db: Database, options: TrackingLogOptions) {
    this.#db = db;
    this.#logger = options.logger;
    this.#intervalMs = options.flushIntervalMs ?? FLUSH_INTERVAL_MS;
    this.#maxBatch = options.maxBatch ?? MAX_BATCH;
  }

  event(event: TrackingEvent): void {
    this.#enqueue({ kind: 'event', event, at: event.at ?? Date.now() });
  }

  message(summary: MessageSummary): void {
    this.#enqueue({ kind: 'message', summary });
  }

  /** Writes everything queued so far; resolves when it is in the database (or its failure logged). */
  flush(): Promise<void> {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const batch = this.#pending;
    this.#pending = [];
    this.#flushing = this.#flushing.then(() => (batch.length > 0 ? this.#write(batch) : undefined));
    return this.#flushing;
  }

  /** Flushes and stops accepting rows (later rows are dropped and logged). */
  async close(): Promise<void> {
    await this.flush();
    this.#closed = true;
  }

  async search(filter: TrackingFilter): Promise<TrackedMessage[]> {
    const limit = filter.limit ?? DEFAULT_SEARCH_LIMIT;
    let query = this.#db.selectFrom('tracking_message').selectAll('tracking_message');
    if (filter.queueId !== undefined) query = query.where('tracking_message.queue_id', '=', filter.queueId);
    if (filter.sender !== undefined) {
      const sender = filter.sender.toLowerCase();
      query = sender.startsWith('@')
        ? query.where(sql<boolean>`tracking_message.mail_from like ${likeSuffix(sender)} escape '\\'`)
        : query.where('tracking_message.mail_from', '=', sender);
    }
    if (filter.recipient !== undefined) {
      const recipient = filter.recipient.toLowerCase();
      query = query.where('tracking_message.queue_id', 'in', (eb) => {
        const sub = eb.selectFrom('tracking_recipient').select('tracking_recipient.queue_id');
        return recipient.startsWith('@')
          ? sub.where(sql<boolean>`tracking_recipient.recipient like ${likeSuffix(recipient)} escape '\\'`)
          : sub.where('tracking_recipient.recipient', '=', recipient);
      });
    }
    if (filter.since !== undefined) query = query.where('tracking_message.received_at', '>=', filter.since);
    if (filter.until !== undefined) query = query.where('tracking_message.received_at', '<', filter.until);
    const rows = await query.orderBy('tracking_message.received_at', 'desc').limit(limit).execute();
    const queueIds = rows.map((r) => r.queue_id);
    // A queue id asked for by name is shown even if only events were recorded for it.
    if (filter.queueId !== undefined && rows.length === 0 && filter.sender === undefined && filter.recipient === undefined) {
      queueIds.push(filter.queueId);
    }
    const events = await this.#eventsFor(queueIds);
    const found: TrackedMessage[] = rows.map((row) => ({ queueId: row.queue_id, message: toSummary(row), events: events.get(row.queue_id) ?? [] }));
    if (rows.length === 0 && filter.queueId !== undefined) {
      const only = events.get(filter.queueId);
      if (only) found.push({ queueId: filter.queueId, events: only });
    }
    return found;
  }

  async #eventsFor(queueIds: readonly string[]): Promise<Map<string, TrackedEvent[]>> {
    const byId = new Map<string, TrackedEvent[]>();
    if (queueIds.length === 0) return byId;
    const rows = await this.#db
      .selectFrom('tracking_event')
      .selectAll()
      .where('queue_id', 'in', queueIds)
      .orderBy('at')
      .orderBy('id')
      .execute();
    for (const row of rows) {
      const list = byId.get(row.queue_id) ?? [];
      list.push({
        queueId: row.queue_id,
        kind: row.kind as TrackingEventKind,
        at: row.at,
        ...(row.recipient !== null ? { recipient: row.recipient } : {}),
        ...(row.detail !== null ? { detail: row.detail } : {}),
      });
      byId.set(row.queue_id, list);
    }
    return byId;
  }

  #enqueue(row: PendingRow): void {
    if (this.#closed || this.#pending.length >= MAX_PENDING) {
      this.#dropped += 1;
      // Log the first drop and then every thousandth, so a stuck database does not flood the log too.
      if (this.#dropped === 1 || this.#dropped % 1000 === 0) {
        this.#logger.error({ dropped: this.#dropped, closed: this.#closed }, 'tracking rows dropped');
      }
      return;
    }
    this.#pending.push(row);
    if (this.#pending.length >= this.#maxBatch) {
      void this.flush();
    } else if (!this.#timer) {
      this.#timer = setTimeout(() => void this.flush(), this.#intervalMs);
      this.#timer.unref();
    }
  }

  async #write(batch: readonly PendingRow[]): Promise<void> {
    try {
      await this.#db.transaction().execute(async (trx) => {
        for (const row of batch) {
          if (row.kind === 'event') {
            const e = row.event;
            await trx
              .insertInto('tracking_event')
              .values({ queue_id: e.queueId, at: row.at, kind: e.kind, recipient: e.recipient?.toLowerCase() ?? null, detail: e.detail ?? null })
              .execute();
          } else {
            const values = toRow(row.summary);
            // A summary recorded again (a re-scan on release) replaces the earlier one.
            await trx.insertInto('tracking_message').values(values).onConflict((oc) => oc.column('queue_id').doUpdateSet(values)).execute();
            const recipients = [...new Set(row.summary.rcptTo.map((r) => r.toLowerCase()))];
            if (recipients.length > 0) {
              await trx
                .insertInto('tracking_recipient')
                .values(recipients.map((recipient) => ({ queue_id: values.queue_id, recipient })))
                .onConflict((oc) => oc.doNothing())
                .execute();
            }
          }
        }
      });
    } catch (err) {
      this.#logger.error({ err, rows: batch.length }, 'tracking write failed; batch dropped');
    }
  }
}

/** A LIKE pattern matching strings that end with `suffix`, its wildcards escaped with a backslash. */
function likeSuffix(suffix: string): string {
  return `%${suffix.replace(/[\\%_]/g, (c) => `\\${c}`)}`;
}

function toRow(s: MessageSummary): TrackingMessageTable {
  return {
    queue_id: s.queueId,
    received_at: s.receivedAt,
    node: s.node,
    direction: s.direction,
    client_address: s.clientAddress,
    client_hostname: s.clientHostname ?? null,
    helo: s.helo,
    tls: s.tls ?? null,
    auth_user: s.authUser ?? null,
    mail_from: s.mailFrom.toLowerCase(),
    rcpt_to: JSON.stringify(s.rcptTo),
    message_id: s.messageId ?? null,
    subject: s.subject ?? null,
    from_header: s.fromHeader ?? null,
    size: s.size,
    action: s.action,
    score: s.score,
    rule: s.rule,
    findings: JSON.stringify(s.findings),
    attachments: s.attachments ? JSON.stringify(s.attachments) : null,
    urls: s.urls && s.urls.length > 0 ? JSON.stringify(s.urls) : null,
  };
}

function toSummary(row: TrackingMessageTable): MessageSummary {
  return {
    queueId: row.queue_id,
    receivedAt: row.received_at,
    node: row.node,
    direction: row.direction === 'outbound' ? 'outbound' : 'inbound',
    clientAddress: row.client_address,
    ...(row.client_hostname !== null ? { clientHostname: row.client_hostname } : {}),
    helo: row.helo,
    ...(row.tls !== null ? { tls: row.tls } : {}),
    ...(row.auth_user !== null ? { authUser: row.auth_user } : {}),
    mailFrom: row.mail_from,
    rcptTo: JSON.parse(row.rcpt_to) as string[],
    ...(row.message_id !== null ? { messageId: row.message_id } : {}),
    ...(row.subject !== null ? { subject: row.subject } : {}),
    ...(row.from_header !== null ? { fromHeader: row.from_header } : {}),
    size: row.size,
    action: row.action,
    score: row.score,
    rule: row.rule,
    findings: JSON.parse(row.findings) as MessageSummary['findings'],
    ...(row.attachments !== null ? { attachments: JSON.parse(row.attachments) as NonNullable<MessageSummary['attachments']> } : {}),
    ...(row.urls !== null ? { urls: JSON.parse(row.urls) as string[] } : {}),
  };
}
