/**
 * The spool: the only code that writes message files. Each accepted message is two files in one
 * flat directory, named after its queue id (never after anything in the message):
 *
 *   ID.body   the message bytes exactly as received (the bytes scanned are the bytes delivered)
 *   ID.env    the record (JSON): envelope, headers to prepend, verdict, per-recipient disposition
 *
 * While a message is being received and scanned its body is `ID.body.tmp`; the record is written
 * as `ID.env.tmp` and renamed last. The presence of `ID.env` is the commit point: a message
 * exists exactly when its record does.
 *
 * WHY THIS ORDER (the same reasoning as Postfix's mail_stream.c, which fsyncs the queue file
 * before the 250 and rejects an incomplete one): the SMTP layer answers 250 when commit()
 * resolves, and after a 250 the sender forgets the message, so at that moment every byte must be
 * on stable storage, under its final name, with the name itself durable.
 *   1. body written and fsynced: its data and size are on disk before anything points to it;
 *   2. record written to a temp file and fsynced: likewise, so a renamed record is never empty
 *      or half-written (rename is atomic for the name, not for unflushed data);
 *   3. body renamed into place, then the record: a crash between the two leaves a body without a
 *      record, which recovery removes (the client got no 250, so it retries); the reverse order
 *      could leave a record pointing at a temp name;
 *   4. the directory fsynced: renames live in the directory, and without this a power loss can
 *      undo them after the 250 was sent. Concurrent commits share one directory fsync
 *      (DirectorySync: group commit) as long as it started after their renames.
 * With `fsync: false` (benchmarks only) steps are the same without the fsyncs: a process crash
 * still loses nothing (the page cache survives it), an OS crash may.
 *
 * Any file error in receive() or commit() (ENOSPC, EACCES, EIO, ...) rejects with a
 * SpoolWriteError (PORTCULLIS_ERR_SPOOL_WRITE, with errno and queue id): the SMTP layer answers
 * 451, never 250, and whatever was half-written is removed.
 *
 * Recovery at open (when `recover` is on: only the gateway process, never a CLI command running
 * beside it, which would delete messages still being received): temp files are removed; a body
 * without a record is removed (never acknowledged); a record without a body cannot happen in the
 * order above, so it means damage: it is moved to `corrupt/` and logged, not deleted.
 *
 * Trust: queue ids are checked with isQueueId before they touch a path; message bytes are
 * written and read back, never interpreted here.
 */
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { Envelope } from '../core/envelope.js';
import { PortcullisError } from '../core/errors.js';
import { isQueueId } from '../core/queue-id.js';
import type { Verdict } from '../core/verdict.js';
import { DirectorySync } from './directory-sync.js';
import { nodeSpoolFiles, type SpoolFile, type SpoolFileLayer } from './spool-file-layer.js';

export type { SpoolFile, SpoolFileLayer } from './spool-file-layer.js';

export type RecipientDisposition = 'deliver' | 'quarantine';

export interface SpoolRecord {
  readonly version: 1;
  readonly envelope: Envelope;
  /** CRLF-terminated header lines (Received, verdict headers) prepended at delivery. */
  readonly prependHeaders: string;
  readonly verdict: Verdict;
  readonly recipients: readonly { readonly address: string; readonly disposition: RecipientDisposition }[];
}

/** A spool write failed: the message is not safe and must not be acknowledged. */
export class SpoolWriteError extends PortcullisError {
  /** The Node error code (ENOSPC, EACCES, EIO, ...), or undefined when there was none. */
  readonly errno: string | undefined;
  readonly queueId: string;
  constructor(queueId: string, step: string, cause: unknown) {
    const errno = (cause as NodeJS.ErrnoException | undefined)?.code;
    super('PORTCULLIS_ERR_SPOOL_WRITE', `spool write failed for ${queueId} at ${step}: ${errno ?? (cause as Error)?.message ?? String(cause)}`, {
      cause,
    });
    this.errno = errno;
    this.queueId = queueId;
  }
}

/** What recovery found at open. */
export interface SpoolRecovery {
  readonly tempFilesRemoved: number;
  readonly orphanBodiesRemoved: number;
  /** Queue ids whose record had no body, moved to corrupt/. */
  readonly corrupt: readonly string[];
}

export interface SpoolOpenOptions {
  readonly fsync: boolean;
  readonly files?: SpoolFileLayer;
  /** Clean up after a crash (default true). Off for processes that run beside the gateway. */
  readonly recover?: boolean;
  readonly logger?: Logger;
}

