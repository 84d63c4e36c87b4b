/**
 * Group commit for directory fsyncs. A rename is durable only once its directory has been
 * fsynced; with many messages committed at once, one fsync of the directory can cover every
 * rename made before it started. `sync()` resolves once an fsync that *started after the call*
 * has completed: if one is already running it may have begun before the caller's rename, so the
 * caller joins the next one instead (at most one is waiting at a time, shared by all callers
 * that arrive meanwhile). An fsync error rejects every caller that shared it.
 *
 * Trust: the directory path comes from spool/ itself.
 */
import type { SpoolFileLayer } from './spool-file-layer.js';

export class DirectorySync {
  private inFlight: Promise<void> | undefined;
  private pending: Promise<void> | undefined;

  constructor(
    private readonly files: SpoolFileLayer,
    private readonly dir: string,
  ) {}

  sync(): Promise<void> {
    if (this.pending) return this.pending;
    if (!this.inFlight) return this.start();
    const pending = this.inFlight
      .catch(() => undefined)
      .then(() => {
        this.pending = undefined;
        return this.start();
      });
    this.pending = pending;
    return pending;
  }

  private start(): Promise<void> {
    const run: Promise<void> = this.files.fsyncDir(this.dir).finally(() => {
      if (this.inFlight === run) this.inFlight = undefined;
    });
    this.inFlight = run;
    return run;
  }
}
