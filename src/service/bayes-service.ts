/**
 * Training the Bayes classifier as service functions (DESIGN.md invariant 7): training from the
 * operator's folders (`portcullis train`), learning one message (a quarantine release is "not
 * spam", a report is "spam"). Each checks that the actor may train (`bayes.train`), adds the
 * counts in the same transaction as its audit record, then rewrites the model snapshot the
 * sandboxes read (scan/bayes/model-snapshot.ts) from the database, so the file never holds
 * anything the database does not.
 *
 * Tokens come from scan/bayes/tokenize-message.ts. Trusts its caller to have tokenized where
 * that is safe: the operator's own files in-process (the train command), attacker mail only in
 * a sandbox.
 */
import { sql } from 'kysely';
import { BayesModel, type TokenCounts } from '../scan/bayes/bayes-model.js';
import { writeSnapshot } from '../scan/bayes/model-snapshot.js';
import type { Database } from '../store/database.js';
import type { Actor } from './actor.js';
import { authorize } from './authorize.js';
import type { ServiceContext } from './service-context.js';

export interface BayesContext extends ServiceContext {
  /** The snapshot file the sandboxes read (bayesSnapshotPath(config.dataDir)). */
  readonly snapshotPath: string;
}

/** Rows per INSERT: SQLite and PostgreSQL both bound the parameters of one statement. */
const UPSERT_BATCH = 500;

/** What one training adds: message counts per class and token counts (a BayesModel used as a delta). */
export type BayesLesson = BayesModel;

/** Reads the whole model from the database. */
export async function loadBayesModel(db: Database): Promise<BayesModel> {
  const counts = await db.selectFrom('bayes_count').selectAll().where('id', '=', 1).executeTakeFirst();
  const rows = await db.selectFrom('bayes_token').select(['token', 'spam', 'ham']).execute();
  const tokens = new Map<string, TokenCounts>();
  for (const row of rows) tokens.set(row.token, { spam: row.spam, ham: row.ham });
  return new BayesModel(counts?.spam_messages ?? 0, counts?.ham_messages ?? 0, tokens);
}

async function addLesson(db: Database, lesson: BayesLesson, now: number): Promise<void> {
  await db
    .insertInto('bayes_count')
    .values({ id: 1, spam_messages: lesson.spamMessages, ham_messages: lesson.hamMessages, updated_at: now })
    .onConflict((oc) =>
      oc.column('id').doUpdateSet({
        spam_messages: sql`bayes_count.spam_messages + excluded.spam_messages`,
        ham_messages: sql`bayes_count.ham_messages + excluded.ham_messages`,
        updated_at: now,
      }),
    )
    .execute();
  const rows = [...lesson.tokens].map(([token, c]) => ({ token, spam: c.spam, ham: c.ham }));
  for (let i = 0; i < rows.length; i += UPSERT_BATCH) {
    await db
      .insertInto('bayes_token')
      .values(rows.slice(i, i + UPSERT_BATCH))
      .onConflict((oc) => oc.column('token').doUpdateSet({ spam: sql`bayes_token.spam + excluded.spam`, ham: sql`bayes_token.ham + excluded.ham` }))
      .execute();
  }
}

/**
 * Adds a lesson to the model (audited as `bayes.train` with `source` and the message counts)
 * and rewrites the snapshot. Returns the model as it now is.
 */
export async function trainBayes(ctx: BayesContext, actor: Actor, lesson: BayesLesson, source: string, now = Date.now()): Promise<BayesModel> {
  authorize(actor, 'bayes.train');
  await ctx.audit.append(
    { actor, action: 'bayes.train', target: 'bayes', details: { source, spam: lesson.spamMessages, ham: lesson.hamMessages, tokens: lesson.tokens.size } },
    (db) => addLesson(db, lesson, now),
  );
  const model = await loadBayesModel(ctx.db);
  writeSnapshot(ctx.snapshotPath, model);
  return model;
}

/**
 * Learns one message: ham when a person released it from quarantine ("not spam"), spam when a
 * person reported it. `target` names it in the audit log (a queue id or a file).
 */
export async function learnMessage(
  ctx: BayesContext,
  actor: Actor,
  message: { readonly tokens: ReadonlySet<string>; readonly spam: boolean; readonly target: string; readonly reason: 'quarantine-release' | 'report-spam' | 'report-ham' },
  now = Date.now(),
): Promise<BayesModel> {
  const lesson = new BayesModel();
  lesson.learn(message.tokens, message.spam);
  return trainBayes(ctx, actor, lesson, `${message.reason} ${message.target}`, now);
}
