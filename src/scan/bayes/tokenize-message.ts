/**
 * The Bayes tokenizer: a parsed message in, the set of its distinct tokens out. The same
 * function serves training and scanning, so a model only ever sees tokens made this way.
 *
 * Tokens (a prefix says where each came from, so "free" in a Subject and in a body differ):
 * - which header fields are present (`header:`), X-Priority (`priority:`), each part's
 *   Content-Transfer-Encoding (`encoding:`);
 * - selected headers: Subject words (`subject:`), the From address, domain and display-name
 *   words (`from:`), the Reply-To domain (`reply-to:`), the Message-ID domain (`message-id:`),
 *   the mailer (`x-mailer:`), the hosts in Received (`received:`, registered domains only), the
 *   content types and charsets of the parts (`content-type:`, `charset:`);
 * - words of the decoded text bodies and of the visible text of the HTML bodies (no prefix);
 *   hidden HTML text is one token (`html:hidden-text`), its words are not kept (they are there
 *   to poison filters);
 * - URLs from text and HTML: the host and each parent domain (`url:`), and path pieces
 *   (`url-path:`);
 * - pairs of adjacent Subject words (`subject2:`), and an extra `caps:` token for a word written
 *   in capitals (4 letters or more), which lower-casing would otherwise erase;
 * - the message's shape (`shape:`, `agree:`): Received count, URL count, text and visible HTML
 *   amounts and markup per visible character (powers of two), images, attachments, and whether
 *   the Reply-To, Return-Path, Sender and Message-ID domains are From's.
 * Words are lower-cased, 3 to MAX_WORD_CHARS characters; a longer run becomes a `long:` token
 * naming its first characters and its length class, as SpamBayes does with "skip" tokens.
 *
 * Bounded: at most MAX_TOKENS_PER_MESSAGE distinct tokens and MAX_TEXT_CHARS of body text per
 * message, whatever the message holds. Pure: no I/O.
 */
import type { ParsedMessage } from '../../core/parsed-message.js';
import { decodeEncodedWords } from '../../mime/encoded-word.js';
import { parseMailboxList } from '../../mime/mailbox-list.js';
import { htmlTextsOf } from './html-text.js';

/** Most distinct tokens kept per message. */
export const MAX_TOKENS_PER_MESSAGE = 3000;
/** Most characters of body text tokenized per message. */
export const MAX_TEXT_CHARS = 200_000;
/** Longest word kept as itself. */
export const MAX_WORD_CHARS = 20;
const MIN_WORD_CHARS = 3;
const MAX_URLS = 100;
const MAX_RECEIVED = 4;
const MAX_HEADER_NAMES = 60;

