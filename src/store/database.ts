/**
 * The database: Kysely over SQLite (better-sqlite3) in the embedded mode. PostgreSQL for the
 * cluster mode will plug in here with the same schema. Message bodies never live here (they are
 * in the spool); this holds state: delivery per (message, recipient), tracking events, the audit
 * log, users.
 *
 * Invariant 5: the schema has no triggers, views or stored procedures. `openDatabase` checks that
 * none appeared (an attacker's SUBMARINE-style trigger) and refuses to start if one did.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, sql } from 'kysely';
import { PortcullisError } from '../core/errors.js';
import type { Tables } from './tables.js';
import { migrations } from './migrations/index.js';

export type Database = Kysely<Tables>;

export interface OpenDatabaseOptions {
  /** Directory holding portcullis.sqlite; `:memory:` for tests. */
  readonly dataDir: string;
}

export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  let file = ':memory:';
  if (options.dataDir !== ':memory:') {
    mkdirSync(options.dataDir, { recursive: true });
    file = join(options.dataDir, 'portcullis.sqlite');
  }
  let sqlite: SQLite.Database;
  try {
    sqlite = new SQLite(file);
  } catch (err) {
    throw new PortcullisError('PORTCULLIS_ERR_STORE', `cannot open database ${file}: ${(err as Error).message}`, { cause: err });
  }
  // WAL with synchronous=NORMAL: a process crash loses nothing (the WAL is in the OS); an OS crash
  // may lose the last transactions, which recovery rebuilds from the spool (the spool is fsynced).
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  const db = new Kysely<Tables>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  await migrate(db);
  await assertNoExecutableObjects(db);
  return db;
}

/** Most distinct SQL texts whose prepared statements are kept. */
const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely prepares every query anew; preparing costs more than running the small queries the hot
 * path makes (queue rows, tracking), so prepared statements are kept per SQL text (LRU-bounded:
 * queries with IN lists of varying length produce many texts).
 */
function withStatementCache(sqlite: SQLite.Database): { prepare(sql: string): SQLite.Statement; close(): void } {
  const cache = new Map<string, SQLite.Statement>();
  return {
    prepare(sql: string): SQLite.Statement {
      let statement = cache.get(sql);
      if (statement) {
        cache.delete(sql);
      } else {
        statement = sqlite.prepare(sql);
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
      }
      cache.set(sql, statement);
      return statement;
    },
    close: () => sqlite.close(),
  };
}

async function migrate(db: Database): Promise<void> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new PortcullisError('PORTCULLIS_ERR_STORE', `database migration ${failed} failed: ${String(error)}`, { cause: error });
  }
}

/** Refuses a database that contains triggers or views: the schema never creates any. */
export async function assertNoExecutableObjects(db: Database): Promise<void> {
  const { rows } = await sql<{ type: string; name: string }>`
    select type, name from sqlite_master where type in ('trigger', 'view')`.execute(db);
  if (rows.length > 0) {
    const names = rows.map((r) => `${r.type} ${r.name}`).join(', ');
    throw new PortcullisError(
      'PORTCULLIS_ERR_STORE',
      `database contains objects Portcullis never creates (${names}); refusing to start: investigate and remove them`,
    );
  }
}
