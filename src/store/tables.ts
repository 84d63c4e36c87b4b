/**
 * The table types of the database, one interface per concern, combined into `Tables` for Kysely.
 * Each concern's migration lives in store/migrations/ and is listed in migrations/index.ts.
 */

export interface Tables {
  /** Placeholder until the first concern's tables are added. */
  schema_info: { key: string; value: string };
}