/** Where the spool lives for a configuration: the gateway and the CLI must agree. */
export function spoolDirectory(config: Config): string {
  return join(config.dataDir, 'spool');
}

const BODY = '.body';
const RECORD = '.env';
const TEMP = '.tmp';
const CORRUPT_DIR = 'corrupt';
/** Body chunks are coalesced up to this size before a write: SMTP hands over small chunks. */
const WRITE_BATCH_BYTES = 64 * 1024;
/** Bodies up to this size are also kept in memory from receipt until removal (RecentMessages). */
const RECENT_BODY_MAX_BYTES = 256 * 1024;
/** Memory the recent bodies may use in all; the oldest are dropped first beyond it. */
const RECENT_BODIES_BUDGET_BYTES = 64 * 1024 * 1024;
/** Records kept in memory at most (each a few KB). */
const RECENT_RECORDS_MAX = 20_000;

interface RecentMessage {
  readonly record: SpoolRecord;
  readonly body: Buffer | undefined;
}

/**
 * Messages committed by this process, kept in memory until they are removed, so that delivery
 * (usually within milliseconds of the commit) does not read back the record and the body that
 * were just written: on the relay path that is four file operations per message saved. Files
 * stay the truth: the cache holds copies of write-once files, is bounded (oldest dropped first),
 * and a miss reads the files. Other processes (the CLI) have their own, empty, cache.
 */
class RecentMessages {
  private readonly entries = new Map<string, RecentMessage>();
  private bodyBytes = 0;

  get(queueId: string): RecentMessage | undefined {
    return this.entries.get(queueId);
  }

  add(queueId: string, message: RecentMessage): void {
    this.entries.set(queueId, message);
    this.bodyBytes += message.body?.length ?? 0;
    for (const [oldest, entry] of this.entries) {
      if (this.bodyBytes <= RECENT_BODIES_BUDGET_BYTES && this.entries.size <= RECENT_RECORDS_MAX) break;
      this.delete(oldest, entry);
    }
  }

  remove(queueId: string): void {
    const entry = this.entries.get(queueId);
    if (entry) this.delete(queueId, entry);
  }

  private delete(queueId: string, entry: RecentMessage): void {
    this.entries.delete(queueId);
    this.bodyBytes -= entry.body?.length ?? 0;
  }
}

export class SpoolStore {
  readonly dir: string;
  readonly recovery: SpoolRecovery;
  private readonly files: SpoolFileLayer;
  private readonly fsync: boolean;
  private readonly dirSync: DirectorySync;
  private readonly recent = new RecentMessages();

  private constructor(dir: string, files: SpoolFileLayer, fsync: boolean, recovery: SpoolRecovery) {
    this.dir = dir;
    this.files = files;
    this.fsync = fsync;
    this.recovery = recovery;
    this.dirSync = new DirectorySync(files, dir);
  }

  static async open(dir: string, opts: SpoolOpenOptions): Promise<SpoolStore> {
    const files = opts.files ?? nodeSpoolFiles;
    await files.mkdir(dir);
    await files.mkdir(join(dir, CORRUPT_DIR));
    const recovery = opts.recover === false ? { tempFilesRemoved: 0, orphanBodiesRemoved: 0, corrupt: [] } : await recoverSpool(dir, files, opts);
    return new SpoolStore(dir, files, opts.fsync, recovery);
  }

  createWriter(queueId: string): SpoolWriter {
    return new FileSpoolWriter(this.checked(queueId), this.dir, this.files, this.fsync, this.dirSync, this.recent);
  }

  async read(queueId: string): Promise<SpoolRecord> {
    const recent = this.recent.get(queueId);
    if (recent) return recent.record;
    const path = this.recordPath(queueId);
    let bytes: Buffer;
    try {
      bytes = await this.files.readFile(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new PortcullisError('PORTCULLIS_ERR_NOT_FOUND', `no spooled message ${queueId}`, { cause: err });
      }
      throw err;
    }
    let record: SpoolRecord;
    try {
      record = JSON.parse(bytes.toString('utf8')) as SpoolRecord;
    } catch (err) {
      throw new PortcullisError('PORTCULLIS_ERR_SPOOL_CORRUPT', `spool record ${path} is not valid JSON`, { cause: err });
    }
    if (record?.version !== 1 || record.envelope?.queueId !== queueId || !Array.isArray(record.recipients)) {
      throw new PortcullisError('PORTCULLIS_ERR_SPOOL_CORRUPT', `spool record ${path} is not a version 1 record for ${queueId}`);
    }
    return record;
  }

