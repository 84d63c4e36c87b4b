/**
 * Greylisting state (smtp/reputation/greylist.ts): one row per (client network, sender,
 * recipient) triplet, with when it was first seen and when a retry passed. Bounded by the
 * greylist itself: it deletes expired rows and caps the row count.
 */
import type { Kysely, Migration } from 'kysely';

export const greylist: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('greylist')
      .addColumn('triplet', 'text', (c) => c.primaryKey())
      .addColumn('first_seen', 'integer', (c) => c.notNull())
      .addColumn('passed_at', 'integer')
      .addColumn('last_seen', 'integer', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('greylist_last_seen').on('greylist').column('last_seen').execute();
  },
};
