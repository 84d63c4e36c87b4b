/**
 * The spool: the only code that writes message files. Each accepted message is one file in one
 * flat directory, named after its queue id (never after anything in the message):
 *
 *   ID.msg    the message bytes exactly as received (the bytes scanned are the bytes delivered),
 *             then the record (JSON: envelope, headers to prepend, verdict, per-recipient
 *             disposition), then a fixed footer `\n%%PORTCULLIS-RECORD NNNNNNNNNN\n` giving the
 *             record's length. The body's length is the record's envelope.size.
 *
 * While a message is being received and scanned it is `ID.msg.tmp` and holds only the body (the
 * sandbox reads it there). The rename to `ID.msg` is the commit point: a message exists exactly
 * when its final name does.
 *
 * WHY THIS ORDER (the same reasoning as Postfix's mail_stream.c, which fsyncs the queue file
 * before the 250 and rejects an incomplete one, a file ending in an explicit END record): the
 * SMTP layer answers 250 when commit() resolves, and after a 250 the sender forgets the message,
 * so at that moment every byte must be on stable storage, under its final name, with the name
 * itself durable.
 *   1. record and footer appended and the file fsynced: its data and size are on disk before the
 *      final name points to it (rename is atomic for the name, not for unflushed data);
 *   2. renamed into place;
 *   3. the directory fsynced: renames live in the directory, and without this a power loss can
 *      undo them after the 250 was sent. Concurrent commits share one directory fsync
 *      (DirectorySync: group commit) as long as it started after their renames.
 * One file rather than a body and a record file: one file creation, one fsync, one rename and
 * one unlink per message instead of two each (about 0.3 ms of the event loop per relayed message
 * on the development VM). A footer that does not parse, or a size that does not match, can only
 * come from damage: such a message is reported PORTCULLIS_ERR_SPOOL_CORRUPT, never guessed at.
 * With `fsync: false` (benchmarks only) steps are the same without the fsyncs: a process crash
 * still loses nothing (the page cache survives it), an OS crash may.
 *
 * Spools written by earlier versions (`ID.body` + `ID.env`) are still read, delivered and
 * removed, so an upgrade strands nothing; new messages are always written as `ID.msg`.
 *
 * Any file error in receive() or commit() (ENOSPC, EACCES, EIO, ...) rejects with a
 * SpoolWriteError (PORTCULLIS_ERR_SPOOL_WRITE, with errno and queue id): the SMTP layer answers
 * 451, never 250, and whatever was half-written is removed.
 *
 * Recovery at open (when `recover` is on: only the gateway process, never a CLI command running
 * beside it, which would delete messages still being received): temp files are removed (never
 * acknowledged). Of the earlier layout, a body without a record is removed too; a record without
 * a body cannot happen in its order, so it means damage: it is moved to `corrupt/` and logged.
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

const MESSAGE = '.msg';
/** The earlier layout: body and record in two files (read, delivered and removed; never written). */
const LEGACY_BODY = '.body';
const LEGACY_RECORD = '.env';
const TEMP = '.tmp';
const FOOTER_TAG = '\n%%PORTCULLIS-RECORD ';
const FOOTER_DIGITS = 10;
const FOOTER_BYTES = FOOTER_TAG.length + FOOTER_DIGITS + 1;
const FOOTER = /^\n%%PORTCULLIS-RECORD (\d{10})\n$/;
const CORRUPT_DIR = 'corrupt';
/** Body chunks are coalesced up to this size before a write: SMTP hands over small chunks. */
const WRITE_BATCH_BYTES = 64 * 1024;
/** Bodies up to this size are also kept in memory from receipt until removal (RecentMessages). */
const RECENT_BODY_MAX_BYTES = 256 * 1024;
/** Memory the recent bodies may use in all; the oldest are dropped first beyond it. */
const RECENT_BODIES_BUDGET_BYTES = 64 * 1024 * 1024;
/** Records kept in memory at most (each a few KB). */
const RECENT_RECORDS_MAX = 20_000;

/** A committed message's record and, up to RECENT_BODY_MAX_BYTES, its body. */
export interface RecentMessage {
  readonly record: SpoolRecord;
  readonly body: Buffer | undefined;
}

/**
 * Messages committed by this process, kept in memory until they are removed, so that delivery
 * (usually within milliseconds of the commit) does not read back the record and the body that
 * were just written: on the relay path that is four file operations per message saved. Files
 * stay the truth: the cache holds copies of write-once files, is bounded (oldest dropped first),
 * and a miss reads the files. Other processes (the CLI) have their own, empty, cache. The
 * delivery thread has its own too: the SMTP side hands each message over with its enqueue
 * (takeRecent, then remember on the other side).
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

interface Located {
  readonly record: SpoolRecord;
  /** The file whose first envelope.size bytes are the body. */
  readonly bodyPath: string;
}

