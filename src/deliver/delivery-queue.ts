/**
 * The delivery queue: takes committed spool messages to their next hops, with state per
 * (message, recipient) in the recipient_state table, so it survives restarts and can be changed
 * from another process (`portcullis queue retry|delete`): the runner polls the database for due
 * rows every POLL_INTERVAL_MS. A fresh message is started by enqueue() itself from the rows it
 * has just written; what the limits hold back waits in a ready list (refreshed by every poll)
 * and starts as slots free up, so a busy relay costs no query per message (Postfix's queue
 * manager keeps its active queue in memory for the same reason).
 *
 *   enqueue ─▶ queued ──attempt──▶ delivered            (2xx)
 *                 ▲        ├──────▶ deferred ─(backoff)─┘   (4xx, network, timeout)
 *                 │        ├──────▶ bounced + DSN            (5xx)
 *                 │        └──────▶ bounced + DSN            (expired: expireAfterSeconds after receipt)
 *   quarantined (held; quarantine/ releases to queued)    deleted (queue delete)
 *
 * Recipients of one message with the same next hop share one SMTP transaction. Limits: a global
 * number of concurrent attempts (delivery.concurrency) and one per next hop
 * (delivery.concurrencyPerDestination). Backoff: retryDelaySeconds doubling per attempt up to
 * maxRetryDelaySeconds. When no recipient of a message is pending or quarantined any more, its
 * spool files are removed.
 *
 * Crash semantics: delivery is at-least-once. The row is updated after the next hop answered, so
 * a crash in between delivers again. A DSN is committed to the spool and queued before the
 * bounced rows are written, so a crash may send a DSN twice but never loses one. recover() queues
 * committed messages that have no rows (a crash between spool commit and enqueue) and removes
 * spooled messages whose recipients are all final (a crash after the last update).
 *
 * Trust: spool records were written by the gateway; replies from next hops are untrusted text
 * (one line, printable). Row updates are conditional on the row still being pending, so a
 * `queue delete` made while an attempt is in flight wins.
 */
import type { Logger } from 'pino';
import type { ResolveFunction } from 'mx-connect';
import type { Config } from '../config/schema.js';
import { isPortcullisError } from '../core/errors.js';
import { newQueueId } from '../core/queue-id.js';
import type { TrackingSink } from '../observe/tracking-event.js';
import type { SpoolRecord, SpoolStore } from '../spool/spool-store.js';
import type { Database } from '../store/database.js';
import type { RecipientStateTable } from '../store/tables.js';
import { TransactionBatch } from '../store/transaction-batch.js';
import { buildDsn, needsDsn, readHeaderSection, type FailedRecipient } from './dsn.js';
import { LocalMailbox, mailboxDirectory } from './local-mailbox.js';
import { signedOutgoingMessage, type DkimKeyring } from './dkim-signing.js';
import type { OutgoingMessage } from './outgoing-message.js';
import { route, type Route } from './route.js';
import { oneLine, SmtpTransport, type RecipientResult } from './smtp-transport.js';

/** How often the runner looks for due rows (and picks up changes made by other processes). */
export const POLL_INTERVAL_MS = 1000;
/** Least time between two polls of the database for due rows. */
const MIN_POLL_GAP_MS = 20;
/** Recipients per SMTP transaction (RFC 5321 requires servers to take at least 100). */
export const MAX_RECIPIENTS_PER_TRANSACTION = 100;

export const PENDING_STATUSES = ['queued', 'deferred'] as const;

export interface DeliveryQueueDeps {
  readonly db: Database;
  readonly spool: SpoolStore;
  readonly config: Config;
  readonly logger: Logger;
  readonly tracking: TrackingSink;
  readonly now?: () => number;
  /** Tests shorten the poll. */
  readonly pollIntervalMs?: number;
  /** MX delivery: a DNS resolver (tests point it at a local server) and whether local MX hosts are refused. */
  readonly mx?: { readonly resolve?: ResolveFunction; readonly blockLocalAddresses?: boolean };
  /** The built-in mailbox; opened in dataDir/mailbox on first use when absent. */
  readonly mailbox?: LocalMailbox;
  /** DKIM keys for outbound mail (service/dkim-service.ts); absent: nothing is signed. */
  readonly dkim?: DkimKeyring;
  /** Where attempt outcomes and the queue size are counted; absent: not counted. */
  readonly metrics?: DeliveryMetrics;
}

