/**
 * Parses one header section (of a message or of a MIME part) into fields: unfolds continuation
 * lines, keeps fields in order and groups them by lower-cased name in a Map (never a plain
 * object: a `__proto__:` header must be just another header).
 *
 * Trusts nothing: the bytes are the attacker's. Bounded by MAX_HEADER_BYTES and MAX_HEADER_COUNT;
 * reaching a limit is reported as a SCAN_LIMIT_* finding and the fields read so far are kept.
 * Lines without a colon (and a leading mbox `From ` line) are ignored rather than ending the
 * section, as most MTAs do; a later, more lenient parser may report them.
 */
import { finding, type Finding } from '../core/finding.js';
import type { HeaderField, HeaderMap } from '../core/parsed-message.js';
import { MAX_HEADER_BYTES, MAX_HEADER_COUNT } from '../core/limits.js';
import { decodeHeaderBytes } from './charset.js';

export interface HeaderSection {
  readonly fields: readonly HeaderField[];
  readonly headers: HeaderMap;
  /** Offset of the first body byte (after the empty line), or the end of the input. */
  readonly bodyOffset: number;
  /** Bytes of the header section, including the empty line that ends it. */
  readonly size: number;
  readonly findings: readonly Finding[];
}

const LF = 0x0a;

/** Where the header section of `buf` (from `start` to `end`) ends: the empty line. */
export function findHeaderEnd(buf: Buffer, start: number, end: number): { headerEnd: number; bodyOffset: number } {
  let pos = start;
  while (pos < end) {
    const nl = buf.indexOf(LF, pos);
    if (nl === -1 || nl >= end) return { headerEnd: end, bodyOffset: end };
    const lineEnd = nl > pos && buf[nl - 1] === 0x0d ? nl - 1 : nl;
    if (lineEnd === pos) return { headerEnd: pos, bodyOffset: nl + 1 };
    pos = nl + 1;
  }
  return { headerEnd: end, bodyOffset: end };
}

export function parseHeaderSection(buf: Buffer, start = 0, end = buf.length): HeaderSection {
  const findings: Finding[] = [];
  const { headerEnd, bodyOffset } = findHeaderEnd(buf, start, end);
  let limit = headerEnd;
  if (headerEnd - start > MAX_HEADER_BYTES) {
    limit = start + MAX_HEADER_BYTES;
    findings.push(finding('SCAN_LIMIT_HEADER_BYTES', `header section is ${headerEnd - start} bytes, more than the ${MAX_HEADER_BYTES} read`));
  }

  const lines: Buffer[][] = [];
  let pos = start;
  while (pos < limit) {
    let nl = buf.indexOf(LF, pos);
    if (nl === -1 || nl > limit) nl = limit;
    const lineEnd = nl > pos && buf[nl - 1] === 0x0d ? nl - 1 : nl;
    const line = buf.subarray(pos, lineEnd);
    pos = nl + 1;
    const first = line[0];
    if ((first === 0x20 || first === 0x09) && lines.length > 0) {
      lines[lines.length - 1]?.push(line);
    } else {
      lines.push([line]);
    }
  }

  const fields: HeaderField[] = [];
  const headers = new Map<string, HeaderField[]>();
  let countReported = false;
  for (const parts of lines) {
    const head = parts[0];
    if (!head) continue;
    const colon = head.indexOf(0x3a);
    if (colon <= 0) continue;
    const name = head.subarray(0, colon).toString('latin1').trim();
    if (!/^[!-9;-~]+$/.test(name)) continue;
    if (fields.length >= MAX_HEADER_COUNT) {
      if (!countReported) {
        findings.push(finding('SCAN_LIMIT_HEADER_COUNT', `more than ${MAX_HEADER_COUNT} header fields; the rest were not read`));
        countReported = true;
      }
      continue;
    }
    // Unfolding (RFC 5322 2.2.3) removes the line break before the whitespace, keeping the whitespace.
    const value = decodeHeaderBytes(Buffer.concat([head.subarray(colon + 1), ...parts.slice(1)])).trim();
    const field: HeaderField = { name, value };
    fields.push(field);
    const key = name.toLowerCase();
    const group = headers.get(key);
    if (group) group.push(field);
    else headers.set(key, [field]);
  }
  return { fields, headers, bodyOffset, size: bodyOffset - start, findings };
}

/** The first value of a header, or undefined. */
export function firstHeader(headers: HeaderMap, name: string): string | undefined {
  return headers.get(name.toLowerCase())?.[0]?.value;
}
