/**
 * The retention sweep: the gateway calls expireQuarantined (service/quarantine-service.ts) every
 * RETENTION_SWEEP_INTERVAL_MS, so quarantined items older than quarantine.retentionDays are
 * deleted (audited as system:quarantine-retention, tracked as 'expired'). One sweep runs at a
 * time; a sweep that expired a full batch runs again at once, so a backlog drains in batches
 * without holding the database for long. A failed sweep is logged and retried at the next tick:
 * retention is housekeeping and must never stop the gateway.
 */
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { expireQuarantined, MAX_EXPIRED_PER_SWEEP, type QuarantineContext } from '../service/quarantine-service.js';

export const RETENTION_SWEEP_INTERVAL_MS = 3600 * 1000;

export interface RetentionSweepDeps {
  readonly ctx: QuarantineContext;
  readonly config: Pick<Config, 'quarantine'>;
  readonly logger: Logger;
  readonly now?: () => number;
  /** Tests shorten it. */
  readonly intervalMs?: number;
}

export class RetentionSweep {
  private config: Pick<Config, 'quarantine'>;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private readonly now: () => number;

  constructor(private readonly deps: RetentionSweepDeps) {
    this.config = deps.config;
    this.now = deps.now ?? Date.now;
  }

  /** Sweeps now, then every interval. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.sweep(), this.deps.intervalMs ?? RETENTION_SWEEP_INTERVAL_MS);
    this.timer.unref();
    void this.sweep();
  }

  /** Applies a reloaded configuration (SIGHUP) to the next sweep. */
  reconfigure(config: Pick<Config, 'quarantine'>): void {
    this.config = config;
  }

  /** Stops the timer and waits for a sweep in progress. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Runs one sweep (joining one in progress) until no full batch is left; resolves to the recipients expired. */
  sweep(): Promise<number> {
    this.running ??= this.drain().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async drain(): Promise<number> {
    let total = 0;
    try {
      for (;;) {
        const { recipients } = await expireQuarantined(this.deps.ctx, this.config.quarantine.retentionDays, this.now());
        total += recipients;
        if (recipients < MAX_EXPIRED_PER_SWEEP) break;
      }
    } catch (err) {
      this.deps.logger.error({ err: (err as Error).message }, 'quarantine retention sweep failed');
    }
    if (total > 0) this.deps.logger.info({ expired: total, retentionDays: this.config.quarantine.retentionDays }, 'quarantine retention: items expired');
    return total;
  }
}
