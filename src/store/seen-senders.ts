/**
 * The seen-senders store: which sender domains have sent the organisation accepted inbound mail,
 * since when, on how many different days and how many messages (table seen_sender,
 * store/migrations/0010-seen-senders.ts), and from it the known correspondents that the
 * sandboxes compare new senders with (FIRST_CONTACT_LOOKALIKE, scan/analyzers/impersonation.ts).
 *
 * What counts (observe()): inbound mail whose verdict is accept or tag, from a non-null envelope
 * sender, without a look-alike finding. Rejected, quarantined and tempfailed mail never counts,
 * so an attacker cannot make his domain known with mail that was blocked, nor with the look-alike
 * mail itself while it is tagged. The domain is the registrable domain of MAIL FROM: the identity
 * the main process has without reading the message (the From header is parsed only in the
 * sandboxes), and the one SPF checks. A partner mailing through a bulk-mail service teaches its
 * bounce domain, not its From domain; business mail from its own servers or a hosted mailbox
 * (Microsoft 365, Google Workspace) carries its own domain.
 *
 * A domain is known once it has `knownAfterDays` different UTC days and `knownAfterMessages`
 * messages. The known ones (at most MAX_KNOWN_CORRESPONDENTS, the most recently seen first) are
 * written as a snapshot file (scan/url/known-correspondents.ts) whenever the set changes.
 *
 * Cheap on the SMTP path: observe() only counts in memory; a flush writes every domain seen since
 * the last one in one transaction (one upsert per domain and day) every FLUSH_INTERVAL_MS or once
 * MAX_BATCH_DOMAINS wait. Bounded: at most MAX_PENDING_DOMAINS domains wait (more are dropped and
 * logged); domains not seen for `retentionDays` are deleted and the table is capped at
 * `maxDomains` (least recently seen first) at start and every PRUNE_INTERVAL_MS. A failed write
 * is logged and its batch dropped: this is a detection aid, never a reason to refuse mail.
 *
 * Trusts: the verdict and envelope from the main process. The domain comes from the client's
 * MAIL FROM; it is normalised by the public suffix list, bounded and stored, never interpreted.
 */
import { sql } from 'kysely';
import type { Logger } from 'pino';
import { domainOf } from '../core/address.js';
import type { Envelope } from '../core/envelope.js';
import type { Verdict } from '../core/verdict.js';
import { writeFileAtomic } from '../core/snapshot-file.js';
import { MAX_KNOWN_CORRESPONDENTS, serializeKnownCorrespondents } from '../scan/url/known-correspondents.js';
import { registrableParts } from '../scan/url/parse-url.js';
import type { Database } from './database.js';

export const FLUSH_INTERVAL_MS = 1000;
export const MAX_BATCH_DOMAINS = 500;
export const MAX_PENDING_DOMAINS = 10_000;
export const PRUNE_INTERVAL_MS = 3600_000;
const DAY_MS = 86_400_000;
/** Longest domain name (RFC 1035): a longer one is not stored. */
const MAX_DOMAIN_CHARS = 253;
/** A message carrying one of these is no evidence that its sender is a real correspondent. */
const LOOKALIKE_FINDINGS: ReadonlySet<string> = new Set(['FIRST_CONTACT_LOOKALIKE', 'SENDER_LOOKALIKE_DOMAIN']);

/** `phishing.seenSenders` (config/schema.ts). */
export interface SeenSendersSettings {
  readonly knownAfterDays: number;
  readonly knownAfterMessages: number;
  readonly retentionDays: number;
  readonly maxDomains: number;
}

export interface SeenSendersOptions {
  readonly logger: Logger;
  readonly settings: SeenSendersSettings;
  /** The snapshot file the sandboxes read (knownCorrespondentsPath(config.dataDir)). */
  readonly snapshotPath: string;
  readonly flushIntervalMs?: number;
  /** The clock for pruning (tests); Date.now by default. */
  readonly now?: () => number;
}

/** Messages of one domain on one UTC day since the last flush. */
interface Pending {
  readonly domain: string;
  messages: number;
  first: number;
  last: number;
}

