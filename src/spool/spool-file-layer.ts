/**
 * The file-system port of the spool: the handful of operations the spool's crash semantics rest
 * on (create, write, fsync, close, rename, unlink, fsync a directory, list) and the reads of a
 * spool file (its footer, its record, its body as a stream). SpoolStore and the
 * durable-file writer call only this, so a test can inject a layer that records the order of
 * operations or fails one of them (ENOSPC, EACCES, EIO) at a chosen step.
 *
 * Trust: paths come from spool/ itself (queue ids checked with isQueueId, generated names); this
 * layer does not check them. Contract: every method rejects with the Node error (with `.code`)
 * that the operation raised; `create` fails if the file exists (O_EXCL), so two writers can never
 * share a file by accident.
 */
import { closeSync, createReadStream, fstatSync, fsync, openSync, readFileSync, readSync, renameSync, writeSync } from 'node:fs';
import { mkdir, readdir, unlink } from 'node:fs/promises';
import type { Readable } from 'node:stream';

/** An open, newly created file. */
export interface SpoolFile {
  write(data: Uint8Array): Promise<void>;
  /** fsync: the data and the size are on stable storage when this resolves. */
  sync(): Promise<void>;
  close(): Promise<void>;
}

export interface SpoolFileLayer {
  /** Creates a new file for writing (exclusive, mode 0640: the sandbox group may read it). */
  create(path: string): Promise<SpoolFile>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  /** fsync on the directory itself, which makes renames and unlinks in it durable. */
  fsyncDir(dir: string): Promise<void>;
  readdir(dir: string): Promise<string[]>;
  mkdir(dir: string): Promise<void>;
  readFile(path: string): Promise<Buffer>;
  /** The size of the file and up to `tailBytes` bytes of its end (a spool file's record footer). */
  readTail(path: string, tailBytes: number): Promise<{ size: number; tail: Buffer }>;
  /** `length` bytes from `start` (fewer only if the file is shorter). */
  readRange(path: string, start: number, length: number): Promise<Buffer>;
  /** A stream of the file, or of bytes `start` to `end` inclusive. */
  createReadStream(path: string, range?: { start: number; end: number }): Readable;
}

/** fsync(2) on the libuv thread pool: it waits for the disk, so it must not block the event loop. */
function fsyncAsync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fsync(fd, (err) => (err ? reject(err) : resolve())));
}

/**
 * Open, write, close and rename are called synchronously: each is one system call that returns
 * in tens of microseconds (the data goes to the page cache), and a round trip through libuv's
 * thread pool costs the event loop more CPU than the call itself (measured on the 2-core
 * development VM: 100 us of CPU for open+write+close+rename+unlink of a 4 KB file done
 * synchronously, 200 us through fs/promises). fsync waits for the disk and unlink of a file whose
 * blocks were fsynced takes about 250 us there (the file system frees its blocks), so those two
 * go to the thread pool. Errors are reported as rejected promises with the Node error either way.
 */
class NodeSpoolFile implements SpoolFile {
  constructor(private readonly fd: number) {}
  async write(data: Uint8Array): Promise<void> {
    let offset = 0;
    // write(2) may write less than asked (a signal, a nearly full disk): loop until done.
    while (offset < data.length) offset += writeSync(this.fd, data, offset, data.length - offset);
  }
  sync(): Promise<void> {
    return fsyncAsync(this.fd);
  }
  async close(): Promise<void> {
    closeSync(this.fd);
  }
}

/**
 * Directories are opened once for their fsyncs and kept open for the life of the process (a
 * gateway has two: the spool and the mailbox): opening and closing the directory around every
 * group commit cost two more system calls per message. Like Postfix's queue manager holding its
 * queue directory, this assumes the directory is not replaced under a running gateway.
 */
const directoryDescriptors = new Map<string, number>();

function directoryDescriptor(dir: string): number {
  let fd = directoryDescriptors.get(dir);
  if (fd === undefined) {
    fd = openSync(dir, 'r');
    directoryDescriptors.set(dir, fd);
  }
  return fd;
}

/** The real file system. */
export const nodeSpoolFiles: SpoolFileLayer = {
  async create(path) {
    return new NodeSpoolFile(openSync(path, 'wx', 0o640));
  },
  async rename(from, to) {
    renameSync(from, to);
  },
  unlink: (path) => unlink(path),
  async fsyncDir(dir) {
    await fsyncAsync(directoryDescriptor(dir));
  },
  readdir: (dir) => readdir(dir),
  async mkdir(dir) {
    await mkdir(dir, { recursive: true, mode: 0o750 });
  },
  async readFile(path) {
    return readFileSync(path);
  },
  async readTail(path, tailBytes) {
    const fd = openSync(path, 'r');
    try {
      const size = fstatSync(fd).size;
      const start = Math.max(0, size - tailBytes);
      return { size, tail: readAt(fd, start, size - start) };
    } finally {
      closeSync(fd);
    }
  },
  async readRange(path, start, length) {
    const fd = openSync(path, 'r');
    try {
      return readAt(fd, start, length);
    } finally {
      closeSync(fd);
    }
  },
  createReadStream: (path, range) => createReadStream(path, range),
};

/** Reads `length` bytes at `start` (fewer at the end of the file). */
function readAt(fd: number, start: number, length: number): Buffer {
  const out = Buffer.alloc(length);
  let read = 0;
  while (read < length) {
    const n = readSync(fd, out, read, length - read, start + read);
    if (n === 0) break;
    read += n;
  }
  return out.subarray(0, read);
}
