/**
 * Spam heuristics: habits of bulk-mail software that legitimate mailers rarely share, each a
 * separate fact with its own id (scores in policy/scores.ts stay below the tag threshold alone,
 * so it takes Bayes or several habits together to act):
 *
 * - SPAM_HTML_HIDDEN_TEXT: HTML text a reader cannot see (display:none, visibility:hidden, font
 *   size 0 or 1, white on the default background), in quantity: text put there for filters, not
 *   people. A short hidden preheader (newsletters use one) does not count.
 * - SPAM_HTML_ONLY: HTML with no plain-text alternative.
 * - SPAM_FORGED_OUTLOOK_MESSAGE_ID: a Message-ID in Outlook's `<12 hex$8 hex$8 hex@` form whose
 *   first field is not a plausible Windows FILETIME (real ones carry 01c./01d. there): spamware
 *   imitating Outlook. SPAM_FORGED_OUTLOOK_HTML: an X-Mailer claiming Outlook (not Express) on
 *   HTML-only mail, which Outlook never sends.
 * - SPAM_DATE_FUTURE: the Date header far ahead of the time the topmost Received header says
 *   the message arrived (the envelope's time when there is none). Measured against the arrival,
 *   not the clock, so an old message scanned offline is judged as when it came. (A Date far in
 *   the past and a missing To were measured too: ham has them as often as spam, so they are not
 *   reported.)
 * - SPAM_SUBJECT_ALL_CAPS, SPAM_SUBJECT_PUNCTUATION (!!!, $$$, ???), SPAM_SUBJECT_ENCODED_ASCII
 *   (a Subject encoded as RFC 2047 words that decode to plain ASCII: nothing needed encoding
 *   except to hide the words from filters).
 * - SPAM_BASE64_TEXT: a text part sent as base64 though declared ASCII (or no charset).
 *
 * Reads only the parsed message; inbound only; never throws because of content.
 */
import type { Analyzer } from '../analyzer.js';
import { finding, type Finding } from '../../core/finding.js';
import type { MessagePart, ParsedMessage } from '../../core/parsed-message.js';
import { decodeEncodedWords } from '../../mime/encoded-word.js';
import { firstHeader } from '../../mime/header-section.js';
import { htmlTextsOf } from '../bayes/html-text.js';

/** Hidden characters from which hidden HTML text is padding, not a preheader. */
export const HIDDEN_TEXT_MIN_CHARS = 200;
const HOUR_MS = 3600 * 1000;
/** How far ahead of its arrival a Date may be (clock skew, time zones written wrong). */
export const DATE_FUTURE_MS = 12 * HOUR_MS;
const OUTLOOK_MESSAGE_ID = /^\s*<([0-9a-f]{12})\$[0-9a-f]{8}\$[0-9a-f]{8}\$?@/i;
const FILETIME_PLAUSIBLE = /^[0-9a-f]{4}01[c-e]/i;
const MAX_PARTS_CHECKED = 50;

function hiddenText(message: ParsedMessage): Finding[] {
  for (const html of htmlTextsOf(message)) {
    if (html.hiddenChars >= HIDDEN_TEXT_MIN_CHARS && html.hiddenChars * 4 >= html.visibleChars) {
      return [finding('SPAM_HTML_HIDDEN_TEXT', `${html.hiddenChars} characters of hidden HTML text beside ${html.visibleChars} visible`)];
    }
  }
  return [];
}

function htmlOnlyAndOutlook(message: ParsedMessage): Finding[] {
  const out: Finding[] = [];
  const htmlOnly = message.htmlBodies.length > 0 && message.textBodies.every((t) => t.trim() === '');
  if (htmlOnly) out.push(finding('SPAM_HTML_ONLY', 'HTML body with no plain-text alternative'));
  const mailer = firstHeader(message.headers, 'x-mailer') ?? '';
  if (htmlOnly && /microsoft outlook(?! express)/i.test(mailer)) {
    out.push(finding('SPAM_FORGED_OUTLOOK_HTML', 'X-Mailer claims Microsoft Outlook, which always sends a plain-text part, on HTML-only mail'));
  }
  const messageId = firstHeader(message.headers, 'message-id');
  const outlookId = messageId === undefined ? undefined : OUTLOOK_MESSAGE_ID.exec(messageId);
  if (outlookId && !FILETIME_PLAUSIBLE.test(outlookId[1] ?? '')) {
    out.push(finding('SPAM_FORGED_OUTLOOK_MESSAGE_ID', 'Message-ID imitates Outlook\'s form without a plausible timestamp'));
  }
  return out;
}