/**
 * The queue's figures for /metrics. A port rather than the registry itself: the queue runs in a
 * worker thread (deliver/delivery-thread.ts), and the registry /metrics serves is the main thread's.
 */
export interface DeliveryMetrics {
  attempted(outcome: string): void;
  queueSize(recipients: number): void;
}

const UNCOUNTED: DeliveryMetrics = { attempted: () => undefined, queueSize: () => undefined };

type RecipientRow = Pick<RecipientStateTable, 'queue_id' | 'recipient' | 'attempts' | 'received_at' | 'last_reply' | 'first_attempt_at'>;

/** After an attempt: every recipient of the message is known to be final, or the database must say. */
type MessageAfterAttempt = 'final' | 'maybe-pending';

interface Job {
  readonly queueId: string;
  readonly route: Route;
  readonly rows: readonly RecipientRow[];
  /** Taken from the ready list, up to a poll interval after its rows were read: check them again. */
  readonly recheck?: boolean;
}

export class DeliveryQueue {
  private readonly db: Database;
  private readonly spool: SpoolStore;
  private readonly logger: Logger;
  private readonly tracking: TrackingSink;
  private readonly metrics: DeliveryMetrics;
  private readonly now: () => number;
  private readonly pollIntervalMs: number;
  private config: Config;
  private transport: SmtpTransport;
  private mailbox: Promise<LocalMailbox> | undefined;
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  private gaugeUpdatedAt = 0;
  private tickAgain = false;
  private readonly inFlight = new Set<Promise<void>>();
  /** Queue-row writes of concurrent enqueues and attempts, committed together (store/transaction-batch.ts). */
  private readonly writes: TransactionBatch;
  /** Spool removals after attempts (removeAfterAttempt); stop() waits for them. */
  private readonly removals = new Set<Promise<void>>();
  /** `queueId\0recipient` of rows in an attempt now, so a poll does not start them twice. */
  private readonly busy = new Set<string>();
  private readonly perHop = new Map<string, number>();
  /**
   * Whether due rows may be waiting that no attempt has picked up (a limit was reached when they
   * became due): then each finished attempt polls for more. Without a backlog a fresh message is
   * launched straight from enqueue() and the database is polled only every pollIntervalMs.
   */
  private backlog = true;
  /**
   * Due jobs the last poll found but the limits held back, started as slots free up (the first
   * ones first), so that a backlog costs one poll per batch, not one per attempt. Replaced by
   * every poll, so it is never older than the poll interval.
   */
  private ready: Job[] = [];
  private lastTickEnded = -Infinity;
  private spacingTimer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: DeliveryQueueDeps) {
    this.db = deps.db;
    this.writes = new TransactionBatch(deps.db);
    this.spool = deps.spool;
    this.logger = deps.logger;
    this.tracking = deps.tracking;
    this.metrics = deps.metrics ?? UNCOUNTED;
    this.now = deps.now ?? Date.now;
    this.pollIntervalMs = deps.pollIntervalMs ?? POLL_INTERVAL_MS;
    this.config = deps.config;
    this.transport = this.buildTransport(deps.config);
    if (deps.mailbox) this.mailbox = Promise.resolve(deps.mailbox);
  }

  /** Applies a reloaded configuration to the next attempts (routes, limits, backoff). */
  reconfigure(config: Config): void {
    this.config = config;
    this.transport.closeIdle();
    this.transport = this.buildTransport(config);
  }

  /**
   * Creates the rows of a committed message and starts its delivery. Idempotent. The rows just
   * written are the ones a poll would read back, so the attempts start from them directly (the
   * relay path then costs no query per message); what the limits hold back is left to the poll.
   */
  async enqueue(queueId: string, record: SpoolRecord): Promise<void> {
    await this.insertRows(queueId, record);
    if (record.recipients.every((r) => r.disposition !== 'deliver')) {
      await this.removeIfFinal(queueId);
      return;
    }
    if (!this.running) return;
    const rows: RecipientRow[] = record.recipients
      .filter((r) => r.disposition === 'deliver')
      .map((r) => ({ queue_id: queueId, recipient: r.address, attempts: 0, received_at: record.envelope.receivedAt, last_reply: null, first_attempt_at: null }));
    const held = this.launchWithinLimits(this.jobs(rows));
    if (held.length > 0) {
      this.ready.push(...held);
      this.backlog = true;
    }
  }

  /**
   * After a crash: queues committed messages that have no rows, and removes spooled messages
   * whose recipients are all final. Returns the number of messages queued.
   */
  async recover(): Promise<number> {
    let queued = 0;
    for (const queueId of await this.spool.listCommitted()) {
      const rows = await this.db.selectFrom('recipient_state').select('status').where('queue_id', '=', queueId).execute();
      if (rows.length > 0) {
        await this.removeIfFinal(queueId);
        continue;
      }
      try {
        await this.insertRows(queueId, await this.spool.read(queueId));
        queued++;
      } catch (err) {
        this.logger.error({ queueId, err: (err as Error).message }, 'cannot queue a spooled message at recovery');
      }
    }
    if (queued > 0) this.logger.info({ queued }, 'queued spooled messages that had no delivery state');
    this.wake();
    return queued;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.timer = setInterval(() => this.wake(), this.pollIntervalMs);
    this.timer.unref();
    this.wake();
  }

  /** No new attempts; resolves when the attempts in flight have finished and been recorded. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    clearTimeout(this.spacingTimer);
    this.spacingTimer = undefined;
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    await Promise.allSettled([...this.removals]);
    this.transport.closeIdle();
  }

  private buildTransport(config: Config): SmtpTransport {
    return new SmtpTransport({
      hostname: config.smtp.hostname,
      connectTimeoutMs: config.delivery.connectTimeoutSeconds * 1000,
      mxPort: config.delivery.mxPort,
      mxTls: config.delivery.mxTls,
      ...(this.deps.mx?.resolve ? { resolve: this.deps.mx.resolve } : {}),
      ...(this.deps.mx?.blockLocalAddresses !== undefined ? { blockLocalAddresses: this.deps.mx.blockLocalAddresses } : {}),
    });
  }

  private async insertRows(queueId: string, record: SpoolRecord): Promise<void> {
    if (record.recipients.length === 0) return;
    const now = this.now();
    await this.writes.run(async (trx) => {
      await trx
        .insertInto('recipient_state')
        .values(
          record.recipients.map((r) => ({
            queue_id: queueId,
            recipient: r.address,
            status: r.disposition === 'quarantine' ? ('quarantined' as const) : ('queued' as const),
            mail_from: record.envelope.mailFrom,
            received_at: record.envelope.receivedAt,
            attempts: 0,
            next_attempt_at: now,
            first_attempt_at: null,
            last_reply: null,
            next_hop: null,
            updated_at: now,
          })),
        )
        .onConflict((oc) => oc.columns(['queue_id', 'recipient']).doNothing())
        .execute();
    });
  }

  private wake(): void {
    if (!this.running) return;
    if (this.ticking) {
      this.tickAgain = true;
      return;
    }
    if (this.spacingTimer) return;
    // Polls at most every MIN_POLL_GAP_MS: with a large backlog every finished attempt wakes the
    // runner, and back-to-back polls over thousands of due rows (a next hop that is down, retries
    // all due) would spend the event loop on the same query.
    const wait = this.lastTickEnded + MIN_POLL_GAP_MS - performance.now();
    if (wait > 0) {
      this.spacingTimer = setTimeout(() => {
        this.spacingTimer = undefined;
        this.wake();
      }, wait);
      return;
    }
    this.ticking = true;
    void this.tick()
      .catch((err: unknown) => this.logger.error({ err: (err as Error).message }, 'delivery queue poll failed'))
      .finally(() => {
        this.ticking = false;
        this.lastTickEnded = performance.now();
        if (this.tickAgain) {
          this.tickAgain = false;
          this.wake();
        }
      });
  }

  private async tick(): Promise<void> {
    const { concurrency } = this.config.delivery;
    // The queue-size gauge is a count over the pending rows: refreshed once per poll interval,
    // not on every wake (a backlog wakes the runner after every attempt).
    if (this.now() - this.gaugeUpdatedAt >= this.pollIntervalMs) {
      this.gaugeUpdatedAt = this.now();
      const size = await this.db
        .selectFrom('recipient_state')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('status', 'in', PENDING_STATUSES)
        .executeTakeFirst();
      this.metrics.queueSize(Number(size?.n ?? 0));
    }
    if (!this.running || this.inFlight.size >= concurrency) return;
    // Cleared before the query: a message enqueued from here on that cannot start sets it again.
    this.backlog = false;
    const limit = (concurrency + this.busy.size) * 4;
    const due = await this.db
      .selectFrom('recipient_state')
      .select(['queue_id', 'recipient', 'attempts', 'received_at', 'last_reply', 'first_attempt_at'])
      .where('status', 'in', PENDING_STATUSES)
      .where('next_attempt_at', '<=', this.now())
      .orderBy('next_attempt_at')
      .orderBy('queue_id')
      .limit(limit)
      .execute();
    this.ready = this.launchWithinLimits(this.jobs(due));
    if (this.ready.length > 0 || due.length >= limit) this.backlog = true;
  }

  /**
   * Launches the jobs the global and per-hop limits allow, skipping those already in flight;
   * returns those held back, in order. `recheck`: the jobs come from the ready list, so each one
   * launched checks its rows against the database first.
   */
  private launchWithinLimits(jobs: readonly Job[], recheck = false): Job[] {
    const { concurrency, concurrencyPerDestination } = this.config.delivery;
    const held: Job[] = [];
    for (const job of jobs) {
      if (job.rows.some((row) => this.busy.has(busyKey(row)))) continue;
      if (!this.running || this.inFlight.size >= concurrency || (this.perHop.get(job.route.key) ?? 0) >= concurrencyPerDestination) {
        held.push(job);
        continue;
      }
      this.launch(recheck ? { ...job, recheck: true } : job);
    }
    return held;
  }

  /**
   * After an attempt: starts what the ready list holds for the freed slot; polls (spaced by
   * MIN_POLL_GAP_MS) while a backlog remains and either the list is empty or slots stay free for
   * next hops the list does not cover.
   */
  private launchReady(): void {
    this.ready = this.launchWithinLimits(this.ready, true);
    if (this.backlog && (this.ready.length === 0 || this.inFlight.size < this.config.delivery.concurrency)) this.wake();
  }

  /** Groups due rows into transactions: one per (message, next hop), not already in flight. */
  private jobs(rows: readonly RecipientRow[]): Job[] {
    const groups = new Map<string, { queueId: string; route: Route; rows: RecipientRow[] }>();
    const jobs: Job[] = [];
    for (const row of rows) {
      if (this.busy.has(busyKey(row))) continue;
      const r = route(row.recipient, this.config);
      const key = `${row.queue_id}\0${r.key}`;
      let group = groups.get(key);
      if (!group || group.rows.length >= MAX_RECIPIENTS_PER_TRANSACTION) {
        group = { queueId: row.queue_id, route: r, rows: [] };
        groups.set(key, group);
        jobs.push(group);
      }
      group.rows.push(row);
    }
    return jobs;
  }

  private launch(job: Job): void {
    for (const row of job.rows) this.busy.add(busyKey(row));
    this.perHop.set(job.route.key, (this.perHop.get(job.route.key) ?? 0) + 1);
    const attempt: Promise<void> = this.attempt(job)
      .catch((err: unknown): MessageAfterAttempt => {
        this.logger.error({ queueId: job.queueId, err: (err as Error).message }, 'delivery attempt failed unexpectedly');
        return 'maybe-pending';
      })
      .then((after) => {
        for (const row of job.rows) this.busy.delete(busyKey(row));
        const left = (this.perHop.get(job.route.key) ?? 1) - 1;
        if (left > 0) this.perHop.set(job.route.key, left);
        else this.perHop.delete(job.route.key);
        this.inFlight.delete(attempt);
        this.launchReady();
        this.removeAfterAttempt(job.queueId, after);
      });
    this.inFlight.add(attempt);
  }

  /**
   * Removes the spool files of a message whose recipients are all final, outside the attempt's
   * slot: the unlinks wait on the thread pool behind the fsyncs of messages being received, and a
   * next hop's slot must not wait with them.
   */
  private removeAfterAttempt(queueId: string, after: MessageAfterAttempt): void {
    const removal: Promise<void> = (after === 'final' ? this.spool.remove(queueId) : this.removeIfFinal(queueId))
      .catch((err: unknown) => this.logger.error({ queueId, err: (err as Error).message }, 'cannot remove a delivered message from the spool'))
      .finally(() => this.removals.delete(removal));
    this.removals.add(removal);
  }

  private async attempt(candidate: Job): Promise<MessageAfterAttempt> {
    const job = candidate.recheck ? await this.stillPending(candidate) : candidate;
    if (job.rows.length === 0) return 'maybe-pending';
    const { queueId, rows } = job;
    const recipients = rows.map((r) => r.recipient);
    const now = this.now();
    let record: SpoolRecord | undefined;
    try {
      record = await this.spool.read(queueId);
    } catch (err) {
      this.logger.error({ queueId, err: (err as Error).message }, 'cannot read spooled message');
      if (isPortcullisError(err, 'PORTCULLIS_ERR_NOT_FOUND') && !(await this.isPending(queueId))) return 'maybe-pending';
    }

    const expired = now - (rows[0]?.received_at ?? now) >= this.config.delivery.expireAfterSeconds * 1000;
    let results: RecipientResult[];
    if (expired) {
      results = rows.map((r) => ({
        recipient: r.recipient,
        outcome: 'bounced',
        reply: `delivery time expired after ${r.attempts} attempts${r.last_reply ? `; last reply: ${r.last_reply}` : ''}`,
      }));
    } else if (!record) {
      results = recipients.map((recipient) => ({ recipient, outcome: 'deferred', reply: '451 4.3.0 the spooled message is unreadable' }));
    } else {
      results = await this.deliver(job, record);
    }

    const bounced = results.filter((r) => r.outcome === 'bounced');
    if (bounced.length > 0 && record && needsDsn(record)) {
      await this.sendDsn(record, bounced.map((r) => ({ recipient: r.recipient, diagnostic: r.reply, expired })));
    }
    await this.record(job, results, expired, this.now());
    // The usual case (one next hop, every recipient to be delivered, none deferred) needs no
    // query to know the message is done.
    const wholeMessage = record !== undefined && record.recipients.every((r) => r.disposition === 'deliver') && job.rows.length === record.recipients.length;
    return wholeMessage && results.every((r) => r.outcome !== 'deferred') ? 'final' : 'maybe-pending';
  }

  private async deliver(job: Job, record: SpoolRecord): Promise<RecipientResult[]> {
    const recipients = job.rows.map((r) => r.recipient);
    let message: OutgoingMessage;
    try {
      message = await signedOutgoingMessage(this.spool, record, this.deps.dkim);
      const r = job.route;
      switch (r.kind) {
        case 'mailbox':
          return await (await this.localMailbox()).deliver(job.queueId, record.envelope.mailFrom, recipients, message);
        case 'relay':
          return await this.transport.send({ kind: 'relay', hop: r.hop }, envelopeOf(record, recipients, message), () => message.open());
        case 'mx':
          return await this.transport.send({ kind: 'mx', domain: r.domain }, envelopeOf(record, recipients, message), () => message.open());
        case 'unroutable':
          return recipients.map((recipient) => ({ recipient, outcome: 'bounced', reply: `550 5.1.2 ${r.reason}` }));
      }
    } catch (err) {
      return recipients.map((recipient) => ({ recipient, outcome: 'deferred', reply: oneLine(`451 4.3.0 ${(err as Error).message}`) }));
    }
  }

  private async record(job: Job, results: readonly RecipientResult[], expired: boolean, now: number): Promise<void> {
    const { retryDelaySeconds, maxRetryDelaySeconds } = this.config.delivery;
    const byRecipient = new Map(job.rows.map((r) => [r.recipient, r] as const));
    await this.writes.run(async (trx) => {
      for (const result of results) {
        const row = byRecipient.get(result.recipient);
        if (!row) continue;
        const attempts = row.attempts + (expired ? 0 : 1);
        const delayMs = Math.min(retryDelaySeconds * 2 ** Math.max(0, attempts - 1), maxRetryDelaySeconds) * 1000;
        const status = result.outcome === 'deferred' ? 'deferred' : result.outcome;
        await trx
          .updateTable('recipient_state')
          .set({
            status,
            attempts,
            next_attempt_at: result.outcome === 'deferred' ? now + delayMs : now,
            first_attempt_at: row.first_attempt_at ?? now,
            last_reply: result.reply,
            next_hop: job.route.key,
            updated_at: now,
          })
          .where('queue_id', '=', job.queueId)
          .where('recipient', '=', result.recipient)
          .where('status', 'in', PENDING_STATUSES)
          .execute();
      }
    });
    for (const result of results) {
      const kind = expired ? 'expired' : result.outcome;
      this.metrics.attempted(kind);
      this.tracking.event({ queueId: job.queueId, kind, at: now, recipient: result.recipient, detail: `${job.route.key}: ${result.reply}` });
      this.logger.info({ queueId: job.queueId, recipient: result.recipient, outcome: kind, nextHop: job.route.key, reply: result.reply }, 'delivery attempt');
    }
  }

  /** Spools and queues a DSN to the envelope sender; a failure is logged (the bounce stands). */
  private async sendDsn(original: SpoolRecord, failed: readonly FailedRecipient[]): Promise<void> {
    const originalId = original.envelope.queueId;
    try {
      const headers = original.prependHeaders + (await readHeaderSection(this.spool.openBody(originalId)));
      const now = this.now();
      const dsn = buildDsn({ reportingMta: this.config.smtp.hostname, original, originalHeaders: headers, failed, now });
      const queueId = newQueueId();
      const record: SpoolRecord = {
        version: 1,
        envelope: {
          queueId,
          clientAddress: '127.0.0.1',
          clientPort: 0,
          helo: this.config.smtp.hostname,
          mailFrom: '',
          rcptTo: [original.envelope.mailFrom],
          direction: 'outbound',
          receivedAt: now,
          size: dsn.bytes.length,
        },
        prependHeaders: '',
        verdict: { action: 'accept', score: 0, rule: 'dsn', findings: [] },
        recipients: [{ address: original.envelope.mailFrom, disposition: 'deliver' }],
      };
      const writer = this.spool.createWriter(queueId);
      try {
        await writer.receive(oneChunk(dsn.bytes));
        await writer.commit(record);
      } catch (err) {
        await writer.discard();
        throw err;
      }
      await this.enqueue(queueId, record);
      this.tracking.event({ queueId, kind: 'received', at: now, recipient: original.envelope.mailFrom, detail: `delivery status notification for ${originalId}` });
    } catch (err) {
      this.logger.error({ queueId: originalId, err: (err as Error).message }, 'cannot queue a DSN');
    }
  }

  /** The job without the rows that are no longer pending (`queue delete` from another process, or final meanwhile). */
  private async stillPending(job: Job): Promise<Job> {
    const pending = await this.db
      .selectFrom('recipient_state')
      .select('recipient')
      .where('queue_id', '=', job.queueId)
      .where('status', 'in', PENDING_STATUSES)
      .execute();
    const names = new Set(pending.map((r) => r.recipient));
    return { ...job, rows: job.rows.filter((row) => names.has(row.recipient)) };
  }

  private async isPending(queueId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('recipient_state')
      .select('recipient')
      .where('queue_id', '=', queueId)
      .where('status', 'in', [...PENDING_STATUSES, 'quarantined'])
      .executeTakeFirst();
    return row !== undefined;
  }

  private async removeIfFinal(queueId: string): Promise<void> {
    if (await this.isPending(queueId)) return;
    await this.spool.remove(queueId);
  }

  private localMailbox(): Promise<LocalMailbox> {
    this.mailbox ??= LocalMailbox.open({ dir: mailboxDirectory(this.config), db: this.db, fsync: this.config.spool.fsync, now: this.now });
    return this.mailbox;
  }
}

async function* oneChunk(bytes: Buffer): AsyncGenerator<Buffer> {
  yield bytes;
}

function busyKey(row: Pick<RecipientRow, 'queue_id' | 'recipient'>): string {
  return `${row.queue_id}\0${row.recipient}`;
}

function envelopeOf(record: SpoolRecord, to: readonly string[], message: OutgoingMessage) {
  return { from: record.envelope.mailFrom, to, size: message.size };
}
