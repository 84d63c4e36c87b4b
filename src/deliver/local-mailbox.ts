/**
 * The built-in local mailbox: where mail goes when no accepted domain is configured (the
 * out-of-the-box loopback mode), so a newcomer can send a test message and see it arrive
 * (`portcullis mailbox list|show`). Each delivered copy (one per recipient) is a file in
 * dataDir/mailbox/ named by a generated id (ID.eml: never a name from the message or the
 * address), written durably through spool/durable-file.ts, plus an index row (recipient, queue id,
 * sender, Subject, From, Date).
 *
 * Trust: the message is attacker bytes. They are stored as they are; for the index only the
 * first MAX_INDEX_HEADER_BYTES are looked at, to pick three header values by name, unfolded,
 * cleaned of control characters and truncated: nothing is decoded or interpreted.
 */
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Config } from '../config/schema.js';
import { PortcullisError } from '../core/errors.js';
import { isQueueId, newQueueId } from '../core/queue-id.js';
import { openDurableFileStore, type DurableFileStore } from '../spool/durable-file.js';
import { nodeSpoolFiles } from '../spool/spool-file-layer.js';
import type { Database } from '../store/database.js';
import type { MailboxTable } from '../store/tables.js';
import type { OutgoingMessage } from './outgoing-message.js';
import { oneLine, type RecipientResult } from './smtp-transport.js';

/** Header bytes read for the index; a header section longer than this is indexed in part. */
export const MAX_INDEX_HEADER_BYTES = 64 * 1024;
const MAX_INDEX_VALUE_CHARS = 300;

export type MailboxEntry = Readonly<MailboxTable>;

export function mailboxDirectory(config: Config): string {
  return join(config.dataDir, 'mailbox');
}

export class LocalMailbox {
  private constructor(
    private readonly db: Database,
    private readonly files: DurableFileStore,
    private readonly now: () => number,
  ) {}

  static async open(opts: { dir: string; db: Database; fsync: boolean; now?: () => number }): Promise<LocalMailbox> {
    const files = await openDurableFileStore(opts.dir, { fsync: opts.fsync });
    return new LocalMailbox(opts.db, files, opts.now ?? Date.now);
  }

  /** Stores one copy per recipient; a file error defers (the queue retries), it never bounces. */
  async deliver(queueId: string, mailFrom: string, recipients: readonly string[], message: OutgoingMessage): Promise<RecipientResult[]> {
    const results: RecipientResult[] = [];
    for (const recipient of recipients) {
      try {
        const id = newQueueId();
        let head = Buffer.alloc(0);
        async function* copy(): AsyncGenerator<Uint8Array> {
          for await (const chunk of message.open() as AsyncIterable<Buffer>) {
            if (head.length < MAX_INDEX_HEADER_BYTES) head = Buffer.concat([head, chunk.subarray(0, MAX_INDEX_HEADER_BYTES - head.length)]);
            yield chunk;
          }
        }
        const { size } = await this.files.write(`${id}.eml`, copy());
        const headers = indexHeaders(head);
        await this.db
          .insertInto('mailbox')
          .values({
            id,
            recipient: recipient.toLowerCase(),
            queue_id: queueId,
            mail_from: mailFrom,
            subject: headers.get('subject') ?? null,
            from_header: headers.get('from') ?? null,
            date_header: headers.get('date') ?? null,
            size,
            stored_at: this.now(),
          })
          .execute();
        results.push({ recipient, outcome: 'delivered', reply: `250 stored in the local mailbox as ${id}` });
      } catch (err) {
        results.push({ recipient, outcome: 'deferred', reply: oneLine(`451 local mailbox: ${(err as Error).message}`) });
      }
    }
    return results;
  }

  /** Newest first. */
  async list(opts: { recipient?: string; limit?: number } = {}): Promise<MailboxEntry[]> {
    let query = this.db.selectFrom('mailbox').selectAll().orderBy('stored_at', 'desc').orderBy('id', 'desc');
    if (opts.recipient !== undefined) query = query.where('recipient', '=', opts.recipient.toLowerCase());
    return query.limit(opts.limit ?? 100).execute();
  }

  async get(id: string): Promise<MailboxEntry> {
    const row = isQueueId(id) ? await this.db.selectFrom('mailbox').selectAll().where('id', '=', id).executeTakeFirst() : undefined;
    if (!row) throw new PortcullisError('PORTCULLIS_ERR_NOT_FOUND', `no message ${JSON.stringify(id)} in the local mailbox`);
    return row;
  }

  /** The stored copy, as delivered. */
  async open(id: string): Promise<Readable> {
    const entry = await this.get(id);
    return nodeSpoolFiles.createReadStream(this.files.path(`${entry.id}.eml`));
  }
}

/** Subject, From and Date of a header section prefix: by name, unfolded, printable, bounded. */
export function indexHeaders(head: Buffer): Map<string, string> {
  const text = head.toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  const section = end < 0 ? text : text.slice(0, end);
  const found = new Map<string, string>();
  const unfolded = section.replace(/\r?\n[ \t]/g, ' ').split(/\r?\n/);
  for (const line of unfolded) {
    const m = /^(subject|from|date)[ \t]*:(.*)$/i.exec(line);
    const name = m?.[1]?.toLowerCase();
    if (!m || name === undefined || found.has(name)) continue;
    const value = Buffer.from(m[2] ?? '', 'latin1').toString('utf8');
    found.set(name, oneLine(value).slice(0, MAX_INDEX_VALUE_CHARS));
  }
  return found;
}
