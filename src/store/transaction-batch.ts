/**
 * Group commit for small writes: work queued during one turn of the event loop runs in one
 * transaction. With SQLite in WAL mode every transaction takes and releases its locks (fcntl on
 * the shared-memory index) and appends its pages to the WAL; the relay path writes a few rows per
 * message (its queue rows, then their outcome), and one transaction per write cost about as
 * many system calls as the SMTP conversation itself. Batched, a busy gateway pays that once per
 * turn.
 *
 * Contract: `run(work)` resolves once the transaction holding `work` has committed, and rejects
 * with the error if it rolled back. A failure anywhere in a batch rolls back the whole batch, so
 * every caller of that batch sees the error: queue only work whose failure means the database
 * itself failed (a full disk, a damaged file), never work that may fail on its own (a constraint
 * a caller expects to hit). Work items run in the order queued.
 *
 * Trust: the work functions come from Portcullis's own code.
 */
import type { Transaction } from 'kysely';
import type { Database } from './database.js';
import type { Tables } from './tables.js';

export type BatchedWork = (trx: Transaction<Tables>) => Promise<void>;

interface Queued {
  readonly work: BatchedWork;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

export class TransactionBatch {
  private queued: Queued[] = [];
  private scheduled = false;

  constructor(private readonly db: Database) {}

  run(work: BatchedWork): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queued.push({ work, resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      setImmediate(() => void this.flush());
    });
  }

  private async flush(): Promise<void> {
    const batch = this.queued;
    this.queued = [];
    this.scheduled = false;
    try {
      await this.db.transaction().execute(async (trx) => {
        for (const item of batch) await item.work(trx);
      });
    } catch (err) {
      for (const item of batch) item.reject(err);
      return;
    }
    for (const item of batch) item.resolve();
  }
}
