/**
 * Collects a decoding stream's output under a MemberMeter: each chunk is metered before it is
 * kept, and the stream is destroyed at the first refusal, so decoding stops within one chunk of
 * the limit. Used by the zip reader (yauzl's inflate streams) and the tar reader (tar-stream's
 * entry streams); never rejects: an error is a value.
 */
import type { Finding } from '../../core/finding.js';
import type { MemberMeter } from './expansion-budget.js';

/** What both Node streams and streamx streams offer. */
export interface ChunkStream {
  on(event: 'data', listener: (chunk: Uint8Array) => void): unknown;
  on(event: 'end' | 'close', listener: () => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  destroy(err?: Error): unknown;
}

export type MeteredRead =
  | { readonly kind: 'content'; readonly content: Uint8Array }
  | { readonly kind: 'refused'; readonly finding: Finding }
  | { readonly kind: 'error'; readonly error: Error };

export function readMetered(stream: ChunkStream, meter: Pick<MemberMeter, 'add'>): Promise<MeteredRead> {
  return new Promise((resolve) => {
    const chunks: Uint8Array[] = [];
    let settled = false;
    const settle = (result: MeteredRead): void => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
    stream.on('data', (chunk) => {
      if (settled) return;
      const refused = meter.add(chunk.length);
      if (refused) {
        settle({ kind: 'refused', finding: refused });
        stream.destroy();
        return;
      }
      chunks.push(chunk);
    });
    stream.on('end', () => settle({ kind: 'content', content: Buffer.concat(chunks) }));
    stream.on('error', (error) => settle({ kind: 'error', error }));
    // A stream destroyed by someone else ends with 'close' alone: that is not complete content.
    stream.on('close', () => settle({ kind: 'error', error: new Error('stream closed before its end') }));
  });
}
