/**
 * Seen senders (store/seen-senders.ts): one row per registrable sender domain that sent accepted
 * inbound mail, with when it was first and last seen, on how many different days, and how many
 * messages. Bounded by the store: rows not seen for `phishing.seenSenders.retentionDays` are
 * deleted, and the table is capped at `maxDomains` (least recently seen first).
 */
import type { Kysely, Migration } from 'kysely';

export const seenSenders: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('seen_sender')
      .addColumn('domain', 'text', (c) => c.primaryKey())
      .addColumn('first_seen', 'integer', (c) => c.notNull())
      .addColumn('last_seen', 'integer', (c) => c.notNull())
      .addColumn('days_seen', 'integer', (c) => c.notNull())
      .addColumn('messages', 'integer', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('seen_sender_last_seen').on('seen_sender').column('last_seen').execute();
  },
};
