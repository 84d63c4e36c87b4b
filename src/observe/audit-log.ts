/**
 * The audit log: every state change (user add, queue delete, quarantine release, ...) appends one
 * record here through service/ (DESIGN.md invariant 7). Records are chained: each stores the hash
 * of the one before it, and its own hash is sha256 over that previous hash and a canonical
 * serialisation of its stored fields, so editing or deleting a record breaks the chain at a
 * point `verify()` names.
 *
 * Concurrency: the gateway and a CLI process may append at the same time. Reading the newest
 * record and inserting the next one happen in one `BEGIN IMMEDIATE` transaction, which takes
 * SQLite's write lock before the read, so two writers cannot both chain from the same record.
 * Within one process, appends are also queued one after another: better-sqlite3 is synchronous,
 * so a second connection of the same process waiting for the lock would block the very event
 * loop the first one needs to commit (a self-deadlock that ends in SQLITE_BUSY).
 *
 * Tail truncation: deleting the newest records leaves a chain that is valid on its own. A one-row
 * head checkpoint (newest seq and hash), updated in the same transaction as each append, turns
 * that into a mismatch. Limits, stated honestly: someone who can write the database file can
 * rewrite the whole chain and the checkpoint together, and no check inside the same file can
 * tell. Against that, an operator anchors the head outside the machine (`portcullis audit
 * verify` prints it; `--expect-head SEQ:HASH` checks a recorded one later), or ships records
 * elsewhere as they are written.
 *
 * Trusts: callers for the truth of what they record; details must never hold secrets or message
 * bodies (service/ is responsible for that).
 */
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Database } from '../store/database.js';
import type { AuditLogTable } from '../store/tables.js';
import { describeActor, type Actor } from '../service/actor.js';

/** The prev_hash of the first record. */
export const AUDIT_GENESIS_HASH = '0'.repeat(64);

/** Rows read per query while verifying, so a long log is walked in bounded memory. */
const VERIFY_BATCH = 1000;

export interface AuditEntry {
  readonly actor: Actor;
  /** What was done, dotted and stable: `user.add`, `queue.delete`, `quarantine.release`. */
  readonly action: string;
  /** What it was done to: a username, a queue id. */
  readonly target: string;
  /** JSON-serialisable context; never secrets or message content. */
  readonly details?: Readonly<Record<string, unknown>>;
}

export interface AuditRecord {
  readonly seq: number;
  /** Milliseconds since the epoch. */
  readonly at: number;
  /** The actor as described by describeActor (`cli:alice`, `system:delivery`). */
  readonly actor: string;
  readonly action: string;
  readonly target: string;
  readonly details: Readonly<Record<string, unknown>>;
  readonly prevHash: string;
  readonly hash: string;
}

export interface AuditHead {
  /** The seq of the newest record (0 when the log is empty). */
  readonly seq: number;
  readonly hash: string;
}

export type AuditVerification =
  | { readonly ok: true; readonly records: number; readonly head: AuditHead }
  | {
      readonly ok: false;
      readonly records: number;
      /** The first seq at which the chain does not hold. */
      readonly brokenAt: number;
      readonly reason: string;
    };

export interface AuditListOptions {
  /** The newest `limit` records (default: all). */
  readonly limit?: number;
}

/** Appends of this process, one at a time (see the header). */
let appendQueue: Promise<unknown> = Promise.resolve();

