/**
 * Delivery status notifications (RFC 3464): the report sent to the envelope sender when
 * recipients bounce (5xx) or expire. multipart/report; report-type=delivery-status with three
 * parts: a human-readable explanation, message/delivery-status (Reporting-MTA, Arrival-Date, and
 * per recipient Final-Recipient, Action, Status, Diagnostic-Code), and the original headers as
 * text/rfc822-headers (RFC 6522), never the original body.
 *
 * Never for the null sender (the caller checks `needsDsn`): a DSN is itself sent with MAIL FROM
 * <>, so two gateways can never bounce a DSN back and forth; and only ever to the envelope sender,
 * never to a header address (DESIGN.md).
 *
 * Trust: remote replies and the original headers are untrusted text. Replies are reduced to one
 * printable line before they become header fields (a CRLF in a reply must not add a field);
 * original headers go into their own MIME part with line endings normalised to CRLF.
 */
import type { Readable } from 'node:stream';
import { newQueueId } from '../core/queue-id.js';
import type { SpoolRecord } from '../spool/spool-store.js';
import { oneLine } from './smtp-transport.js';

/** Original header bytes quoted in a DSN; longer header sections are cut at a line boundary. */
export const MAX_DSN_HEADER_BYTES = 64 * 1024;

export interface FailedRecipient {
  readonly recipient: string;
  /** The remote reply or the local reason, one line. */
  readonly diagnostic: string;
  /** True when the recipient failed because the message expired in the queue. */
  readonly expired: boolean;
}

export interface DsnInput {
  /** Our host name (Reporting-MTA, From, Message-ID). */
  readonly reportingMta: string;
  readonly original: SpoolRecord;
  /** The original header section (prepended headers included), as read by readHeaderSection. */
  readonly originalHeaders: string;
  readonly failed: readonly FailedRecipient[];
  readonly now: number;
}

export interface BuiltDsn {
  readonly messageId: string;
  readonly bytes: Buffer;
}

export function needsDsn(record: SpoolRecord): boolean {
  return record.envelope.mailFrom !== '';
}

/** The RFC 3463 status of a failed recipient: from the reply's enhanced code when it has one. */
export function dsnStatus(failure: FailedRecipient): string {
  const enhanced = /(?:^|\s)([245]\.\d{1,3}\.\d{1,3})(?:\s|$)/.exec(failure.diagnostic)?.[1];
  if (enhanced && enhanced.startsWith('5')) return enhanced;
  if (failure.expired) return '4.4.7';
  return enhanced ?? '5.0.0';
}

export function buildDsn(input: DsnInput): BuiltDsn {
  const { original, reportingMta, failed, now } = input;
  const env = original.envelope;
  const boundary = `=_portcullis_dsn_${newQueueId()}`;
  const messageId = `<${newQueueId()}.dsn@${reportingMta}>`;
  const date = new Date(now).toUTCString().replace('GMT', '+0000');
  const expired = failed.some((f) => f.expired);

  const human = [
    `This is the mail system at ${reportingMta}.`,
    '',
    expired
      ? 'Your message could not be delivered to one or more recipients before it expired in the queue.'
      : 'Your message could not be delivered to one or more recipients. It was returned permanently.',
    '',
    ...failed.map((f) => `<${oneLine(f.recipient)}>: ${oneLine(f.diagnostic)}`),
    '',
    `Queue id: ${env.queueId}`,
  ];

  const perMessage = [
    `Reporting-MTA: dns; ${reportingMta}`,
    `X-Portcullis-Queue-ID: ${env.queueId}`,
    `Arrival-Date: ${new Date(env.receivedAt).toUTCString().replace('GMT', '+0000')}`,
  ];
  const perRecipient = failed.map((f) =>
    [
      `Final-Recipient: rfc822; ${oneLine(f.recipient)}`,
      'Action: failed',
      `Status: ${dsnStatus(f)}`,
      `Diagnostic-Code: smtp; ${oneLine(f.diagnostic) || 'no reply'}`,
    ].join('\r\n'),
  );

  const lines = [
    `From: Mail Delivery System <MAILER-DAEMON@${reportingMta}>`,
    `To: <${env.mailFrom}>`,
    `Subject: ${expired ? 'Delayed Mail Expired: Returned to Sender' : 'Undelivered Mail Returned to Sender'}`,
    `Date: ${date}`,
    `Message-ID: ${messageId}`,
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=delivery-status; boundary="${boundary}"`,
    '',
    'This is a MIME-encapsulated delivery status notification.',
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    ...human,
    '',
    `--${boundary}`,
    'Content-Type: message/delivery-status',
    '',
    perMessage.join('\r\n'),
    '',
    perRecipient.join('\r\n\r\n'),
    '',
    `--${boundary}`,
    'Content-Type: text/rfc822-headers',
    '',
    normaliseCrlf(input.originalHeaders).replace(/(\r\n)+$/, ''),
    '',
    `--${boundary}--`,
    '',
  ];
  return { messageId, bytes: Buffer.from(lines.join('\r\n'), 'utf8') };
}

/** Reads the header section of a message stream (up to the blank line), bounded, whole lines. */
export async function readHeaderSection(stream: Readable, maxBytes = MAX_DSN_HEADER_BYTES): Promise<string> {
  let head = Buffer.alloc(0);
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      head = Buffer.concat([head, chunk]);
      if (head.length >= maxBytes || /\r?\n\r?\n/.test(head.toString('latin1'))) break;
    }
  } finally {
    stream.destroy();
  }
  let text = head.subarray(0, maxBytes).toString('utf8');
  const end = text.search(/\r?\n\r?\n/);
  if (end >= 0) text = text.slice(0, end);
  else text = text.slice(0, Math.max(0, text.lastIndexOf('\n')));
  return text;
}

function normaliseCrlf(text: string): string {
  return text.replace(/\r\n|\r|\n/g, '\r\n');
}
