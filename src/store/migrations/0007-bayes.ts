/**
 * The Bayes model (scan/bayes/bayes-model.ts): per token, the number of spam and ham messages it
 * appeared in, and one row of message counts. Written only by service/bayes-service.ts, in the
 * same transaction as the audit record of the training.
 */
import { sql, type Kysely, type Migration } from 'kysely';

export const bayes: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('bayes_token')
      .addColumn('token', 'text', (c) => c.primaryKey())
      .addColumn('spam', 'integer', (c) => c.notNull())
      .addColumn('ham', 'integer', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('bayes_count')
      .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
      .addColumn('spam_messages', 'integer', (c) => c.notNull())
      .addColumn('ham_messages', 'integer', (c) => c.notNull())
      .addColumn('updated_at', 'integer', (c) => c.notNull())
      .execute();
  },
};
