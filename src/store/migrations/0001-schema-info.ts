import type { Kysely, Migration } from 'kysely';

export const schemaInfo: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.createTable('schema_info').addColumn('key', 'text', (c) => c.primaryKey()).addColumn('value', 'text', (c) => c.notNull()).execute();
  },
};