function parseRecord(bytes: Buffer, path: string, queueId: string): SpoolRecord {
  let record: SpoolRecord;
  try {
    record = JSON.parse(bytes.toString('utf8')) as SpoolRecord;
  } catch (err) {
    throw new PortcullisError('PORTCULLIS_ERR_SPOOL_CORRUPT', `the spool record in ${path} is not valid JSON`, { cause: err });
  }
  if (record?.version !== 1 || record.envelope?.queueId !== queueId || !Array.isArray(record.recipients) || !Number.isSafeInteger(record.envelope.size)) {
    throw new PortcullisError('PORTCULLIS_ERR_SPOOL_CORRUPT', `the spool record in ${path} is not a version 1 record for ${queueId}`);
  }
  return record;
}

/** The footer that ends a spool file: the length of the record before it, in fixed width. */
function footer(recordBytes: number): Buffer {
  return Buffer.from(`${FOOTER_TAG}${String(recordBytes).padStart(FOOTER_DIGITS, '0')}\n`, 'latin1');
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
    return (await this.locate(queueId)).record;
  }

  /** Where the body of a committed message is: its file, and how many bytes from the start. */
  async bodyFile(queueId: string): Promise<{ readonly path: string; readonly length: number }> {
    const found = await this.locate(queueId);
    return { path: found.bodyPath, length: found.record.envelope.size };
  }

  openBody(queueId: string): Readable {
    const body = this.recent.get(queueId)?.body;
    if (body) return Readable.from([body], { objectMode: false });
    const files = this.files;
    const locate = (): Promise<Located> => this.locate(queueId);
    async function* bytes(): AsyncGenerator<Buffer> {
      const { bodyPath, record } = await locate();
      if (record.envelope.size === 0) return;
      yield* files.createReadStream(bodyPath, { start: 0, end: record.envelope.size - 1 }) as AsyncIterable<Buffer>;
    }
    return Readable.from(bytes(), { objectMode: false });
  }

  /** This store's in-memory copy of a committed message, handed over and forgotten here. */
  takeRecent(queueId: string): RecentMessage | undefined {
    const message = this.recent.get(queueId);
    this.recent.remove(queueId);
    return message;
  }

  /** Keeps a copy of a message committed by another store over the same directory (the SMTP side's). */
  remember(queueId: string, message: RecentMessage): void {
    this.recent.add(this.checked(queueId), message);
  }

  /**
   * Removes a message. Not fsynced: if a crash undoes the unlink, the message reappears and
   * DeliveryQueue.recover() removes it again, finding its recipients all final. Of the earlier
   * layout the record goes first (its commit point), then the body.
   */
  async remove(queueId: string): Promise<void> {
    this.recent.remove(queueId);
    if (await unlinkIfPresent(this.files, this.path(queueId, MESSAGE))) return;
    await unlinkIfPresent(this.files, this.path(queueId, LEGACY_RECORD));
    await unlinkIfPresent(this.files, this.path(queueId, LEGACY_BODY));
  }

  /** Queue ids of committed messages, oldest first (ULIDs sort by time). */
  async listCommitted(): Promise<string[]> {
    const ids = new Set<string>();
    for (const name of await this.files.readdir(this.dir)) {
      for (const suffix of [MESSAGE, LEGACY_RECORD]) {
        const id = name.endsWith(suffix) ? name.slice(0, -suffix.length) : '';
        if (isQueueId(id)) ids.add(id);
      }
    }
    return [...ids].sort();
  }

  /** The record of a committed message and where its body is: this process's copy, the file, or the earlier layout's two files. */
  private async locate(queueId: string): Promise<Located> {
    const messagePath = this.path(queueId, MESSAGE);
    const recent = this.recent.get(queueId);
    if (recent) return { record: recent.record, bodyPath: messagePath };
    let tail: { size: number; tail: Buffer };
    try {
      tail = await this.files.readTail(messagePath, FOOTER_BYTES);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return this.locateLegacy(queueId);
      throw err;
    }
    const length = FOOTER.exec(tail.tail.toString('latin1'))?.[1];
    const recordStart = tail.size - FOOTER_BYTES - Number(length);
    if (length === undefined || recordStart < 0) {
      throw new PortcullisError('PORTCULLIS_ERR_SPOOL_CORRUPT', `spool file ${messagePath} does not end in a record footer`);
    }
    const record = parseRecord(await this.files.readRange(messagePath, recordStart, Number(length)), messagePath, queueId);
    if (record.envelope.size !== recordStart) {
      throw new PortcullisError('PORTCULLIS_ERR_SPOOL_CORRUPT', `spool file ${messagePath} holds ${recordStart} body bytes, its record says ${record.envelope.size}`);
    }
    return { record, bodyPath: messagePath };
  }

  private async locateLegacy(queueId: string): Promise<Located> {
    const recordPath = this.path(queueId, LEGACY_RECORD);
    let bytes: Buffer;
    try {
      bytes = await this.files.readFile(recordPath);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new PortcullisError('PORTCULLIS_ERR_NOT_FOUND', `no spooled message ${queueId}`, { cause: err });
      }
      throw err;
    }
    return { record: parseRecord(bytes, recordPath, queueId), bodyPath: this.path(queueId, LEGACY_BODY) };
  }

  private path(queueId: string, suffix: string): string {
    return join(this.dir, this.checked(queueId) + suffix);
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
  private readonly final: string;
  private state: WriterState = 'new';
  private body: SpoolFile | undefined;
  private size = 0;
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
    this.final = join(dir, queueId + MESSAGE);
    this.path = this.final + TEMP;
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
    this.size = size;
    return { size };
  }

  async commit(record: SpoolRecord): Promise<void> {
    if (this.state !== 'received' || !this.body) {
      throw new PortcullisError('PORTCULLIS_ERR_INVALID_ARGUMENT', `spool writer for ${this.queueId} cannot commit in state ${this.state}`);
    }
    if (record.envelope.queueId !== this.queueId) {
      throw new PortcullisError('PORTCULLIS_ERR_INVALID_ARGUMENT', `record for ${record.envelope.queueId} given to the writer of ${this.queueId}`);
    }
    if (record.envelope.size !== this.size) {
      throw new PortcullisError('PORTCULLIS_ERR_INVALID_ARGUMENT', `record for ${this.queueId} gives ${record.envelope.size} body bytes, ${this.size} were received`);
    }
    this.state = 'committing';
    const body = this.body;
    try {
      const json = Buffer.from(JSON.stringify(record), 'utf8');
      await this.step('write record', () => body.write(Buffer.concat([json, footer(json.length)])));
      if (this.fsync) await this.step('fsync', () => body.sync());
      this.body = undefined;
      await this.step('close', () => body.close());
      await this.step('rename', () => this.files.rename(this.path, this.final));
      if (this.fsync) await this.step('fsync directory', () => this.dirSync.sync());
      this.recent.add(this.queueId, { record, body: this.kept && Buffer.concat(this.kept) });
      this.kept = undefined;
    } catch (err) {
      this.state = 'failed';
      if (this.body) await this.body.close().catch(() => undefined);
      this.body = undefined;
      // The client will be told 451 and will retry: a message that made it into place must not
      // stay, or it would be delivered twice (or once without the client knowing).
      for (const path of [this.final, this.path]) await unlinkIfPresent(this.files, path).catch(() => undefined);
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
  }

  private async step<T>(name: string, op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      throw new SpoolWriteError(this.queueId, name, err);
    }
  }
}