export class SeenSenders {
  readonly #db: Database;
  readonly #logger: Logger;
  readonly #settings: SeenSendersSettings;
  readonly #snapshotPath: string;
  readonly #intervalMs: number;
  readonly #now: () => number;
  #pending = new Map<string, Pending>();
  #known = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  readonly #pruneTimer: NodeJS.Timeout;
  #writing: Promise<void> = Promise.resolve();
  #dropped = 0;
  #closed = false;

  private constructor(db: Database, options: SeenSendersOptions) {
    this.#db = db;
    this.#logger = options.logger;
    this.#settings = options.settings;
    this.#snapshotPath = options.snapshotPath;
    this.#intervalMs = options.flushIntervalMs ?? FLUSH_INTERVAL_MS;
    this.#now = options.now ?? Date.now;
    this.#pruneTimer = setInterval(() => void this.#serially(() => this.#prune()), PRUNE_INTERVAL_MS);
    this.#pruneTimer.unref();
  }

  /** Opens the store: prunes it, and writes the snapshot of the known correspondents. */
  static async open(db: Database, options: SeenSendersOptions): Promise<SeenSenders> {
    const store = new SeenSenders(db, options);
    await store.#serially(() => store.#prune(true));
    return store;
  }

  /** The known correspondents now (what the snapshot holds). */
  get known(): ReadonlySet<string> {
    return this.#known;
  }

  /** Counts the message's sender if its verdict lets it through (see the module comment). */
  observe(envelope: Envelope, verdict: Verdict): void {
    if (envelope.direction !== 'inbound' || (verdict.action !== 'accept' && verdict.action !== 'tag')) return;
    if (verdict.findings.some((f) => LOOKALIKE_FINDINGS.has(f.id))) return;
    const domain = registrableParts(domainOf(envelope.mailFrom))?.domain;
    if (domain !== undefined && domain.length <= MAX_DOMAIN_CHARS) this.record(domain, envelope.receivedAt);
  }

  /** Counts one accepted message from `domain` (a registrable domain) at `at`. */
  record(domain: string, at: number): void {
    // Kept per day, so a batch that spans midnight still counts both days.
    const key = `${Math.floor(at / DAY_MS)} ${domain.toLowerCase()}`;
    const seen = this.#pending.get(key);
    if (seen !== undefined) {
      seen.messages += 1;
      seen.first = Math.min(seen.first, at);
      seen.last = Math.max(seen.last, at);
      return;
    }
    if (this.#closed || this.#pending.size >= MAX_PENDING_DOMAINS) {
      this.#dropped += 1;
      // The first drop and every thousandth: a stuck database must not flood the log too.
      if (this.#dropped === 1 || this.#dropped % 1000 === 0) this.#logger.error({ dropped: this.#dropped, closed: this.#closed }, 'seen-sender domains dropped');
      return;
    }
    this.#pending.set(key, { domain: domain.toLowerCase(), messages: 1, first: at, last: at });
    if (this.#pending.size >= MAX_BATCH_DOMAINS) {
      void this.flush();
    } else if (!this.#timer) {
      this.#timer = setTimeout(() => void this.flush(), this.#intervalMs);
      this.#timer.unref();
    }
  }

  /** Writes what was counted so far; resolves when it is in the database (or its failure logged). */
  flush(): Promise<void> {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const batch = this.#pending;
    this.#pending = new Map();
    return this.#serially(() => (batch.size > 0 ? this.#write(batch) : Promise.resolve()));
  }

  /** Deletes domains past retention and beyond the cap now (also runs every PRUNE_INTERVAL_MS). */
  prune(): Promise<void> {
    return this.#serially(() => this.#prune());
  }

  /** Flushes and stops counting. */
  async close(): Promise<void> {
    clearInterval(this.#pruneTimer);
    await this.flush();
    this.#closed = true;
  }

  /** Database work runs one step at a time, so a prune never interleaves with a batch. */
  #serially(step: () => Promise<void>): Promise<void> {
    this.#writing = this.#writing.then(step);
    return this.#writing;
  }