  bodyPath(queueId: string): string {
    return join(this.dir, this.checked(queueId) + BODY);
  }

  openBody(queueId: string): Readable {
    const body = this.recent.get(queueId)?.body;
    if (body) return Readable.from([body], { objectMode: false });
    return this.files.createReadStream(this.bodyPath(queueId));
  }

  /**
   * Removes a message: the record first (the commit point, so the message is gone at once),
   * then the body. Not fsynced: if a crash undoes the unlink, the message reappears and
   * DeliveryQueue.recover() removes it again, finding its recipients all final.
   */
  async remove(queueId: string): Promise<void> {
    this.recent.remove(queueId);
    await unlinkIfPresent(this.files, this.recordPath(queueId));
    await unlinkIfPresent(this.files, this.bodyPath(queueId));
  }

  /** Queue ids of committed messages, oldest first (ULIDs sort by time). */
  async listCommitted(): Promise<string[]> {
    const names = await this.files.readdir(this.dir);
    return names
      .filter((n) => n.endsWith(RECORD) && isQueueId(n.slice(0, -RECORD.length)))
      .map((n) => n.slice(0, -RECORD.length))
      .sort();
  }

  private recordPath(queueId: string): string {
    return join(this.dir, this.checked(queueId) + RECORD);
  }

  private checked(queueId: string): string {
    if (!isQueueId(queueId)) throw new PortcullisError('PORTCULLIS_ERR_INVALID_ARGUMENT', `not a queue id: ${JSON.stringify(queueId)}`);
    return queueId;
  }
}

export interface SpoolWriter {
  /** The temp body file (inside dir), readable by the sandbox while scanning. */
  readonly path: string;
  /** Streams the body to the temp file with backpressure (one write at a time). */
  receive(source: AsyncIterable<Buffer>): Promise<{ size: number }>;
  /** Makes the message durable (see the module comment); resolves only when it is safe. */
  commit(record: SpoolRecord): Promise<void>;
  /** Removes the temp files; safe to call twice, or after a failed receive or commit. */
  discard(): Promise<void>;
}

type WriterState = 'new' | 'receiving' | 'received' | 'committing' | 'committed' | 'failed' | 'discarded';

class FileSpoolWriter implements SpoolWriter {
  readonly path: string;
  private readonly recordTemp: string;
  private readonly bodyFinal: string;
  private readonly recordFinal: string;
  private state: WriterState = 'new';
  private body: SpoolFile | undefined;
  /** The body's bytes while it is small enough for RecentMessages; undefined beyond that. */
  private kept: Buffer[] | undefined = [];

  constructor(
    private readonly queueId: string,
    dir: string,
    private readonly files: SpoolFileLayer,
    private readonly fsync: boolean,
    private readonly dirSync: DirectorySync,
    private readonly recent: RecentMessages,
  ) {
    this.bodyFinal = join(dir, queueId + BODY);
    this.recordFinal = join(dir, queueId + RECORD);
    this.path = this.bodyFinal + TEMP;
    this.recordTemp = this.recordFinal + TEMP;
  }

  async receive(source: AsyncIterable<Buffer>): Promise<{ size: number }> {
    if (this.state !== 'new') throw new PortcullisError('PORTCULLIS_ERR_INVALID_ARGUMENT', `spool writer for ${this.queueId} already used`);
    this.state = 'receiving';
    this.body = await this.step('create body', () => this.files.create(this.path));
    const body = this.body;
    let size = 0;
    let batch: Buffer[] = [];
    let batchBytes = 0;
    const flush = async (): Promise<void> => {
      if (batchBytes === 0) return;
      const data = batch.length === 1 ? batch[0]! : Buffer.concat(batch, batchBytes);
      batch = [];
      batchBytes = 0;
      if (this.kept && size <= RECENT_BODY_MAX_BYTES) this.kept.push(data);
      else this.kept = undefined;
      await this.step('write body', () => body.write(data));
    };
    try {
      for await (const chunk of source) {
        size += chunk.length;
        batch.push(chunk);
        batchBytes += chunk.length;
        if (batchBytes >= WRITE_BATCH_BYTES) await flush();
      }
      await flush();
    } catch (err) {
      // A source error (the client went away) is passed on as is; a file error is already wrapped.
      this.state = 'failed';
      throw err;
    }
    this.state = 'received';
    return { size };
  }

