/**
 * The part of the tracking summary (observe/tracking-event.ts MessageSummary) that comes from the
 * message itself: Message-ID, Subject, From and the list of files (DESIGN.md invariant 9). Computed
 * in the sandbox after the analyzers ran, sent to the main process as plain data: names, declared
 * and detected types, sha256, size and where each file sat (the container chain of archive
 * members, TNEF and embedded files), never content. Values and the list are truncated: tracking
 * needs enough to hunt with, not whatever an attacker made a megabyte long.
 */
import type { ScanFacts } from './analyzer.js';
import type { ParsedMessage } from '../core/parsed-message.js';
import type { MessageSummary } from '../observe/tracking-event.js';
import { decodeEncodedWords } from '../mime/encoded-word.js';
import { firstHeader } from '../mime/header-section.js';

export type MessageSummaryPart = Pick<MessageSummary, 'messageId' | 'subject' | 'fromHeader' | 'authenticationResults' | 'urls'> & {
  readonly attachments: NonNullable<MessageSummary['attachments']>;
};

/** Longest header value kept in tracking (RFC 5322's line limit). */
export const MAX_SUMMARY_VALUE_CHARS = 998;
/** Most URLs kept per message for a hunt (the first found: bodies' links come before script and document URLs). */
export const MAX_SUMMARY_URLS = 200;
/** Longest URL kept in tracking; a longer one is cut (its host, the hunt key, is at the start). */
export const MAX_SUMMARY_URL_CHARS = 1024;
/** Most files listed per message: attachments first, then extracted members in the order found. */
export const MAX_SUMMARY_FILES = 1000;

function bounded(value: string | undefined): string | undefined {
  return value === undefined ? undefined : value.slice(0, MAX_SUMMARY_VALUE_CHARS);
}

/**
 * `facts` (after the analyzers) lists attachments and every extracted member; without it (the
 * parser alone) the attachments of the message are listed.
 */
export function summarizeMessage(message: ParsedMessage, facts?: ScanFacts): MessageSummaryPart {
  const messageId = bounded(firstHeader(message.headers, 'message-id'));
  const subjectRaw = firstHeader(message.headers, 'subject');
  const subject = bounded(subjectRaw === undefined ? undefined : decodeEncodedWords(subjectRaw));
  const fromRaw = firstHeader(message.headers, 'from');
  const fromHeader = bounded(fromRaw === undefined ? undefined : decodeEncodedWords(fromRaw));
  const files = facts
    ? facts.files.map((f) => ({
        ...(f.name !== undefined ? { name: bounded(f.name) as string } : {}),
        ...(f.declaredType !== undefined ? { type: f.declaredType } : {}),
        ...(f.detectedType !== undefined ? { detectedType: f.detectedType.mime } : {}),
        sha256: f.sha256,
        size: f.content.length,
        ...(f.container.length > 0 ? { container: f.container.map((c) => bounded(c) as string) } : {}),
      }))
    : message.attachments.map((a) => ({
        ...(a.declaredName !== undefined ? { name: bounded(a.declaredName) as string } : {}),
        type: a.declaredType,
        sha256: a.sha256,
        size: a.size,
      }));
  return {
    ...(messageId !== undefined ? { messageId } : {}),
    ...(subject !== undefined ? { subject } : {}),
    ...(fromHeader !== undefined ? { fromHeader } : {}),
    ...(facts?.authenticationResults !== undefined ? { authenticationResults: facts.authenticationResults } : {}),
    attachments: files.slice(0, MAX_SUMMARY_FILES),
    ...(facts !== undefined && facts.urls.length > 0 ? { urls: facts.urls.slice(0, MAX_SUMMARY_URLS).map((u) => u.slice(0, MAX_SUMMARY_URL_CHARS)) } : {}),
  };
}

/** The summary when the message could not be read at all (sandbox killed, overload). */
export const EMPTY_SUMMARY: MessageSummaryPart = { attachments: [] };