  async #write(batch: ReadonlyMap<string, Pending>): Promise<void> {
    const { knownAfterDays, knownAfterMessages } = this.#settings;
    const becameKnown: string[] = [];
    try {
      await this.#db.transaction().execute(async (trx) => {
        for (const p of batch.values()) {
          const { domain } = p;
          // A later UTC day than the stored last_seen is one more day (integer division by a day,
          // written as a literal: a bound parameter is a REAL and would divide exactly).
          const row = await trx
            .insertInto('seen_sender')
            .values({ domain, first_seen: p.first, last_seen: p.last, days_seen: 1, messages: p.messages })
            .onConflict((oc) =>
              oc.column('domain').doUpdateSet({
                days_seen: sql<number>`seen_sender.days_seen + (excluded.last_seen / ${sql.lit(DAY_MS)} > seen_sender.last_seen / ${sql.lit(DAY_MS)})`,
                first_seen: sql<number>`min(seen_sender.first_seen, excluded.first_seen)`,
                last_seen: sql<number>`max(seen_sender.last_seen, excluded.last_seen)`,
                messages: sql<number>`seen_sender.messages + excluded.messages`,
              }),
            )
            .returning(['days_seen', 'messages'])
            .executeTakeFirstOrThrow();
          if (row.days_seen >= knownAfterDays && row.messages >= knownAfterMessages) becameKnown.push(domain);
        }
      });
    } catch (err) {
      this.#logger.error({ err, domains: batch.size }, 'seen-senders write failed; batch dropped');
      return;
    }
    const added = [...new Set(becameKnown)].filter((d) => !this.#known.has(d));
    if (added.length > 0 && this.#known.size + added.length <= MAX_KNOWN_CORRESPONDENTS) {
      for (const d of added) this.#known.add(d);
      this.#writeSnapshot();
    } else if (added.length > 0) {
      // Full: the most recently seen known domains take the places.
      await this.#reloadKnown();
    }
  }

  async #prune(force = false): Promise<void> {
    const { retentionDays, maxDomains } = this.#settings;
    try {
      await this.#db.deleteFrom('seen_sender').where('last_seen', '<', this.#now() - retentionDays * DAY_MS).execute();
      const count = await this.#db.selectFrom('seen_sender').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      const excess = Number(count.n) - maxDomains;
      if (excess > 0) {
        const oldest = this.#db.selectFrom('seen_sender').select('domain').orderBy('last_seen').limit(excess);
        await this.#db.deleteFrom('seen_sender').where('domain', 'in', oldest).execute();
      }
    } catch (err) {
      this.#logger.error({ err }, 'seen-senders prune failed');
      return;
    }
    await this.#reloadKnown(force);
  }

  /** Reads the known set from the table; rewrites the snapshot when it changed (or when `force`). */
  async #reloadKnown(force = false): Promise<void> {
    const { knownAfterDays, knownAfterMessages } = this.#settings;
    let rows: readonly { domain: string }[];
    try {
      rows = await this.#db
        .selectFrom('seen_sender')
        .select('domain')
        .where('days_seen', '>=', knownAfterDays)
        .where('messages', '>=', knownAfterMessages)
        .orderBy('last_seen', 'desc')
        .limit(MAX_KNOWN_CORRESPONDENTS)
        .execute();
    } catch (err) {
      this.#logger.error({ err }, 'seen-senders: cannot read the known domains');
      return;
    }
    const next = new Set(rows.map((r) => r.domain));
    const changed = next.size !== this.#known.size || [...next].some((d) => !this.#known.has(d));
    this.#known = next;
    if (changed || force) this.#writeSnapshot();
  }

  #writeSnapshot(): void {
    try {
      writeFileAtomic(this.#snapshotPath, serializeKnownCorrespondents([...this.#known].sort()));
    } catch (err) {
      // The sandboxes keep the previous list: fewer first-contact findings, never a refused message.
      this.#logger.error({ err, path: this.#snapshotPath }, 'cannot write the known-correspondents snapshot');
    }
  }
}
