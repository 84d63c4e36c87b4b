/**
 * BinHex 4.0 (RFC 1741): the Macintosh encoding some mailers still send, and a way to hide a file
 * from scanners that do not read it. Six-bit characters between `:` marks, then run-length
 * expansion (0x90 n repeats the previous byte; 0x90 0 is a literal 0x90), then a header (name,
 * type, creator, flags, data and resource fork lengths) and the forks. Lenient: whitespace and
 * unknown characters inside are skipped, a missing closing `:` ends the data at the end of the
 * body, CRCs are not checked, forks shorter than declared are kept as far as they go.
 * Run-length expansion can multiply the input by 85, so the output is bounded by `maxOutput`,
 * checked while expanding. Never throws.
 */
import { BoundedOutput } from './bounded-output.js';
import { findBytes } from './find-bytes.js';
import type { EmbeddedFile } from './uuencode.js';

const ALPHABET = '!"#$%&\'()*+,-012345689@ABCDEFGHIJKLMNPQRSTUVXYZ[`abcdefhijklmpqr';
const VALUE = new Int8Array(256).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) VALUE[ALPHABET.charCodeAt(i)] = i;
const MARKER = Buffer.from('(This file must be converted with BinHex', 'latin1');
const RLE = 0x90;

/** Where BinHex data starts in a text body: the `:` after the marker line; -1 when there is none. */
export function findBinHexStart(body: Uint8Array): number {
  const buf = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const marker = findBytes(buf, MARKER);
  if (marker === -1) return -1;
  return buf.indexOf(0x3a, marker + MARKER.length);
}

/** Decodes the BinHex data beginning at `start` (a `:`, or the first data character). */
export function decodeBinHex(body: Uint8Array, start: number, maxOutput: number): EmbeddedFile | undefined {
  // Fork lengths are 32-bit: the expanded stream is bounded by the header plus both forks, and by maxOutput.
  const out = new BoundedOutput(maxOutput, Math.min(maxOutput, body.length));
  let acc = 0;
  let bits = 0;
  let previous = -1;
  let pendingRle = false;
  let i = body[start] === 0x3a ? start + 1 : start;
  const emit = (byte: number): boolean => {
    if (pendingRle) {
      pendingRle = false;
      if (byte === 0) {
        previous = RLE;
        return out.push(RLE);
      }
      for (let k = 1; k < byte; k++) if (previous >= 0 && !out.push(previous)) return false;
      return true;
    }
    if (byte === RLE) {
      pendingRle = true;
      return true;
    }
    previous = byte;
    return out.push(byte);
  };
  for (; i < body.length; i++) {
    const c = body[i] as number;
    if (c === 0x3a) break;
    const v = VALUE[c] as number;
    if (v < 0) continue;
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (!emit((acc >> bits) & 0xff)) break;
    }
  }
  return parseForks(out.result().bytes, out.truncated);
}

function parseForks(stream: Buffer, truncated: boolean): EmbeddedFile | undefined {
  const nameLength = stream[0];
  if (nameLength === undefined) return undefined;
  const headerEnd = 1 + nameLength + 1 + 4 + 4 + 2 + 4 + 4 + 2;
  if (stream.length < headerEnd) return undefined;
  const name = stream.subarray(1, 1 + nameLength).toString('latin1');
  const lengths = 1 + nameLength + 1 + 4 + 4 + 2;
  const dataLength = stream.readUInt32BE(lengths);
  const resourceLength = stream.readUInt32BE(lengths + 4);
  const data = stream.subarray(headerEnd, headerEnd + dataLength);
  const resourceStart = headerEnd + dataLength + 2;
  const resource = stream.subarray(Math.min(stream.length, resourceStart), resourceStart + resourceLength);
  // The data fork is the file; a file with only a resource fork (old applications) is kept as that.
  const bytes = data.length > 0 || resource.length === 0 ? data : resource;
  return { ...(name !== '' ? { name } : {}), bytes, truncated: truncated && bytes.length < (data.length > 0 ? dataLength : resourceLength) };
}

/** Every BinHex file in a text body (in practice one: the format has no way to hold two). */
export function findBinHex(body: Uint8Array, maxOutput: number): EmbeddedFile[] {
  const start = findBinHexStart(body);
  if (start === -1) return [];
  const file = decodeBinHex(body, start, maxOutput);
  return file ? [file] : [];
}
