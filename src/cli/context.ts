/**
 * What a CLI command works with: the loaded configuration, the database, the audit and tracking
 * logs, a logger on stderr (stdout is for the command's output, JSON included), and the actor,
 * which for the CLI is the local operating-system user (DESIGN.md invariant 7: whoever can run
 * the CLI on the gateway's host administers it).
 *
 * Every command that opens a context closes it, so batched tracking rows are flushed and the
 * SQLite file is released.
 */
import { userInfo } from 'node:os';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { AuditLog } from '../observe/audit-log.js';
import { createLogger, type Logger } from '../observe/logger.js';
import { TrackingLog } from '../observe/tracking.js';
import type { Actor } from '../service/actor.js';
import type { ServiceContext } from '../service/service-context.js';
import { openDatabase, type Database } from '../store/database.js';

export interface CliContext extends ServiceContext {
  readonly config: Config;
  /** The configuration file, or undefined for the embedded defaults. */
  readonly configPath?: string;
  readonly db: Database;
  readonly audit: AuditLog;
  readonly tracking: TrackingLog;
  readonly logger: Logger;
  readonly actor: Actor;
  close(): Promise<void>;
}

export interface OpenCliContextOptions {
  /** --config; otherwise $PORTCULLIS_CONFIG, config/portcullis.yaml, or the embedded defaults. */
  readonly config?: string;
}

export async function openCliContext(options: OpenCliContextOptions): Promise<CliContext> {
  const loaded = loadConfig(options.config);
  const logger = createLogger({ level: loaded.config.log.level, destination: 2 });
  const db = await openDatabase({ dataDir: loaded.config.dataDir });
  const tracking = new TrackingLog(db, { logger });
  return {
    config: loaded.config,
    ...(loaded.path !== undefined ? { configPath: loaded.path } : {}),
    db,
    audit: new AuditLog(db),
    tracking,
    logger,
    actor: { kind: 'cli', user: userInfo().username },
    async close() {
      await tracking.close();
      await db.destroy();
    },
  };
}

/** Runs `fn` with an open context and always closes it. */
export async function withCliContext<T>(options: OpenCliContextOptions, fn: (ctx: CliContext) => Promise<T>): Promise<T> {
  const ctx = await openCliContext(options);
  try {
    return await fn(ctx);
  } finally {
    await ctx.close();
  }
}
