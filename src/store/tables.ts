/**
 * The table types of the database, one interface per concern, combined into `Tables` for Kysely.
 * Each concern's migration lives in store/migrations/ and is listed in migrations/index.ts.
 */
import type { Generated } from 'kysely';

export interface Tables {
  /** Placeholder until the first concern's tables are added. */
  schema_info: { key: string; value: string };
  tracking_message: TrackingMessageTable;
  tracking_recipient: TrackingRecipientTable;
  tracking_event: TrackingEventTable;
  audit_log: AuditLogTable;
  audit_head: AuditHeadTable;
  users: UsersTable;
  recipient_state: RecipientStateTable;
  mailbox: MailboxTable;
  bayes_token: BayesTokenTable;
  bayes_count: BayesCountTable;
  dkim_keys: DkimKeysTable;
  greylist: GreylistTable;
  seen_sender: SeenSenderTable;
}

/** One row per message: the hunt fields of MessageSummary (observe/tracking-event.ts). */
export interface TrackingMessageTable {
  queue_id: string;
  received_at: number;
  node: string;
  direction: string;
  client_address: string;
  client_hostname: string | null;
  helo: string;
  tls: string | null;
  auth_user: string | null;
  /** Lower-cased envelope sender ('' for the null sender). */
  mail_from: string;
  /** JSON array of the envelope recipients, in envelope order. */
  rcpt_to: string;
  message_id: string | null;
  subject: string | null;
  from_header: string | null;
  size: number;
  action: string;
  score: number;
  rule: string;
  /** JSON array of { id, score, detail }. */
  findings: string;
  /** JSON array of { name?, type?, sha256, size }, or null. */
  attachments: string | null;
  /** JSON array of the message's URLs (at most MAX_SUMMARY_URLS), or null. */
  urls: string | null;
}

/** One row per (message, recipient), so a search by recipient uses an index. */
export interface TrackingRecipientTable {
  queue_id: string;
  /** Lower-cased. */
  recipient: string;
}

export interface TrackingEventTable {
  id: Generated<number>;
  queue_id: string;
  at: number;
  kind: string;
  recipient: string | null;
  detail: string | null;
}

/** The hash-chained audit log (observe/audit-log.ts); rows are only ever inserted. */
export interface AuditLogTable {
  seq: number;
  at: number;
  actor: string;
  action: string;
  target: string;
  /** Canonical JSON (sorted keys) of the details object. */
  details: string;
  prev_hash: string;
  hash: string;
}

/** A single row (id 1): the count and hash of the newest audit record, to detect tail truncation. */
export interface AuditHeadTable {
  id: number;
  seq: number;
  hash: string;
}

/** SMTP AUTH accounts; the password is stored only as an argon2id hash. */
export interface UsersTable {
  username: string;
  password_hash: string;
  created_at: number;
  updated_at: number;
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

/** Per token, the spam and ham messages it appeared in (service/bayes-service.ts). */
export interface BayesTokenTable {
  token: string;
  spam: number;
  ham: number;
}

/** One row (id 1): the messages trained per class. */
export interface BayesCountTable {
  id: number;
  spam_messages: number;
  ham_messages: number;
  updated_at: number;
}

/** DKIM signing keys (service/dkim-service.ts); the private key is a 0600 file, not a column. */
export interface DkimKeysTable {
  /** Lower case. */
  domain: string;
  selector: string;
  algorithm: 'rsa' | 'ed25519';
  /** The p= value of the DNS record: base64 SPKI (rsa) or the raw 32-byte key (ed25519). */
  public_key: string;
  /** 1 for the one key per domain that signs. */
  active: number;
  created_at: number;
  activated_at: number | null;
}

/** Greylisting triplets (smtp/reputation/greylist.ts). Times in ms since the epoch. */
export interface GreylistTable {
  /** `client-network|sender|recipient`, lower case. */
  triplet: string;
  first_seen: number;
  /** When a retry after the delay was accepted; afterwards the triplet passes at once. */
  passed_at: number | null;
  last_seen: number;
}

/** Sender domains of accepted inbound mail (store/seen-senders.ts). Times in ms since the epoch. */
export interface SeenSenderTable {
  /** Registrable domain of the envelope sender, lower case. */
  domain: string;
  first_seen: number;
  last_seen: number;
  /** Different UTC days with accepted mail from the domain. */
  days_seen: number;
  messages: number;
}