const WORD = /[\p{L}\p{N}$€£][\p{L}\p{N}$€£'’%.,_-]*/gu;
const URL_IN_TEXT = /\b(?:https?:\/\/|www\.)[^\s<>"'`)\]}]{2,500}/gi;
const RECEIVED_HOST = /\b(?:from|by)\s+([a-z0-9.-]+\.[a-z]{2,})/gi;
const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;
const ALL_CAPS = /^[A-Z$]+$/;
const IMG_TAG = /<img\b/gi;
const MAX_SUBJECT_PAIRS = 20;
const ANGLE_ADDRESS = /<([^<>]*)>/;
const MESSAGE_ID_DOMAIN = /@([^>\s]+)>?\s*$/;

class TokenSet {
  readonly tokens = new Set<string>();
  add(token: string): void {
    if (this.tokens.size < MAX_TOKENS_PER_MESSAGE) this.tokens.add(token);
  }
  get full(): boolean {
    return this.tokens.size >= MAX_TOKENS_PER_MESSAGE;
  }
}

/** What is stripped from the end of a word: . , ' ’ _ - (punctuation, not part of the word). */
function isTrailingPunctuation(code: number): boolean {
  return code === 0x2e || code === 0x2c || code === 0x27 || code === 0x2019 || code === 0x5f || code === 0x2d;
}

/** `word` without trailing punctuation, by a loop: a regular expression per word was a tenth of tokenizing. */
function trimTrailingPunctuation(word: string): string {
  let end = word.length;
  while (end > 0 && isTrailingPunctuation(word.charCodeAt(end - 1))) end--;
  return end === word.length ? word : word.slice(0, end);
}

function addWords(set: TokenSet, text: string, prefix: string): void {
  for (const m of text.matchAll(WORD)) {
    if (set.full) return;
    const word = trimTrailingPunctuation(m[0]);
    if (word.length < MIN_WORD_CHARS) continue;
    const lower = word.toLowerCase();
    // Shouting is a habit of spam that lower-casing would erase: kept as a second token.
    if (word.length >= 4 && ALL_CAPS.test(word)) set.add(`${prefix}caps:${lower}`);
    if (word.length > MAX_WORD_CHARS) set.add(`${prefix}long:${lower.slice(0, 3)}:${Math.min(10, Math.floor(word.length / 10))}`);
    else set.add(prefix + lower);
  }
}

/** The last two labels of a host name (three when the second-level label is short, as in co.uk). */
export function registeredDomain(host: string): string {
  const labels = host.toLowerCase().replace(/\.$/, '').split('.');
  if (labels.length <= 2) return labels.join('.');
  const second = labels[labels.length - 2] ?? '';
  const keep = second.length <= 3 && (labels[labels.length - 1] ?? '').length === 2 ? 3 : 2;
  return labels.slice(-keep).join('.');
}

function addUrl(set: TokenSet, url: string): void {
  const m = /^(?:https?:)?\/\/([^/?#\s]+)([^?#\s]*)/i.exec(url) ?? /^(www\.[^/?#\s]+)([^?#\s]*)/i.exec(url);
  if (!m) return;
  const host = (m[1] ?? '').replace(/^[^@]*@/, '').replace(/:\d+$/, '').toLowerCase();
  if (IPV4.test(host)) set.add('url:ip-literal');
  else {
    const labels = host.split('.');
    for (let i = Math.max(0, labels.length - 4); i < labels.length - 1; i++) set.add(`url:${labels.slice(i).join('.')}`);
  }
  for (const piece of (m[2] ?? '').split(/[/._=&-]+/)) {
    if (piece.length >= 2 && piece.length <= MAX_WORD_CHARS) set.add(`url-path:${piece.toLowerCase()}`);
  }
}

function headerValues(message: ParsedMessage, name: string): readonly string[] {
  return (message.headers.get(name) ?? []).map((f) => f.value);
}

/** A number's order of magnitude class, for tokens that describe a message's shape. */
function bucket(n: number): number {
  return n <= 0 ? 0 : Math.min(12, Math.floor(Math.log2(n + 1)));
}

/** The registered domain of the first address in an address header (Return-Path's bare <a@b> too). */
function domainOf(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const address = parseMailboxList(decodeEncodedWords(value))?.[0]?.address.toLowerCase() ?? ANGLE_ADDRESS.exec(value)?.[1]?.toLowerCase();
  const at = address?.lastIndexOf('@') ?? -1;
  return address !== undefined && at >= 0 ? registeredDomain(address.slice(at + 1)) : undefined;
}

function messageIdDomain(message: ParsedMessage): string | undefined {
  const messageId = headerValues(message, 'message-id')[0];
  const domain = messageId === undefined ? undefined : MESSAGE_ID_DOMAIN.exec(messageId)?.[1];
  return domain === undefined ? undefined : registeredDomain(domain);
}

function addHeaderTokens(set: TokenSet, message: ParsedMessage): void {
  // Which headers a message has says much about the software that wrote it.
  for (const name of [...message.headers.keys()].slice(0, MAX_HEADER_NAMES)) set.add(`header:${name.slice(0, MAX_WORD_CHARS)}`);
  for (const priority of [...headerValues(message, 'x-priority'), ...headerValues(message, 'x-msmail-priority')]) set.add(`priority:${priority.trim().toLowerCase().slice(0, MAX_WORD_CHARS)}`);
  for (const subject of headerValues(message, 'subject')) {
    addWords(set, decodeEncodedWords(subject), 'subject:');
    const words = [...decodeEncodedWords(subject).toLowerCase().matchAll(WORD)]
      .map((m) => trimTrailingPunctuation(m[0]))
      .filter((w) => w.length > 0 && w.length <= MAX_WORD_CHARS);
    for (let i = 1; i < words.length && i < MAX_SUBJECT_PAIRS; i++) set.add(`subject2:${words[i - 1]} ${words[i]}`);
  }
  for (const from of headerValues(message, 'from')) {
    const decoded = decodeEncodedWords(from);
    const mailbox = parseMailboxList(decoded)?.[0];
    if (mailbox) {
      const address = mailbox.address.toLowerCase();
      set.add(`from:${address}`);
      const at = address.lastIndexOf('@');
      if (at >= 0) set.add(`from:@${registeredDomain(address.slice(at + 1))}`);
      if (mailbox.name !== undefined) addWords(set, mailbox.name, 'from-name:');
      else set.add('from:no-name');
    } else set.add('from:malformed');
  }
  for (const replyTo of headerValues(message, 'reply-to')) {
    const domain = domainOf(replyTo);
    if (domain !== undefined) set.add(`reply-to:@${domain}`);
  }
  const midDomain = messageIdDomain(message);
  set.add(midDomain === undefined ? 'message-id:none' : `message-id:@${midDomain}`);
  for (const mailer of [...headerValues(message, 'x-mailer'), ...headerValues(message, 'user-agent')]) addWords(set, mailer, 'x-mailer:');
  for (const received of headerValues(message, 'received').slice(0, MAX_RECEIVED)) {
    for (const m of received.matchAll(RECEIVED_HOST)) set.add(`received:${registeredDomain(m[1] ?? '')}`);
  }
  const walk = (part: ParsedMessage['root'], depth: number): void => {
    set.add(`content-type:${part.contentType}`);
    const encoding = part.headers.get('content-transfer-encoding')?.[0]?.value.trim().toLowerCase();
    if (encoding !== undefined) set.add(`encoding:${encoding.slice(0, MAX_WORD_CHARS)}`);
    const charset = /charset\s*=\s*"?([\w.:-]+)/i.exec(part.headers.get('content-type')?.[0]?.value ?? '')?.[1];
    if (charset !== undefined) set.add(`charset:${charset.toLowerCase()}`);
    if (depth < 4) for (const child of part.children.slice(0, 20)) walk(child, depth + 1);
  };
  walk(message.root, 0);
}

/**
 * Tokens for the message's shape rather than its words: relay count, URL count, whether the
 * Reply-To, Return-Path, Sender and Message-ID domains agree with From, the amount of text, how
 * much markup there is per visible character, images, attachments. Measured with eval:cv: they
 * pull old bulk mail whose words look like ham's out of the unsure band.
 */
function addShapeTokens(set: TokenSet, message: ParsedMessage, urlCount: number): void {
  set.add(`shape:received:${Math.min(8, headerValues(message, 'received').length)}`);
  set.add(`shape:urls:${bucket(urlCount)}`);
  const from = domainOf(headerValues(message, 'from')[0]);
  if (from !== undefined) {
    for (const name of ['reply-to', 'return-path', 'sender']) {
      const other = domainOf(headerValues(message, name)[0]);
      if (other !== undefined) set.add(`agree:${name}:${other === from ? 'same' : 'other'}`);
    }
    const mid = messageIdDomain(message);
    if (mid !== undefined) set.add(`agree:message-id:${mid === from ? 'same' : 'other'}`);
  }
  const textChars = message.textBodies.reduce((n, t) => n + t.length, 0);
  set.add(`shape:text:${bucket(textChars)}`);
  const markup = message.htmlBodies.reduce((n, h) => n + h.length, 0);
  if (markup > 0) {
    const visible = htmlTextsOf(message).reduce((n, h) => n + h.visibleChars, 0);
    set.add(`shape:html-visible:${bucket(visible)}`);
    set.add(`shape:html-ratio:${Math.min(10, Math.round(markup / Math.max(1, visible)))}`);
    const images = message.htmlBodies.reduce((n, h) => n + (h.match(IMG_TAG)?.length ?? 0), 0);
    set.add(`shape:images:${bucket(images)}`);
  }
  set.add(`shape:attachments:${Math.min(5, message.attachments.length)}`);
}

export function tokenizeMessage(message: ParsedMessage): ReadonlySet<string> {
  const set = new TokenSet();
  addHeaderTokens(set, message);
  let budget = MAX_TEXT_CHARS;
  let urls = 0;
  const addUrls = (text: string): void => {
    for (const m of text.matchAll(URL_IN_TEXT)) {
      if (urls++ >= MAX_URLS) return;
      addUrl(set, m[0]);
    }
  };
  for (const body of message.textBodies) {
    const text = body.slice(0, budget);
    budget -= text.length;
    addWords(set, text, '');
    addUrls(text);
  }
  for (const html of htmlTextsOf(message)) {
    const text = html.text.slice(0, Math.max(0, budget));
    budget -= text.length;
    addWords(set, text, '');
    for (const url of html.urls) if (urls++ < MAX_URLS) addUrl(set, url);
    if (html.hiddenChars > 0) set.add('html:hidden-text');
  }
  if (message.textBodies.length === 0 && message.htmlBodies.length > 0) set.add('body:html-only');
  addShapeTokens(set, message, urls);
  return set.tokens;
}
