// Test fixture: a message committed to a spool with recipient_state rows, as the SMTP layer and
// the delivery queue leave a quarantined message, and optionally its tracking summary.
import { newQueueId } from '../../src/core/queue-id.js';
import type { Verdict } from '../../src/core/verdict.js';
import type { MessageSummary } from '../../src/observe/tracking-event.js';
import type { SpoolStore } from '../../src/spool/spool-store.js';
import type { Database } from '../../src/store/database.js';
import type { RecipientStatus } from '../../src/store/tables.js';

export const HELD_VERDICT: Verdict = {
  action: 'quarantine',
  score: 10,
  rule: 'default:executable',
  findings: [{ id: 'FILE_EXECUTABLE', score: 10, detail: 'invoice.zip > invoice.pdf.exe is application/x-msdownload' }],
};

export const HELD_ATTACHMENTS: NonNullable<MessageSummary['attachments']> = [
  { name: 'invoice.zip', type: 'application/zip', detectedType: 'application/zip', sha256: 'a'.repeat(64), size: 300 },
  { name: 'invoice.pdf.exe', detectedType: 'application/x-msdownload', sha256: 'b'.repeat(64), size: 200, container: ['invoice.zip'] },
];

export interface HoldOptions {
  readonly rows: Readonly<Record<string, RecipientStatus>>;
  readonly receivedAt?: number;
  /** Also record the tracking summary (subject, attachments). */
  readonly tracked?: boolean;
  readonly body?: string;
}

export async function holdMessage(db: Database, spool: SpoolStore, options: HoldOptions): Promise<string> {
  const queueId = newQueueId();
  const receivedAt = options.receivedAt ?? Date.now();
  const body = options.body ?? 'Subject: Invoice\r\nFrom: <billing@example.net>\r\nX-Evil: \u001b[31mred\r\n\r\nsee attachment\r\n';
  const recipients = Object.keys(options.rows);
  const writer = spool.createWriter(queueId);
  await writer.receive((async function* () {
    yield Buffer.from(body, 'utf8');
  })());
  await writer.commit({
    version: 1,
    envelope: { queueId, clientAddress: '192.0.2.7', clientPort: 4000, helo: 'sender.example', mailFrom: 'billing@example.net', rcptTo: recipients, direction: 'inbound', receivedAt, size: body.length },
    prependHeaders: 'X-Portcullis-Action: quarantine\r\n',
    verdict: HELD_VERDICT,
    recipients: recipients.map((address) => ({ address, disposition: 'quarantine' as const })),
  });
  await db
    .insertInto('recipient_state')
    .values(
      Object.entries(options.rows).map(([recipient, status]) => ({
        queue_id: queueId,
        recipient,
        status,
        mail_from: 'billing@example.net',
        received_at: receivedAt,
        attempts: 0,
        next_attempt_at: receivedAt + 3_600_000,
        first_attempt_at: null,
        last_reply: null,
        next_hop: null,
        updated_at: receivedAt,
      })),
    )
    .execute();
  if (options.tracked) {
    await db
      .insertInto('tracking_message')
      .values({
        queue_id: queueId,
        received_at: receivedAt,
        node: 'test',
        direction: 'inbound',
        client_address: '192.0.2.7',
        client_hostname: null,
        helo: 'sender.example',
        tls: null,
        auth_user: null,
        mail_from: 'billing@example.net',
        rcpt_to: JSON.stringify(recipients),
        message_id: null,
        subject: 'Invoice',
        from_header: '<billing@example.net>',
        size: body.length,
        action: HELD_VERDICT.action,
        score: HELD_VERDICT.score,
        rule: HELD_VERDICT.rule,
        findings: JSON.stringify(HELD_VERDICT.findings),
        attachments: JSON.stringify(HELD_ATTACHMENTS),
      })
      .execute();
  }
  return queueId;
}