export class AuditLog {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  /**
   * Appends one record. When `change` is given it runs first, inside the same write transaction,
   * so the state change and its audit record are committed together or not at all (a change that
   * throws leaves neither). `change` must use the connection it is given and must not append
   * to the audit log itself.
   */
  append(entry: AuditEntry, change?: (db: Database) => Promise<void>): Promise<void> {
    const appended = appendQueue.then(() => this.#appendNow(entry, change));
    appendQueue = appended.catch(() => undefined);
    return appended;
  }

  async #appendNow(entry: AuditEntry, change: ((db: Database) => Promise<void>) | undefined): Promise<void> {
    const details = canonicalJson(entry.details ?? {});
    const actor = describeActor(entry.actor);
    const at = Date.now();
    await this.#db.connection().execute(async (conn) => {
      await sql`begin immediate`.execute(conn);
      try {
        if (change) await change(conn);
        const last = await conn.selectFrom('audit_log').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
        const seq = (last?.seq ?? 0) + 1;
        const prevHash = last?.hash ?? AUDIT_GENESIS_HASH;
        const row = { seq, at, actor, action: entry.action, target: entry.target, details, prev_hash: prevHash };
        const hash = recordHash(row);
        await conn.insertInto('audit_log').values({ ...row, hash }).execute();
        await conn
          .insertInto('audit_head')
          .values({ id: 1, seq, hash })
          .onConflict((oc) => oc.column('id').doUpdateSet({ seq, hash }))
          .execute();
        await sql`commit`.execute(conn);
      } catch (err) {
        await sql`rollback`.execute(conn);
        throw err;
      }
    });
  }

  /** Walks the whole chain from the genesis value, then compares its end with the head checkpoint. */
  async verify(options: { readonly expectHead?: AuditHead } = {}): Promise<AuditVerification> {
    let expectedSeq = 1;
    let prevHash = AUDIT_GENESIS_HASH;
    let records = 0;
    for (;;) {
      const rows = await this.#db
        .selectFrom('audit_log')
        .selectAll()
        .where('seq', '>=', expectedSeq)
        .orderBy('seq')
        .limit(VERIFY_BATCH)
        .execute();
      for (const row of rows) {
        if (row.seq !== expectedSeq) {
          const missing = row.seq - expectedSeq === 1 ? `record ${expectedSeq} is missing` : `records ${expectedSeq}..${row.seq - 1} are missing`;
          return { ok: false, records, brokenAt: expectedSeq, reason: `${missing} (deleted)` };
        }
        if (row.prev_hash !== prevHash) {
          return { ok: false, records, brokenAt: row.seq, reason: `record ${row.seq} does not chain from record ${row.seq - 1} (prev_hash mismatch: a record before it was removed or rewritten)` };
        }
        if (recordHash(row) !== row.hash) {
          return { ok: false, records, brokenAt: row.seq, reason: `record ${row.seq} was modified (hash mismatch)` };
        }
        prevHash = row.hash;
        expectedSeq += 1;
        records += 1;
      }
      if (rows.length < VERIFY_BATCH) break;
    }
    const end: AuditHead = { seq: expectedSeq - 1, hash: prevHash };
    const head = await this.#db.selectFrom('audit_head').select(['seq', 'hash']).where('id', '=', 1).executeTakeFirst();
    const headProblem = compareHead(head, end);
    if (headProblem) return { ok: false, records, ...headProblem };
    if (options.expectHead) {
      const anchorProblem = await this.#checkAnchor(options.expectHead, end);
      if (anchorProblem) return { ok: false, records, ...anchorProblem };
    }
    return { ok: true, records, head: end };
  }

  /** An anchored head may be older than the chain's end, but the record it names must still be there, unchanged. */
  async #checkAnchor(anchor: AuditHead, end: AuditHead): Promise<{ brokenAt: number; reason: string } | undefined> {
    if (anchor.seq > end.seq) {
      return { brokenAt: end.seq + 1, reason: `the expected head names record ${anchor.seq} but the chain ends at ${end.seq}: the newest records were deleted` };
    }
    if (anchor.seq === 0) return undefined;
    const row = await this.#db.selectFrom('audit_log').select('hash').where('seq', '=', anchor.seq).executeTakeFirst();
    if (row?.hash !== anchor.hash) {
      return { brokenAt: anchor.seq, reason: `record ${anchor.seq} does not have the expected hash: the chain was rewritten` };
    }
    return undefined;
  }

  async list(options: AuditListOptions = {}): Promise<AuditRecord[]> {
    let query = this.#db.selectFrom('audit_log').selectAll().orderBy('seq', 'desc');
    if (options.limit !== undefined) query = query.limit(options.limit);
    const rows = await query.execute();
    return rows.reverse().map(toRecord);
  }
}

/**
 * Compares the head checkpoint with the end of the chain. A checkpoint beyond the end means the
 * newest records were deleted; one behind it means records were inserted outside append().
 */
function compareHead(recorded: AuditHead | undefined, end: AuditHead): { brokenAt: number; reason: string } | undefined {
  if (!recorded) {
    return end.seq === 0 ? undefined : { brokenAt: end.seq, reason: `the head checkpoint is missing but ${end.seq} records exist` };
  }
  if (recorded.seq > end.seq) {
    return {
      brokenAt: end.seq + 1,
      reason: `the head checkpoint names record ${recorded.seq} but the chain ends at ${end.seq}: the newest records were deleted`,
    };
  }
  if (recorded.seq < end.seq) {
    return { brokenAt: recorded.seq + 1, reason: `records after ${recorded.seq} were added without updating the head checkpoint` };
  }
  if (recorded.hash !== end.hash) {
    return { brokenAt: end.seq, reason: `the head checkpoint hash does not match record ${end.seq}` };
  }
  return undefined;
}

/** sha256 over the previous hash and the record's stored fields, in a fixed order. */
function recordHash(row: Omit<AuditLogTable, 'hash'>): string {
  const canonical = JSON.stringify([row.seq, row.at, row.actor, row.action, row.target, row.details]);
  return createHash('sha256').update(row.prev_hash).update('\n').update(canonical).digest('hex');
}

/** JSON with object keys sorted at every level, so equal details always serialise alike. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const sorted: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    for (const key of Object.keys(value).sort()) sorted[key] = sortKeys((value as Record<string, unknown>)[key]);
    return sorted;
  }
  return value;
}

function toRecord(row: AuditLogTable): AuditRecord {
  return {
    seq: row.seq,
    at: row.at,
    actor: row.actor,
    action: row.action,
    target: row.target,
    details: JSON.parse(row.details) as Record<string, unknown>,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}
