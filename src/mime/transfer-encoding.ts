/**
 * Content-Transfer-Encoding decoding (RFC 2045), lenient as the most lenient mail client, with
 * the output bounded by `maxOutput` (checked while decoding). base64 is in base64.ts; this file
 * holds quoted-printable and the dispatch on the declared encoding, including the uuencode
 * encodings some mailers declare (x-uuencode, x-uue, uuencode).
 */
import { decodeBase64, type Base64Decoded } from './base64.js';
import { BoundedOutput, type Decoded } from './bounded-output.js';
import { decodeUuencodeBody } from './uuencode.js';

/** The encodings the decoder knows; anything else is read as identity (and flagged by the parser). */
export type TransferEncoding = 'base64' | 'quoted-printable' | 'uuencode' | 'identity';

/** Normalises a declared Content-Transfer-Encoding value; `unknown` for values no client knows. */
export function classifyTransferEncoding(declared: string | undefined): TransferEncoding | 'unknown' {
  const value = declared?.trim().toLowerCase().replace(/^"|"$/g, '');
  if (value === undefined || value === '' || value === '7bit' || value === '8bit' || value === 'binary') return 'identity';
  if (value === 'base64') return 'base64';
  if (value === 'quoted-printable') return 'quoted-printable';
  if (value === 'x-uuencode' || value === 'x-uue' || value === 'uuencode' || value === 'uue') return 'uuencode';
  return 'unknown';
}

export interface TransferDecoded extends Decoded {
  /** base64 only: the reading of a decoder that stops at the first padding, when it differs. */
  readonly stopAtPadding?: number;
  /** base64 only: junk characters skipped. */
  readonly junk?: number;
}

export function decodeTransferEncoding(body: Buffer, encoding: TransferEncoding, maxOutput: number): TransferDecoded {
  switch (encoding) {
    case 'base64': {
      const r: Base64Decoded = decodeBase64(body, maxOutput);
      return r;
    }
    case 'quoted-printable':
      return decodeQuotedPrintable(body, maxOutput);
    case 'uuencode':
      return decodeUuencodeBody(body, maxOutput);
    case 'identity':
      return body.length > maxOutput ? { bytes: body.subarray(0, maxOutput), truncated: true } : { bytes: body, truncated: false };
  }
}

function hexValue(c: number | undefined): number {
  if (c === undefined) return -1;
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/**
 * Quoted-printable: `=XX` in either case, soft line breaks `=` + optional whitespace + CRLF, LF
 * or a bare CR (and `=` at the very end), and any other `=` kept literally with what follows, as
 * Thunderbird and Outlook show it. The output is never larger than the input.
 */
export function decodeQuotedPrintable(body: Uint8Array, maxOutput = Math.max(1, body.length)): Decoded {
  const out = new BoundedOutput(maxOutput, body.length);
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as number;
    if (c !== 0x3d) {
      if (!out.push(c)) break;
      continue;
    }
    const hi = hexValue(body[i + 1]);
    const lo = hexValue(body[i + 2]);
    if (hi >= 0 && lo >= 0) {
      if (!out.push(hi * 16 + lo)) break;
      i += 2;
      continue;
    }
    let j = i + 1;
    while (body[j] === 0x20 || body[j] === 0x09) j++;
    if (body[j] === 0x0d && body[j + 1] === 0x0a) {
      i = j + 1;
    } else if (body[j] === 0x0a || body[j] === 0x0d) {
      i = j;
    } else if (j >= body.length) {
      i = j;
    } else if (!out.push(c)) {
      break;
    }
  }
  return out.result();
}
