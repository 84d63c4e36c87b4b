/**
 * Snapshot files: how data the main process keeps in the database reaches the sandbox processes,
 * which cannot open the database (no native addons under the permission model). The main process
 * writes a whole snapshot atomically (a temporary file in the same folder, fsynced, then renamed
 * over the old one), so a reader sees the old snapshot or the new one, never half of one. A
 * sandbox reads it with SnapshotReader: once when first asked, then again when the file's
 * modification time, size or inode changes, checked at most once per RECHECK_MS, so a message
 * costs at most one stat().
 *
 * Used by the Bayes model (scan/bayes/model-snapshot.ts) and the known correspondents
 * (scan/url/known-correspondents.ts). Trusts the file's writer (the main process); a file that
 * does not parse is "no snapshot", with the parser's reason in `error`.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** How often a reader looks at the file's modification time. */
export const RECHECK_MS = 1000;

/** Writes `text` to `path` atomically: temp file, fsync, rename, fsync of the folder. */
export function writeFileAtomic(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o750 });
  const temp = `${path}.${process.pid}.tmp`;
  const fd = openSync(temp, 'w', 0o640);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
  const dir = openSync(dirname(path), 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}

/** A snapshot file as a sandbox sees it: parsed lazily, re-parsed when the file changes. */
export class SnapshotReader<T> {
  private readonly path: string;
  private readonly parse: (text: string) => T;
  /** Put before the parser's reason in `error`: what the file is. */
  private readonly label: string;
  private value?: T;
  private stamp = '';
  private checkedAt = -Infinity;
  /** Why the last read failed, when it did; a missing file is no error. */
  error?: string;

  constructor(path: string, parse: (text: string) => T, label: string) {
    this.path = path;
    this.parse = parse;
    this.label = label;
  }

  /** The current snapshot, or undefined when there is none (no file, or one that does not parse). */
  current(now = Date.now()): T | undefined {
    if (now - this.checkedAt < RECHECK_MS) return this.value;
    this.checkedAt = now;
    let stamp: string;
    try {
      const stat = statSync(this.path);
      stamp = `${stat.mtimeMs}:${stat.size}:${stat.ino}`;
    } catch {
      this.value = undefined;
      this.stamp = '';
      this.error = undefined;
      return undefined;
    }
    if (stamp === this.stamp) return this.value;
    this.stamp = stamp;
    try {
      this.value = this.parse(readFileSync(this.path, 'utf8'));
      this.error = undefined;
    } catch (err) {
      this.value = undefined;
      this.error = `${this.label} ${this.path}: ${err instanceof Error ? err.message : String(err)}`;
    }
    return this.value;
  }
}
