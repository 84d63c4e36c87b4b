/**
 * DKIM signing keys (service/dkim-service.ts): one row per (domain, selector) with the public key
 * and whether it signs. The private key is not in the database: it is a file of mode 0600 in
 * dataDir/dkim/DOMAIN/SELECTOR.pem, so a database dump or backup never carries it.
 */
import type { Kysely, Migration } from 'kysely';

export const dkimKeys: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('dkim_keys')
      .addColumn('domain', 'text', (c) => c.notNull())
      .addColumn('selector', 'text', (c) => c.notNull())
      .addColumn('algorithm', 'text', (c) => c.notNull())
      .addColumn('public_key', 'text', (c) => c.notNull())
      .addColumn('active', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', 'integer', (c) => c.notNull())
      .addColumn('activated_at', 'integer')
      .addPrimaryKeyConstraint('dkim_keys_pk', ['domain', 'selector'])
      .execute();
  },
};
