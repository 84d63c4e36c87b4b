/**
 * The output side of every decoder in mime/: a byte buffer that refuses to grow past a limit.
 * Decoders push bytes one at a time and stop when `push` returns false, so a limit is checked
 * while decoding, never after a bomb has been expanded. A limit must be a positive finite
 * number (core/limits.ts requireLimit): 0 or NaN never means "unlimited".
 */
import { requireLimit } from '../core/limits.js';

/** What a bounded decoder produced. */
export interface Decoded {
  readonly bytes: Buffer;
  /** The input held more than `maxOutput` bytes of output; `bytes` is the first part. */
  readonly truncated: boolean;
}

const MIN_GROWTH = 256;

export class BoundedOutput {
  private buf: Buffer;
  private length = 0;
  private full = false;
  private readonly max: number;

  /** `estimate` sizes the first allocation (the output of base64 or QP is never larger than the input). */
  constructor(maxOutput: number, estimate: number) {
    this.max = Math.floor(requireLimit('maxOutput', maxOutput));
    this.buf = Buffer.allocUnsafe(Math.max(0, Math.min(this.max, Math.floor(estimate))));
  }

  /** Appends one byte; false (and truncated) once the limit is reached. */
  push(byte: number): boolean {
    if (this.length >= this.max) {
      this.full = true;
      return false;
    }
    if (this.length === this.buf.length) this.grow();
    this.buf[this.length++] = byte;
    return true;
  }

  get size(): number {
    return this.length;
  }

  get truncated(): boolean {
    return this.full;
  }

  result(): Decoded {
    return { bytes: this.buf.subarray(0, this.length), truncated: this.full };
  }

  private grow(): void {
    const next = Buffer.allocUnsafe(Math.min(this.max, Math.max(MIN_GROWTH, this.buf.length * 2)));
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }
}
