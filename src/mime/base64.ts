/**
 * Base64 (RFC 2045 6.8) decoded as leniently as the most lenient mail client: any line length,
 * whitespace and junk characters skipped, missing padding completed, extra padding ignored, and
 * data after padding decoded too (a padded quantum ends, the next one starts fresh, as when two
 * base64 bodies were concatenated). Clients that stop at the first padding read less: that
 * reading is reported as `stopAtPadding` so the caller can scan both (an attacker must not hide
 * a payload behind a `=`). Never throws; output bounded by `maxOutput`, checked while decoding.
 */
import { BoundedOutput, type Decoded } from './bounded-output.js';

export interface Base64Decoded extends Decoded {
  /** Characters skipped that are neither alphabet, padding nor whitespace. */
  readonly junk: number;
  /**
   * Bytes decoded before the first padding, when base64 data follows that padding: what a
   * decoder that stops at `=` reads. Absent when there is no data after padding.
   */
  readonly stopAtPadding?: number;
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const VALUE = new Int8Array(256).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) VALUE[ALPHABET.charCodeAt(i)] = i;
const PAD = 0x3d;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;
}

/** Well-formed base64: alphabet and line breaks, padding only at the end. */
const WELL_FORMED = /^[A-Za-z0-9+/\r\n]*(?:={1,2}[\r\n]*)?$/;

export function decodeBase64(input: Uint8Array, maxOutput: number): Base64Decoded {
  // Fast path for the common case: Node's native decoder is exact on well-formed input, and the
  // output of an input this short cannot pass the limit (so nothing is decoded beyond it).
  if (Math.floor((input.length * 3) / 4) <= maxOutput) {
    const text = Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('latin1');
    if (WELL_FORMED.test(text)) return { bytes: Buffer.from(text, 'base64'), truncated: false, junk: 0 };
  }
  const out = new BoundedOutput(maxOutput, Math.ceil((input.length * 3) / 4));
  let acc = 0;
  let n = 0;
  let junk = 0;
  let firstPad = -1;
  let afterPad = false;
  // Flushes a partial quantum: 2 characters carry one byte, 3 carry two; 1 carries none.
  const flush = (): boolean => {
    let ok = true;
    if (n === 2) ok = out.push((acc >> 4) & 0xff);
    else if (n === 3) ok = out.push((acc >> 10) & 0xff) && out.push((acc >> 2) & 0xff);
    n = 0;
    acc = 0;
    return ok;
  };
  for (let i = 0; i < input.length; i++) {
    const c = input[i] as number;
    const v = VALUE[c] as number;
    if (v >= 0) {
      if (firstPad >= 0) afterPad = true;
      acc = (acc << 6) | v;
      if (++n === 4) {
        if (!(out.push((acc >> 16) & 0xff) && out.push((acc >> 8) & 0xff) && out.push(acc & 0xff))) break;
        n = 0;
        acc = 0;
      }
    } else if (c === PAD) {
      if (n > 0 && !flush()) break;
      if (firstPad < 0) firstPad = out.size;
    } else if (!isSpace(c)) {
      junk++;
    }
  }
  if (!out.truncated) flush();
  const { bytes, truncated } = out.result();
  return { bytes, truncated, junk, ...(afterPad && firstPad >= 0 && firstPad < bytes.length ? { stopAtPadding: firstPad } : {}) };
}

/**
 * Whether a body is plausibly base64 and nothing else: at least `minChars` alphabet characters,
 * only alphabet, padding and whitespace, padding only at the end. Used to decide that a part
 * declared otherwise deserves a base64 reading too.
 */
export function looksLikeBase64(input: Uint8Array, minChars = 16): boolean {
  let chars = 0;
  let padded = false;
  let lines = 0;
  for (let i = 0; i < input.length; i++) {
    const c = input[i] as number;
    if ((VALUE[c] as number) >= 0) {
      if (padded) return false;
      chars++;
    } else if (c === PAD) {
      padded = true;
    } else if (c === 0x0a) {
      lines++;
    } else if (!isSpace(c)) {
      return false;
    }
  }
  // A single short word is text, not base64; real base64 is long or spans lines of 60-76.
  return chars >= minChars && (lines > 0 || chars >= 40);
}
