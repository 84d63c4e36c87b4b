/**
 * Tracking tables: one row per message with the hunt fields (DESIGN.md invariant 9), one row per
 * (message, recipient) for indexed recipient search, and the event history. Indexed for
 * `portcullis track`: by sender, recipient, queue id and time.
 */
import type { Kysely, Migration } from 'kysely';

export const tracking: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('tracking_message')
      .addColumn('queue_id', 'text', (c) => c.primaryKey())
      .addColumn('received_at', 'integer', (c) => c.notNull())
      .addColumn('node', 'text', (c) => c.notNull())
      .addColumn('direction', 'text', (c) => c.notNull())
      .addColumn('client_address', 'text', (c) => c.notNull())
      .addColumn('client_hostname', 'text')
      .addColumn('helo', 'text', (c) => c.notNull())
      .addColumn('tls', 'text')
      .addColumn('auth_user', 'text')
      .addColumn('mail_from', 'text', (c) => c.notNull())
      .addColumn('rcpt_to', 'text', (c) => c.notNull())
      .addColumn('message_id', 'text')
      .addColumn('subject', 'text')
      .addColumn('from_header', 'text')
      .addColumn('size', 'integer', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('score', 'real', (c) => c.notNull())
      .addColumn('rule', 'text', (c) => c.notNull())
      .addColumn('findings', 'text', (c) => c.notNull())
      .addColumn('attachments', 'text')
      .execute();
    await db.schema.createIndex('tracking_message_received_at').on('tracking_message').column('received_at').execute();
    await db.schema.createIndex('tracking_message_mail_from').on('tracking_message').columns(['mail_from', 'received_at']).execute();
    await db.schema.createIndex('tracking_message_message_id').on('tracking_message').column('message_id').execute();
    await db.schema.createIndex('tracking_message_client_address').on('tracking_message').column('client_address').execute();

    await db.schema
      .createTable('tracking_recipient')
      .addColumn('queue_id', 'text', (c) => c.notNull())
      .addColumn('recipient', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('tracking_recipient_pk', ['queue_id', 'recipient'])
      .execute();
    await db.schema.createIndex('tracking_recipient_recipient').on('tracking_recipient').columns(['recipient', 'queue_id']).execute();

    await db.schema
      .createTable('tracking_event')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('queue_id', 'text', (c) => c.notNull())
      .addColumn('at', 'integer', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('recipient', 'text')
      .addColumn('detail', 'text')
      .execute();
    await db.schema.createIndex('tracking_event_queue_id').on('tracking_event').columns(['queue_id', 'at']).execute();
    await db.schema.createIndex('tracking_event_at').on('tracking_event').column('at').execute();
    await db.schema.createIndex('tracking_event_recipient').on('tracking_event').column('recipient').execute();
  },
};
