/**
 * Tracking keeps the URLs of each message (DESIGN.md invariant 9: URLs are a hunt field): a JSON
 * array on the message row, bounded by the scan summary (MAX_SUMMARY_URLS). Null for rows written
 * before this migration and for messages without URLs.
 */
import type { Kysely, Migration } from 'kysely';

export const trackingUrls: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('tracking_message').addColumn('urls', 'text').execute();
  },
};
