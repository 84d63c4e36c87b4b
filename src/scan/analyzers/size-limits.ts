/**
 * Size facts: a very large message, a header section that is large though still within the
 * parser's limit, and lines longer than RFC 5322 2.1.1 allows (998 octets, a common trick to
 * break naive parsers and downstream MTAs). The parser's own hard limits are SCAN_LIMIT_*
 * findings from mime/; these are SIZE_* facts that policy scores.
 */
import type { Analyzer } from '../analyzer.js';
import { finding, type Finding } from '../../core/finding.js';
import { findHeaderEnd } from '../../mime/header-section.js';

/** RFC 5322 2.1.1: each line must be no more than 998 characters, excluding the CRLF. */
export const MAX_LINE_OCTETS = 998;
/** Messages above this are unusual enough to be a fact worth recording. */
export const LARGE_MESSAGE_BYTES = 10 * 1024 * 1024;
/** Header sections above this are rare in legitimate mail (long DKIM and ARC chains stay below). */
export const LARGE_HEADER_BYTES = 64 * 1024;

export const sizeLimits: Analyzer = {
  name: 'size-limits',
  directions: ['inbound', 'outbound'],
  dependsOn: [],
  async analyze(ctx) {
    const out: Finding[] = [];
    const raw = ctx.raw;
    if (raw.length > LARGE_MESSAGE_BYTES) {
      out.push(finding('SIZE_MESSAGE_LARGE', `message is ${raw.length} bytes (over ${LARGE_MESSAGE_BYTES})`));
    }
    const headerBytes = findHeaderEnd(raw, 0, raw.length).headerEnd;
    if (headerBytes > LARGE_HEADER_BYTES) {
      out.push(finding('SIZE_HEADER_LARGE', `header section is ${headerBytes} bytes (over ${LARGE_HEADER_BYTES})`));
    }
    const { count: longLines, longest, firstLine } = longLineStats(raw);
    if (longLines > 0) {
      out.push(finding('SIZE_LINE_TOO_LONG', `${longLines} line(s) over ${MAX_LINE_OCTETS} octets, the first at line ${firstLine}, the longest ${longest}`));
    }
    return out;
  },
};

export interface LongLineStats {
  /** Lines longer than MAX_LINE_OCTETS (excluding the CRLF, or a bare LF). */
  readonly count: number;
  readonly longest: number;
  /** 1-based number of the first long line; 0 when there is none. */
  readonly firstLine: number;
}

/**
 * Counts the lines over MAX_LINE_OCTETS without visiting every line: a line feed within
 * MAX_LINE_OCTETS bytes of the current position ends every line that starts before it short
 * enough, so one backward search jumps over all of them (a 25 MB base64 attachment is 470,000
 * short lines: one search per line cost 14 ms, this about 36,000 searches). Only a stretch with
 * no line feed is measured exactly, and line numbers are counted once, for the first long line.
 */
export function longLineStats(raw: Uint8Array): LongLineStats {
  const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  let count = 0;
  let longest = 0;
  let firstLine = 0;
  let pos = 0;
  while (pos < buf.length) {
    const lastFeed = buf.lastIndexOf(0x0a, pos + MAX_LINE_OCTETS);
    if (lastFeed >= pos) {
      pos = lastFeed + 1;
      continue;
    }
    let end = buf.indexOf(0x0a, pos + MAX_LINE_OCTETS + 1);
    if (end === -1) end = buf.length;
    const length = end > pos && buf[end - 1] === 0x0d ? end - 1 - pos : end - pos;
    if (length > MAX_LINE_OCTETS) {
      if (count === 0) firstLine = lineNumberAt(buf, pos);
      count++;
      longest = Math.max(longest, length);
    }
    pos = end + 1;
  }
  return { count, longest, firstLine };
}

/** The 1-based number of the line that starts at `offset`. */
function lineNumberAt(buf: Buffer, offset: number): number {
  let line = 1;
  for (let feed = buf.indexOf(0x0a); feed !== -1 && feed < offset; feed = buf.indexOf(0x0a, feed + 1)) line++;
  return line;
}