/** Unlinks a file; false if it was not there. */
async function unlinkIfPresent(files: SpoolFileLayer, path: string): Promise<boolean> {
  try {
    await files.unlink(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    return false;
  }
}

async function recoverSpool(dir: string, files: SpoolFileLayer, opts: SpoolOpenOptions): Promise<SpoolRecovery> {
  const names = new Set(await files.readdir(dir));
  let tempFilesRemoved = 0;
  let orphanBodiesRemoved = 0;
  const corrupt: string[] = [];
  for (const name of names) {
    const temp = /^([0-9A-Z]{26})\.(msg|body|env)\.tmp$/.exec(name);
    if (temp && isQueueId(temp[1]!)) {
      await unlinkIfPresent(files, join(dir, name));
      tempFilesRemoved++;
      continue;
    }
    // The earlier two-file layout: a body without its record was never acknowledged.
    const id = name.endsWith(LEGACY_BODY) ? name.slice(0, -LEGACY_BODY.length) : name.endsWith(LEGACY_RECORD) ? name.slice(0, -LEGACY_RECORD.length) : '';
    if (!isQueueId(id)) continue;
    if (name.endsWith(LEGACY_BODY) && !names.has(id + LEGACY_RECORD)) {
      await unlinkIfPresent(files, join(dir, name));
      orphanBodiesRemoved++;
    } else if (name.endsWith(LEGACY_RECORD) && !names.has(id + LEGACY_BODY)) {
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
