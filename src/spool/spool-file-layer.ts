/**
 * The file-system port of the spool: the handful of operations the spool's crash semantics rest
 * on (create, write, fsync, close, rename, unlink, fsync a directory, list). SpoolStore and the
 * durable-file writer call only this, so a test can inject a layer that records the order of
 * operations or fails one of them (ENOSPC, EACCES, EIO) at a chosen step.
 *
 * Trust: paths come from spool/ itself (queue ids checked with isQueueId, generated names); this
 * layer does not check them. Contract: every method rejects with the Node error (with `.code`)
 * that the operation raised; `create` fails if the file exists (O_EXCL), so two writers can never
 * share a file by accident.
 */
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, unlink, type FileHandle } from 'node:fs/promises';
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
  createReadStream(path: string): Readable;
}

class NodeSpoolFile implements SpoolFile {
  constructor(private readonly handle: FileHandle) {}
  async write(data: Uint8Array): Promise<void> {
    let offset = 0;
    // FileHandle.write may write less than asked (a signal, a nearly full disk): loop until done.
    while (offset < data.length) {
      const { bytesWritten } = await this.handle.write(data, offset, data.length - offset);
      offset += bytesWritten;
    }
  }
  sync(): Promise<void> {
    return this.handle.sync();
  }
  close(): Promise<void> {
    return this.handle.close();
  }
}

/** The real file system. */
export const nodeSpoolFiles: SpoolFileLayer = {
  async create(path) {
    return new NodeSpoolFile(await open(path, 'wx', 0o640));
  },
  rename: (from, to) => rename(from, to),
  unlink: (path) => unlink(path),
  async fsyncDir(dir) {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
  readdir: (dir) => readdir(dir),
  async mkdir(dir) {
    await mkdir(dir, { recursive: true, mode: 0o750 });
  },
  readFile: (path) => readFile(path),
  createReadStream: (path) => createReadStream(path),
};
