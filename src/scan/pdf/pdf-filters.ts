/**
 * The PDF stream filters the content scanner needs to see inside object streams and embedded
 * files: FlateDecode (node:zlib), ASCIIHexDecode and ASCII85Decode. Other filters (LZW,
 * RunLength, image codecs) are reported as unsupported, never guessed at.
 *
 * Trusts nothing: every decoder writes at most `maxBytes` and reports `limit` when the data
 * would give more (zlib's `maxOutputLength` for Flate, a bounded buffer for the others).
 * Truncated Flate data yields what could be inflated, as readers do. Never throws.
 */
import { constants, inflateRawSync, inflateSync } from 'node:zlib';
import { isOutputLimit } from '../office/ooxml-zip.js';

export type FilterResult =
  | { readonly status: 'ok'; readonly bytes: Uint8Array }
  | { readonly status: 'limit' | 'corrupt' | 'unsupported' };

/** Applies `filters` in order (PDF order: the first filter is undone first). */
export function decodeStream(data: Uint8Array, filters: readonly string[], maxBytes: number): FilterResult {
  let bytes = data;
  for (const filter of filters) {
    const result = decodeOne(bytes, filter, maxBytes);
    if (result.status !== 'ok') return result;
    bytes = result.bytes;
  }
  return { status: 'ok', bytes };
}

function decodeOne(data: Uint8Array, filter: string, maxBytes: number): FilterResult {
  switch (filter) {
    case 'FlateDecode':
    case 'Fl':
      return inflate(data, maxBytes);
    case 'ASCIIHexDecode':
    case 'AHx':
      return asciiHex(data, maxBytes);
    case 'ASCII85Decode':
    case 'A85':
      return ascii85(data, maxBytes);
    default:
      return { status: 'unsupported' };
  }
}

function inflate(data: Uint8Array, maxBytes: number): FilterResult {
  const options = { maxOutputLength: maxBytes, finishFlush: constants.Z_SYNC_FLUSH };
  for (const run of [inflateSync, inflateRawSync]) {
    try {
      return { status: 'ok', bytes: run(data, options) };
    } catch (err) {
      if (isOutputLimit(err)) return { status: 'limit' };
    }
  }
  return { status: 'corrupt' };
}

function asciiHex(data: Uint8Array, maxBytes: number): FilterResult {
  const out = new Uint8Array(Math.min(maxBytes, Math.ceil(data.length / 2)));
  let length = 0;
  let high = -1;
  for (const c of data) {
    if (c === 0x3e /* > */) break;
    const v = c >= 0x30 && c <= 0x39 ? c - 0x30 : (c | 0x20) >= 0x61 && (c | 0x20) <= 0x66 ? (c | 0x20) - 0x57 : -1;
    if (v < 0) continue;
    if (high < 0) {
      high = v;
      continue;
    }
    if (length >= maxBytes) return { status: 'limit' };
    out[length++] = (high << 4) | v;
    high = -1;
  }
  if (high >= 0) {
    if (length >= maxBytes) return { status: 'limit' };
    out[length++] = high << 4;
  }
  return { status: 'ok', bytes: out.subarray(0, length) };
}

function ascii85(data: Uint8Array, maxBytes: number): FilterResult {
  // 'z' expands one byte into four, so the output can be 4x the input; the cap is checked per byte.
  const out = new Uint8Array(Math.min(maxBytes, data.length * 4));
  let length = 0;
  const group: number[] = [];
  const push = (count: number): boolean => {
    let value = 0;
    for (let i = 0; i < 5; i++) value = value * 85 + (group[i] ?? 84);
    for (let i = 0; i < count; i++) {
      if (length >= maxBytes) return false;
      out[length++] = (value >>> (24 - 8 * i)) & 0xff;
    }
    group.length = 0;
    return true;
  };
  let start = 0;
  if (data[0] === 0x3c && data[1] === 0x7e) start = 2;
  for (let i = start; i < data.length; i++) {
    const c = data[i] as number;
    if (c === 0x7e /* ~ */) break;
    if (c === 0x7a /* z */ && group.length === 0) {
      for (let k = 0; k < 4; k++) {
        if (length >= maxBytes) return { status: 'limit' };
        out[length++] = 0;
      }
      continue;
    }
    if (c < 0x21 || c > 0x75) continue;
    group.push(c - 0x21);
    if (group.length === 5 && !push(4)) return { status: 'limit' };
  }
  if (group.length > 1 && !push(group.length - 1)) return { status: 'limit' };
  return { status: 'ok', bytes: out.subarray(0, length) };
}