  async commit(record: SpoolRecord): Promise<void> {
    if (this.state !== 'received' || !this.body) {
      throw new PortcullisError('PORTCULLIS_ERR_INVALID_ARGUMENT', `spool writer for ${this.queueId} cannot commit in state ${this.state}`);
    }
    if (record.envelope.queueId !== this.queueId) {
      throw new PortcullisError('PORTCULLIS_ERR_INVALID_ARGUMENT', `record for ${record.envelope.queueId} given to the writer of ${this.queueId}`);
    }
    this.state = 'committing';
    const body = this.body;
    try {
      if (this.fsync) await this.step('fsync body', () => body.sync());
      this.body = undefined;
      await this.step('close body', () => body.close());
      const json = Buffer.from(JSON.stringify(record), 'utf8');
      const file = await this.step('create record', () => this.files.create(this.recordTemp));
      try {
        await this.step('write record', () => file.write(json));
        if (this.fsync) await this.step('fsync record', () => file.sync());
      } finally {
        await file.close().catch(() => undefined);
      }
      await this.step('rename body', () => this.files.rename(this.path, this.bodyFinal));
      await this.step('rename record', () => this.files.rename(this.recordTemp, this.recordFinal));
      if (this.fsync) await this.step('fsync directory', () => this.dirSync.sync());
      this.recent.add(this.queueId, { record, body: this.kept && Buffer.concat(this.kept) });
      this.kept = undefined;
    } catch (err) {
      this.state = 'failed';
      if (this.body) await this.body.close().catch(() => undefined);
      this.body = undefined;
      // The client will be told 451 and will retry: a record that made it into place must not
      // stay, or the message would be delivered twice (or once without the client knowing).
      for (const path of [this.recordFinal, this.recordTemp, this.bodyFinal, this.path]) {
        await unlinkIfPresent(this.files, path).catch(() => undefined);
      }
      throw err;
    }
    this.state = 'committed';
  }

  async discard(): Promise<void> {
    if (this.state === 'committed' || this.state === 'committing' || this.state === 'discarded') return;
    this.state = 'discarded';
    const body = this.body;
    this.body = undefined;
    if (body) await body.close().catch(() => undefined);
    await unlinkIfPresent(this.files, this.path);
    await unlinkIfPresent(this.files, this.recordTemp);
  }

  private async step<T>(name: string, op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      throw new SpoolWriteError(this.queueId, name, err);
    }
  }
}

async function unlinkIfPresent(files: SpoolFileLayer, path: string): Promise<void> {
  try {
    await files.unlink(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

async function recoverSpool(dir: string, files: SpoolFileLayer, opts: SpoolOpenOptions): Promise<SpoolRecovery> {
  const names = new Set(await files.readdir(dir));
  let tempFilesRemoved = 0;
  let orphanBodiesRemoved = 0;
  const corrupt: string[] = [];
  for (const name of names) {
    const temp = /^([0-9A-Z]{26})\.(body|env)\.tmp$/.exec(name);
    if (temp && isQueueId(temp[1]!)) {
      await unlinkIfPresent(files, join(dir, name));
      tempFilesRemoved++;
      continue;
    }
    const id = name.endsWith(BODY) ? name.slice(0, -BODY.length) : name.endsWith(RECORD) ? name.slice(0, -RECORD.length) : '';
    if (!isQueueId(id)) continue;
    if (name.endsWith(BODY) && !names.has(id + RECORD)) {
      await unlinkIfPresent(files, join(dir, name));
      orphanBodiesRemoved++;
    } else if (name.endsWith(RECORD) && !names.has(id + BODY)) {
      await files.rename(join(dir, name), join(dir, CORRUPT_DIR, name));
      corrupt.push(id);
      opts.logger?.error({ queueId: id, dir }, 'spool record without a body moved to corrupt/');
    }
  }
  const changed = tempFilesRemoved + orphanBodiesRemoved + corrupt.length > 0;
  if (changed && opts.fsync) await files.fsyncDir(dir);
  if (changed) opts.logger?.info({ tempFilesRemoved, orphanBodiesRemoved, corrupt: corrupt.length }, 'spool recovered after an unclean stop');
  return { tempFilesRemoved, orphanBodiesRemoved, corrupt };
}
