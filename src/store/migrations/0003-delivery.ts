/**
 * Delivery state: one row per (message, recipient) with its status, attempts and next attempt
 * time, indexed by (status, next_attempt_at) for the queue runner's poll; and the index of the
 * built-in local mailbox (the copies themselves are files in dataDir/mailbox/).
 */
import type { Kysely, Migration } from 'kysely';

export const delivery: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('recipient_state')
      .addColumn('queue_id', 'text', (c) => c.notNull())
      .addColumn('recipient', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('mail_from', 'text', (c) => c.notNull())
      .addColumn('received_at', 'integer', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('next_attempt_at', 'integer', (c) => c.notNull())
      .addColumn('first_attempt_at', 'integer')
      .addColumn('last_reply', 'text')
      .addColumn('next_hop', 'text')
      .addColumn('updated_at', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('recipient_state_pk', ['queue_id', 'recipient'])
      .execute();
    await db.schema.createIndex('recipient_state_due').on('recipient_state').columns(['status', 'next_attempt_at']).execute();

    await db.schema
      .createTable('mailbox')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('recipient', 'text', (c) => c.notNull())
      .addColumn('queue_id', 'text', (c) => c.notNull())
      .addColumn('mail_from', 'text', (c) => c.notNull())
      .addColumn('subject', 'text')
      .addColumn('from_header', 'text')
      .addColumn('date_header', 'text')
      .addColumn('size', 'integer', (c) => c.notNull())
      .addColumn('stored_at', 'integer', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('mailbox_recipient').on('mailbox').columns(['recipient', 'stored_at']).execute();
  },
};
