/**
 * uuencode (and its `begin-base64` variant from uuencode -m), as mailers embed it in text bodies
 * (`begin 644 name` ... `end`) or declare it as a Content-Transfer-Encoding (x-uuencode).
 * Lenient as the most lenient client: lines with missing trailing characters decode as if they
 * were spaces, a missing `end` ends the file at the last plausible line, both the space and
 * the backquote stand for zero. The file name is the attacker's text: returned, never used as a
 * path. Never throws; output bounded by `maxOutput` across all files found, checked while decoding.
 */
import { decodeBase64 } from './base64.js';
import { BoundedOutput, type Decoded } from './bounded-output.js';

export interface EmbeddedFile {
  readonly name?: string;
  readonly bytes: Buffer;
  readonly truncated: boolean;
}

const BEGIN = /^begin(-base64)?[ \t]+([0-7]{1,4})[ \t]+([^\r\n]*)$/gm;

/** A line of uuencoded data: printable characters from space to backquote only. */
function isUuLine(line: string): boolean {
  return line.length > 0 && line.length <= 128 && /^[ -`]+$/.test(line);
}

function decodeUuLines(lines: readonly string[], out: BoundedOutput): void {
  for (const line of lines) {
    const count = (line.charCodeAt(0) - 32) & 63;
    let written = 0;
    for (let i = 1; written < count; i += 4) {
      const v = (k: number): number => (i + k < line.length ? (line.charCodeAt(i + k) - 32) & 63 : 0);
      const bits = (v(0) << 18) | (v(1) << 12) | (v(2) << 6) | v(3);
      for (const shift of [16, 8, 0]) {
        if (written >= count) break;
        if (!out.push((bits >> shift) & 0xff)) return;
        written++;
      }
    }
  }
}

/** The lines of `text` from `from`, without their CR, each with the offset after it; lazily. */
function* linesFrom(text: string, from: number): Generator<{ line: string; next: number }> {
  let pos = from;
  while (pos < text.length) {
    let nl = text.indexOf('\n', pos);
    if (nl === -1) nl = text.length;
    const line = text.slice(pos, nl);
    pos = nl + 1;
    yield { line: line.endsWith('\r') ? line.slice(0, -1) : line, next: pos };
  }
}

/**
 * Every uuencoded block in a text body, in order, at most `maxFiles`. `maxOutput` bounds the
 * bytes of all of them together; `truncated` on a file says where the limit cut.
 */
export function findUuencoded(body: Uint8Array, maxOutput: number, maxFiles: number): EmbeddedFile[] {
  const buf = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (buf.indexOf('begin') === -1) return [];
  const text = buf.toString('latin1');
  const files: EmbeddedFile[] = [];
  let remaining = maxOutput;
  BEGIN.lastIndex = 0;
  for (let m = BEGIN.exec(text); m !== null && files.length < maxFiles && remaining > 0; m = BEGIN.exec(text)) {
    const isBase64 = m[1] !== undefined;
    const name = (m[3] ?? '').trim();
    const after = text.indexOf('\n', m.index);
    if (after === -1) break;
    const data: string[] = [];
    let consumed = after + 1;
    for (const { line, next } of linesFrom(text, after + 1)) {
      const lineStart = consumed;
      consumed = next;
      if (isBase64 ? line === '====' : line === 'end') break;
      if (line === '') continue;
      if (!isBase64 && !isUuLine(line)) {
        // Not data: the block ended without `end`; this line may begin the next block.
        consumed = lineStart;
        break;
      }
      data.push(line);
    }
    let decoded: Decoded;
    if (isBase64) {
      decoded = decodeBase64(Buffer.from(data.join('\n'), 'latin1'), remaining);
    } else {
      const out = new BoundedOutput(remaining, data.length * 45);
      decodeUuLines(data, out);
      decoded = out.result();
    }
    remaining -= decoded.bytes.length;
    files.push({ ...(name !== '' ? { name } : {}), bytes: decoded.bytes, truncated: decoded.truncated });
    BEGIN.lastIndex = consumed;
  }
  return files;
}

/**
 * A body whose Content-Transfer-Encoding is x-uuencode: the first block's bytes (or, without a
 * `begin` line, every line decoded as uuencode data, as some mailers send it).
 */
export function decodeUuencodeBody(body: Uint8Array, maxOutput: number): Decoded {
  const [first] = findUuencoded(body, maxOutput, 1);
  if (first) return { bytes: first.bytes, truncated: first.truncated };
  const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('latin1');
  const out = new BoundedOutput(maxOutput, body.length);
  const lines: string[] = [];
  for (const { line } of linesFrom(text, 0)) if (isUuLine(line)) lines.push(line);
  decodeUuLines(lines, out);
  return out.result();
}
