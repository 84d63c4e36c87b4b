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
    let longLines = 0;
    let longest = 0;
    let firstLine = 0;
    let line = 1;
    for (let pos = 0; pos < raw.length; line++) {
      let nl = raw.indexOf(0x0a, pos);
      if (nl === -1) nl = raw.length;
      const length = nl > pos && raw[nl - 1] === 0x0d ? nl - 1 - pos : nl - pos;
      if (length > MAX_LINE_OCTETS) {
        if (longLines === 0) firstLine = line;
        longLines++;
        longest = Math.max(longest, length);
      }
      pos = nl + 1;
    }
    if (longLines > 0) {
      out.push(finding('SIZE_LINE_TOO_LONG', `${longLines} line(s) over ${MAX_LINE_OCTETS} octets, the first at line ${firstLine}, the longest ${longest}`));
    }
    return out;
  },
};
