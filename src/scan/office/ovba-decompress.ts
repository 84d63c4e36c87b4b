/**
 * The MS-OVBA decompressor ([MS-OVBA] 2.4.1): VBA keeps its `dir` stream and module source in
 * a "compressed container", a signature byte 0x01 followed by chunks of at most 4096 decompressed
 * bytes, each a run of flag bytes and tokens (a literal byte, or a copy token pointing back into
 * the chunk already decompressed).
 *
 * Trusts nothing: the input is attacker bytes. A copy token turns 2 bytes into up to 4098, so a
 * small stream can claim gigabytes; the output limit is checked while decompressing, byte by
 * byte through the copy loop, never after. Malformed input (bad signature, a copy reaching before
 * the chunk, a truncated chunk) ends decompression with what was read so far and says why; it
 * never throws.
 */
import { requireLimit } from '../../core/limits.js';

/** How decompression ended: `complete`, or why it stopped early. */
export type OvbaStatus = 'complete' | 'malformed' | 'limit';

export interface OvbaResult {
  readonly status: OvbaStatus;
  /** The bytes decompressed before the end or the stop (never more than the limit). */
  readonly bytes: Uint8Array;
}

const CHUNK_DECOMPRESSED_SIZE = 4096;
const CONTAINER_SIGNATURE = 0x01;
const CHUNK_SIGNATURE = 0b011;

/**
 * Decompresses the container that starts at `offset` in `data`, producing at most `maxOutput`
 * bytes; `status` is `limit` when the container would have produced more.
 */
export function decompressOvba(data: Uint8Array, offset: number, maxOutput: number): OvbaResult {
  requireLimit('maxOutput', maxOutput);
  let out = new Uint8Array(Math.min(maxOutput, Math.max(CHUNK_DECOMPRESSED_SIZE, (data.length - offset) * 2)));
  let length = 0;
  const result = (status: OvbaStatus): OvbaResult => ({ status, bytes: out.subarray(0, length) });
  /** Makes room for one more byte, or reports that the limit would be passed. */
  const room = (): boolean => {
    if (length < out.length) return true;
    if (out.length >= maxOutput) return false;
    const bigger = new Uint8Array(Math.min(maxOutput, out.length * 2));
    bigger.set(out);
    out = bigger;
    return true;
  };

  if (!Number.isInteger(offset) || offset < 0 || offset >= data.length || data[offset] !== CONTAINER_SIGNATURE) {
    return result('malformed');
  }
  let pos = offset + 1;
  while (pos < data.length) {
    if (pos + 2 > data.length) return result('malformed');
    const header = (data[pos] as number) | ((data[pos + 1] as number) << 8);
    const chunkSize = (header & 0x0fff) + 3;
    if (((header >> 12) & 0b111) !== CHUNK_SIGNATURE) return result('malformed');
    const compressed = (header & 0x8000) !== 0;
    const chunkEnd = Math.min(pos + chunkSize, data.length);
    pos += 2;
    const chunkStart = length;

    if (!compressed) {
      // A raw chunk: 4096 literal bytes, whatever the size field says ([MS-OVBA] 2.4.1.3.3).
      for (let i = 0; i < CHUNK_DECOMPRESSED_SIZE; i++) {
        if (pos >= data.length) return result('malformed');
        if (!room()) return result('limit');
        out[length++] = data[pos++] as number;
      }
      continue;
    }

    while (pos < chunkEnd) {
      const flags = data[pos++] as number;
      for (let bit = 0; bit < 8 && pos < chunkEnd; bit++) {
        if ((flags & (1 << bit)) === 0) {
          if (length - chunkStart >= CHUNK_DECOMPRESSED_SIZE) return result('malformed');
          if (!room()) return result('limit');
          out[length++] = data[pos++] as number;
          continue;
        }
        if (pos + 2 > chunkEnd) return result('malformed');
        const token = (data[pos] as number) | ((data[pos + 1] as number) << 8);
        pos += 2;
        const { copyLength, copyOffset } = unpackCopyToken(token, length - chunkStart);
        const source = length - copyOffset;
        if (source < chunkStart || length - chunkStart + copyLength > CHUNK_DECOMPRESSED_SIZE) return result('malformed');
        // Byte by byte: the copy may overlap its own output (a run-length repeat).
        for (let i = 0; i < copyLength; i++) {
          if (!room()) return result('limit');
          out[length] = out[source + i] as number;
          length++;
        }
      }
    }
  }
  return result('complete');
}

/** [MS-OVBA] 2.4.1.3.19.2: the split between offset and length bits grows with the chunk. */
function unpackCopyToken(token: number, decompressedInChunk: number): { copyLength: number; copyOffset: number } {
  let bitCount = 4;
  while (1 << bitCount < decompressedInChunk) bitCount++;
  if (bitCount > 12) bitCount = 12;
  const lengthMask = 0xffff >> bitCount;
  return {
    copyLength: (token & lengthMask) + 3,
    copyOffset: (token >> (16 - bitCount)) + 1,
  };
}
