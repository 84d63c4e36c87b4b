/**
 * Line-ending normalisation of DATA, against SMTP smuggling (CVE-2023-51764 class).
 *
 * smtp-server ends DATA only on CRLF.CRLF, but the bytes between may still hold `\n.\n`,
 * `\r.\r`, `\n.\r\n` and similar sequences. A downstream MTA that treats any of those as the end
 * of data would see a second, smuggled message. So before the bytes reach the spool (and thus
 * the scanner and every next hop), every bare CR and bare LF becomes CRLF, and NUL bytes are
 * dropped (RFC 5321 does not allow NUL in 8BITMIME data, and an MTA that strips NUL would turn
 * `\r\n\0.\r\n` into an end of data). The bytes scanned are then exactly the bytes delivered.
 *
 * Trusts nothing: input is raw client bytes after dot-unstuffing. Memory: O(chunk).
 */
import { Transform, type TransformCallback } from 'node:stream';

const CR = 0x0d;
const LF = 0x0a;
const NUL = 0x00;

export interface LineEndingStats {
  /** Bare LF or bare CR turned into CRLF. */
  bareLineEndings: number;
  nulBytes: number;
}

export class LineEndingNormalizer extends Transform {
  readonly stats: LineEndingStats = { bareLineEndings: 0, nulBytes: 0 };
  /** A CR ended the previous chunk; whether it is bare depends on the next byte. */
  private pendingCr = false;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    callback(null, this.normalize(chunk));
  }

  override _flush(callback: TransformCallback): void {
    if (this.pendingCr) {
      this.pendingCr = false;
      this.stats.bareLineEndings++;
      callback(null, Buffer.from('\r\n'));
    } else callback();
  }

  private normalize(chunk: Buffer): Buffer {
    if (!this.pendingCr && isClean(chunk)) return chunk;
    const out = Buffer.allocUnsafe(chunk.length * 2 + 2);
    let n = 0;
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i] as number;
      if (this.pendingCr) {
        this.pendingCr = false;
        out[n++] = CR;
        out[n++] = LF;
        if (byte === LF) continue;
        this.stats.bareLineEndings++;
      }
      if (byte === CR) this.pendingCr = true;
      else if (byte === LF) {
        this.stats.bareLineEndings++;
        out[n++] = CR;
        out[n++] = LF;
      } else if (byte === NUL) this.stats.nulBytes++;
      else out[n++] = byte;
    }
    return out.subarray(0, n);
  }
}

/** Fast path: a chunk whose every CR is followed by LF, every LF preceded by CR, with no NUL. */
function isClean(chunk: Buffer): boolean {
  if (chunk.includes(NUL)) return false;
  let at = chunk.indexOf(LF);
  while (at !== -1) {
    if (at === 0 || chunk[at - 1] !== CR) return false;
    at = chunk.indexOf(LF, at + 1);
  }
  at = chunk.indexOf(CR);
  while (at !== -1) {
    if (chunk[at + 1] !== LF) return false;
    at = chunk.indexOf(CR, at + 1);
  }
  return true;
}
