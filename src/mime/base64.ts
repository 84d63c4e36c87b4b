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

/**
 * Fast path, for well-formed base64 (alphabet and line breaks, then at most two `=` and line
 * breaks: what every mailer sends). There Node's native decoder reads exactly what the lenient
 * loop below reads, so it decodes. Checking the form costs one pass of JavaScript over the bytes,
 * four at a time through a table of 16-bit pairs, which also counts the alphabet characters; the
 * native decoder then gets the body in slices of about CHUNK_BYTES cut where that count is a
 * multiple of 4 (a whole number of quanta), written straight into the output. That avoids a
 * latin1 copy of the whole body (34 MB for a 25 MB attachment, mostly page faults) and a regular
 * expression over it. Undefined when the input is not well-formed (the caller decodes leniently).
 */
const CHUNK_BYTES = 64 * 1024;
/** Per byte: 1 for an alphabet character, 0 for CR or LF, BAD for anything else. */
const BAD = 8;
const BYTE_CLASS = new Uint8Array(256).fill(BAD);
for (let i = 0; i < ALPHABET.length; i++) BYTE_CLASS[ALPHABET.charCodeAt(i)] = 1;
BYTE_CLASS[0x0d] = 0;
BYTE_CLASS[0x0a] = 0;
/** Per 16-bit pair (either byte order): the sum of its two bytes' classes (BAD or more when either is bad). */
const PAIR_CLASS = new Uint8Array(65536);
for (let i = 0; i < 65536; i++) PAIR_CLASS[i] = (BYTE_CLASS[i & 0xff] as number) + (BYTE_CLASS[i >> 8] as number);

function decodeWellFormed(input: Uint8Array): Buffer | undefined {
  // The padding and the line breaks after it: the native decoder stops at `=`, so they add nothing.
  let dataEnd = input.length;
  while (dataEnd > 0 && (input[dataEnd - 1] === 0x0d || input[dataEnd - 1] === 0x0a)) dataEnd--;
  for (let pads = 0; pads < 2 && dataEnd > 0 && input[dataEnd - 1] === PAD; pads++) dataEnd--;
  // Bytes up to the first 4-byte-aligned address and after the last whole word one at a time.
  const head = Math.min(dataEnd, (4 - (input.byteOffset % 4)) % 4);
  const wordCount = (dataEnd - head) >> 2;
  // With no whole word, head may have been cut short by dataEnd: no view at an unaligned address.
  const words = wordCount > 0 ? new Uint32Array(input.buffer, input.byteOffset + head, wordCount) : new Uint32Array(0);
  const wordsEnd = head + words.length * 4;
  if (!isPlainRange(input, 0, head) || !isPlainRange(input, wordsEnd, dataEnd)) return undefined;
  const source = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const out = Buffer.allocUnsafe(Math.floor((dataEnd * 3) / 4));
  let written = 0;
  let chunkStart = 0;
  let chars = 0;
  for (let i = 0; i < head; i++) chars += BYTE_CLASS[input[i] as number] as number;
  let w = 0;
  while (w < words.length) {
    // About CHUNK_BYTES of words, then on to the next whole quantum.
    const segmentEnd = Math.min(words.length, w + CHUNK_BYTES / 4);
    while (w < words.length && (w < segmentEnd || (chars & 3) !== 0)) {
      const word = words[w] as number;
      const pair = (PAIR_CLASS[word & 0xffff] as number) + (PAIR_CLASS[word >>> 16] as number);
      if (pair >= BAD) return undefined;
      chars += pair;
      w++;
    }
    if ((chars & 3) === 0) {
      const end = head + w * 4;
      written += out.write(source.toString('latin1', chunkStart, end), written, 'base64');
      chunkStart = end;
    }
  }
  if (chunkStart < dataEnd) written += out.write(source.toString('latin1', chunkStart, dataEnd), written, 'base64');
  return out.subarray(0, written);
}

/** Whether input[from, to) holds only alphabet characters and line breaks. */
function isPlainRange(input: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (BYTE_CLASS[input[i] as number] === BAD) return false;
  return true;
}

export function decodeBase64(input: Uint8Array, maxOutput: number): Base64Decoded {
  // The output of well-formed input this short cannot pass the limit, so nothing is decoded beyond it.
  if (Math.floor((input.length * 3) / 4) <= maxOutput) {
    const bytes = decodeWellFormed(input);
    if (bytes) return { bytes, truncated: false, junk: 0 };
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
