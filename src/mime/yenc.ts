/**
 * yEnc (yenc.org 1.3) blocks inside text bodies: `=ybegin ... name=FILE`, an optional
 * `=ypart` line, data lines, `=yend`. Each byte is (c - 42) mod 256, or after `=`
 * (c - 106) mod 256; CR and LF are skipped. Lenient: a missing `=yend` ends the data at the end
 * of the body; sizes and CRCs in the header are not trusted. Never throws; output bounded by
 * `maxOutput` across all blocks, checked while decoding.
 */
import { BoundedOutput } from './bounded-output.js';
import { findBytes } from './find-bytes.js';
import type { EmbeddedFile } from './uuencode.js';

const YBEGIN = Buffer.from('=ybegin ', 'latin1');
const YPART = Buffer.from('=ypart ', 'latin1');
const YEND = Buffer.from('=yend', 'latin1');

function lineEnd(buf: Buffer, from: number): number {
  const nl = buf.indexOf(0x0a, from);
  return nl === -1 ? buf.length : nl;
}

function startsAt(buf: Buffer, at: number, prefix: Buffer): boolean {
  return buf.length - at >= prefix.length && buf.compare(prefix, 0, prefix.length, at, at + prefix.length) === 0;
}

export function findYenc(body: Uint8Array, maxOutput: number, maxFiles: number): EmbeddedFile[] {
  const buf = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const files: EmbeddedFile[] = [];
  let remaining = maxOutput;
  let pos = 0;
  while (files.length < maxFiles && remaining > 0) {
    const at = findBytes(buf, YBEGIN, pos);
    if (at === -1) break;
    if (at > 0 && buf[at - 1] !== 0x0a) {
      pos = at + YBEGIN.length;
      continue;
    }
    const headerEnd = lineEnd(buf, at);
    const header = buf.subarray(at, headerEnd).toString('latin1').replace(/\r$/, '');
    const name = /\bname=(.*)$/.exec(header)?.[1]?.trim();
    let dataStart = Math.min(buf.length, headerEnd + 1);
    if (startsAt(buf, dataStart, YPART)) dataStart = Math.min(buf.length, lineEnd(buf, dataStart) + 1);
    const out = new BoundedOutput(remaining, Math.min(buf.length - dataStart, remaining));
    let i = dataStart;
    let ended = startsAt(buf, i, YEND);
    while (!ended && i < buf.length) {
      const c = buf[i] as number;
      if (c === 0x0a || c === 0x0d) {
        i++;
        if (c === 0x0a && startsAt(buf, i, YEND)) {
          ended = true;
          break;
        }
        continue;
      }
      let byte: number;
      if (c === 0x3d) {
        const next = buf[i + 1];
        if (next === undefined || next === 0x0a || next === 0x0d) {
          i++;
          continue;
        }
        byte = (next - 106) & 0xff;
        i += 2;
      } else {
        byte = (c - 42) & 0xff;
        i++;
      }
      if (!out.push(byte)) break;
    }
    const { bytes, truncated } = out.result();
    remaining -= bytes.length;
    files.push({ ...(name ? { name } : {}), bytes, truncated });
    pos = ended ? i + YEND.length : buf.length;
  }
  return files;
}
