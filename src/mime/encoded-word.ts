/**
 * RFC 2047 encoded words (`=?utf-8?B?...?=`) in unstructured header values such as Subject.
 * Whitespace between adjacent encoded words is dropped, as the RFC says. Unknown charsets fall
 * back to UTF-8/latin1; a malformed word is left as written. Never throws.
 */
import { decodeCharset } from './charset.js';
import { decodeQuotedPrintable } from './transfer-encoding.js';

const ENCODED_WORD = /=\?([^?\s*]+)(?:\*[^?\s]*)?\?([bBqQ])\?([^?\s]*)\?=/g;

function decodeWord(charset: string, encoding: string, text: string): string {
  const bytes =
    encoding.toLowerCase() === 'b'
      ? Buffer.from(text, 'base64')
      : decodeQuotedPrintable(Buffer.from(text.replace(/_/g, ' '), 'latin1')).bytes;
  return decodeCharset(bytes, charset);
}

export function decodeEncodedWords(value: string): string {
  if (!value.includes('=?')) return value;
  let out = '';
  let last = 0;
  let previousWasWord = false;
  for (const m of value.matchAll(ENCODED_WORD)) {
    const index = m.index;
    const between = value.slice(last, index);
    if (!(previousWasWord && /^[ \t\r\n]*$/.test(between))) out += between;
    out += decodeWord(m[1] ?? '', m[2] ?? 'b', m[3] ?? '');
    last = index + m[0].length;
    previousWasWord = true;
  }
  return out + value.slice(last);
}
