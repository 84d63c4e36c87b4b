/**
 * The table types of the database, one interface per concern, combined into `Tables` for Kysely.
 * Each concern's migration lives in store/migrations/ and is listed in migrations/index.ts.
 */

export interface Tables {
  /** Placeholder until the first concern's tables are added. */
  schema_info: { key: string; value: string };
  recipient_state: RecipientStateTable;
  mailbox: MailboxTable;
}

export type RecipientStatus = 'queued' | 'deferred' | 'delivered' | 'bounced' | 'quarantined' | 'deleted';

/** Delivery state per (message, recipient) (deliver/delivery-queue.ts). Times in ms since the epoch. */
export interface RecipientStateTable {
  queue_id: string;
  recipient: string;
  status: RecipientStatus;
  /** The envelope sender ('' for the null sender), for listing and DSNs. */
  mail_from: string;
  /** When the message was received: expiry counts from here. */
  received_at: number;
  attempts: number;
  next_attempt_at: number;
  first_attempt_at: number | null;
  /** The last reply or error from the next hop. */
  last_reply: string | null;
  next_hop: string | null;
  updated_at: number;
}

/** The index of the built-in local mailbox (deliver/local-mailbox.ts); copies are files. */
export interface MailboxTable {
  /** Generated id, also the file name (ID.eml) in dataDir/mailbox/. */
  id: string;
  recipient: string;
  queue_id: string;
  mail_from: string;
  subject: string | null;
  from_header: string | null;
  date_header: string | null;
  size: number;
  stored_at: number;
}
