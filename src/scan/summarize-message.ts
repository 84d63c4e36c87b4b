/**
 * The part of the tracking summary (observe/tracking-event.ts MessageSummary) that comes from the
 * message itself: Message-ID, Subject, From and the attachment list. Computed in the sandbox,
 * sent to the main process as plain data. Values are truncated: tracking needs enough to hunt
 * with, not whole headers an attacker made a megabyte long.
 */
import type { ParsedMessage } from '../core/parsed-message.js';
import type { MessageSummary } from '../observe/tracking-event.js';
import { decodeEncodedWords } from '../mime/encoded-word.js';
import { firstHeader } from '../mime/header-section.js';

export type MessageSummaryPart = Pick<MessageSummary, 'messageId' | 'subject' | 'fromHeader'> & {
  readonly attachments: NonNullable<MessageSummary['attachments']>;
};

/** Longest header value kept in tracking (RFC 5322's line limit). */
export const MAX_SUMMARY_VALUE_CHARS = 998;

function bounded(value: string | undefined): string | undefined {
  return value === undefined ? undefined : value.slice(0, MAX_SUMMARY_VALUE_CHARS);
}

export function summarizeMessage(message: ParsedMessage): MessageSummaryPart {
  const messageId = bounded(firstHeader(message.headers, 'message-id'));
  const subjectRaw = firstHeader(message.headers, 'subject');
  const subject = bounded(subjectRaw === undefined ? undefined : decodeEncodedWords(subjectRaw));
  const fromRaw = firstHeader(message.headers, 'from');
  const fromHeader = bounded(fromRaw === undefined ? undefined : decodeEncodedWords(fromRaw));
  return {
    ...(messageId !== undefined ? { messageId } : {}),
    ...(subject !== undefined ? { subject } : {}),
    ...(fromHeader !== undefined ? { fromHeader } : {}),
    attachments: message.attachments.map((a) => ({
      ...(a.declaredName !== undefined ? { name: bounded(a.declaredName) as string } : {}),
      type: a.declaredType,
      sha256: a.sha256,
      size: a.size,
    })),
  };
}

/** The summary when the message could not be read at all (sandbox killed, overload). */
export const EMPTY_SUMMARY: MessageSummaryPart = { attachments: [] };