/** When the message arrived: the date of the topmost Received header, else the envelope's time. */
function arrival(message: ParsedMessage, receivedAt: number): number | undefined {
  const received = firstHeader(message.headers, 'received');
  if (received !== undefined) {
    const semicolon = received.lastIndexOf(';');
    const at = semicolon >= 0 ? Date.parse(received.slice(semicolon + 1).trim()) : NaN;
    if (Number.isFinite(at)) return at;
  }
  return receivedAt > 0 ? receivedAt : undefined;
}

function dateOffset(message: ParsedMessage, receivedAt: number): Finding[] {
  const date = firstHeader(message.headers, 'date');
  const sent = date === undefined ? NaN : Date.parse(date.trim());
  const arrived = arrival(message, receivedAt);
  if (!Number.isFinite(sent) || arrived === undefined) return [];
  const hours = Math.round((sent - arrived) / HOUR_MS);
  return sent - arrived > DATE_FUTURE_MS ? [finding('SPAM_DATE_FUTURE', `Date is ${hours} hours after the message arrived`)] : [];
}

function subjectTricks(message: ParsedMessage): Finding[] {
  const raw = firstHeader(message.headers, 'subject');
  if (raw === undefined) return [];
  const subject = decodeEncodedWords(raw);
  const out: Finding[] = [];
  const letters = subject.replace(/[^\p{L}]/gu, '');
  if (letters.length >= 10 && subject.split(/\s+/).filter(Boolean).length >= 3 && letters === letters.toUpperCase() && letters !== letters.toLowerCase()) {
    out.push(finding('SPAM_SUBJECT_ALL_CAPS', 'Subject is all capitals'));
  }
  if (/[!?$]{3,}|(?:!.*){3,}/.test(subject)) out.push(finding('SPAM_SUBJECT_PUNCTUATION', 'Subject has runs of ! ? or $'));
  if (raw.includes('=?') && subject !== raw && /^[\x20-\x7e]*$/.test(subject) && /[a-z]{3}/i.test(subject)) {
    out.push(finding('SPAM_SUBJECT_ENCODED_ASCII', 'Subject is RFC 2047-encoded though it is plain ASCII'));
  }
  return out;
}

function base64Text(message: ParsedMessage): Finding[] {
  let checked = 0;
  const walk = (part: MessagePart): boolean => {
    if (checked++ > MAX_PARTS_CHECKED) return false;
    if (part.children.length > 0) return part.children.some(walk);
    if (!part.contentType.startsWith('text/')) return false;
    const cte = part.headers.get('content-transfer-encoding')?.[0]?.value.trim().toLowerCase();
    if (cte !== 'base64') return false;
    const charset = /charset\s*=\s*"?([\w.:-]+)/i.exec(part.headers.get('content-type')?.[0]?.value ?? '')?.[1]?.toLowerCase();
    return charset === undefined || charset === 'us-ascii';
  };
  return walk(message.root) ? [finding('SPAM_BASE64_TEXT', 'a text part is base64-encoded though declared ASCII')] : [];
}

export const spamHeuristics: Analyzer = {
  name: 'spam-heuristics',
  directions: ['inbound'],
  dependsOn: [],
  async analyze(ctx) {
    const { message } = ctx;
    return [
      ...hiddenText(message),
      ...htmlOnlyAndOutlook(message),
      ...dateOffset(message, ctx.envelope.receivedAt),
      ...subjectTricks(message),
      ...base64Text(message),
    ];
  },
};
