/**
 * The sandbox's MIME parser: raw message bytes in, a bounded ParsedMessage and the limit findings
 * out. Runs only inside sandbox processes (DESIGN.md invariant 2): everything it reads is the
 * attacker's. It never throws because of content and never writes anything anywhere.
 *
 * Bounds: header sections by MAX_HEADER_BYTES / MAX_HEADER_COUNT (header-section.ts), multipart
 * nesting by MAX_MIME_DEPTH, the number of parts by MAX_MIME_PARTS. Decoded output is never larger
 * than its encoded input, so the message size bounds the rest. Deeper or further parts are not
 * read and the limit is a SCAN_LIMIT_* finding, which policy never treats as clean.
 *
 * Deliberately small: a simple multipart split on boundary lines, base64 and quoted-printable
 * decoding of text parts into textBodies / htmlBodies, attachments with declared name and type,
 * decoded size and sha256. message/rfc822 parts are attachments, not followed.
 */
import { createHash } from 'node:crypto';
import { finding, type Finding } from '../core/finding.js';
import { MAX_MIME_DEPTH, MAX_MIME_PARTS } from '../core/limits.js';
import type { Attachment, HeaderMap, MessagePart, ParsedMessage } from '../core/parsed-message.js';
import { decodeCharset } from './charset.js';
import { firstHeader, parseHeaderSection } from './header-section.js';
import { parseHeaderParams } from './header-params.js';
import { decodeTransferEncoding } from './transfer-encoding.js';

export interface ParseResult {
  readonly message: ParsedMessage;
  /** SCAN_LIMIT_* findings: the limits the parser reached. */
  readonly findings: readonly Finding[];
}

interface ParseState {
  parts: number;
  depthReported: boolean;
  partsReported: boolean;
  readonly findings: Finding[];
  readonly textBodies: string[];
  readonly htmlBodies: string[];
  readonly attachments: Attachment[];
}

const BOUNDARY = /^[ -~]{1,200}$/;

export function parseMessage(raw: Buffer): ParseResult {
  const state: ParseState = {
    parts: 0,
    depthReported: false,
    partsReported: false,
    findings: [],
    textBodies: [],
    htmlBodies: [],
    attachments: [],
  };
  const section = parseHeaderSection(raw);
  state.findings.push(...section.findings);
  const root = parseEntity(raw, section.headers, section.bodyOffset, raw.length, 0, state);
  return {
    message: {
      headers: section.headers,
      headerList: section.fields,
      root,
      textBodies: state.textBodies,
      htmlBodies: state.htmlBodies,
      attachments: state.attachments,
      size: raw.length,
    },
    findings: state.findings,
  };
}

/** One entity (the message or a part) whose headers are parsed and body is raw[start, end). */
function parseEntity(raw: Buffer, headers: HeaderMap, start: number, end: number, depth: number, state: ParseState, partPath = '1'): MessagePart {
  state.parts++;
  const contentType = parseHeaderParams(firstHeader(headers, 'content-type') ?? 'text/plain');
  const type = /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/.test(contentType.value) ? contentType.value : 'text/plain';
  const boundary = contentType.params.get('boundary');

  if (type.startsWith('multipart/') && boundary !== undefined && BOUNDARY.test(boundary)) {
    if (depth >= MAX_MIME_DEPTH) {
      if (!state.depthReported) {
        state.findings.push(finding('SCAN_LIMIT_MIME_DEPTH', `multipart nesting deeper than ${MAX_MIME_DEPTH}; inner parts were not read`));
        state.depthReported = true;
      }
      return { headers, contentType: type, children: [], decodedSize: 0 };
    }
    const children: MessagePart[] = [];
    for (const [bodyStart, bodyEnd] of splitMultipart(raw, start, end, boundary, MAX_MIME_PARTS - state.parts + 1)) {
      if (state.parts >= MAX_MIME_PARTS) {
        if (!state.partsReported) {
          state.findings.push(finding('SCAN_LIMIT_MIME_PARTS', `more than ${MAX_MIME_PARTS} MIME parts; the rest were not read`));
          state.partsReported = true;
        }
        break;
      }
      const section = parseHeaderSection(raw, bodyStart, bodyEnd);
      state.findings.push(...section.findings);
      children.push(parseEntity(raw, section.headers, section.bodyOffset, bodyEnd, depth + 1, state, `${partPath}.${children.length + 1}`));
    }
    return { headers, contentType: type, children, decodedSize: 0 };
  }

  const decoded = decodeTransferEncoding(raw.subarray(start, end), firstHeader(headers, 'content-transfer-encoding'));
  const disposition = parseHeaderParams(firstHeader(headers, 'content-disposition') ?? '');
  const name = disposition.params.get('filename') ?? contentType.params.get('name');
  const isText = type === 'text/plain' || type === 'text/html';
  if (isText && disposition.value !== 'attachment' && name === undefined) {
    const text = decodeCharset(decoded, contentType.params.get('charset'));
    (type === 'text/html' ? state.htmlBodies : state.textBodies).push(text);
  } else {
    state.attachments.push({
      ...(name !== undefined ? { declaredName: name } : {}),
      declaredType: type,
      size: decoded.length,
      sha256: createHash('sha256').update(decoded).digest('hex'),
      origin: type === 'message/rfc822' ? 'rfc822' : disposition.params.has('filename') || disposition.value === 'attachment' ? 'disposition' : name !== undefined ? 'content-type-name' : 'non-text-part',
      partPath,
      content: decoded,
    });
  }
  return { headers, contentType: type, children: [], decodedSize: decoded.length };
}

/**
 * The bodies of a multipart entity: [start, end) ranges between delimiter lines `--boundary`.
 * The line break before a delimiter belongs to the delimiter (RFC 2046 5.1.1). Text before the
 * first delimiter (preamble) and after the close delimiter (epilogue) is ignored. At most
 * `maxRanges` are returned, so a message of a million empty parts costs no more than the limit.
 */
function splitMultipart(raw: Buffer, start: number, end: number, boundary: string, maxRanges: number): [number, number][] {
  const delimiter = Buffer.from(`--${boundary}`, 'latin1');
  const ranges: [number, number][] = [];
  let partStart = -1;
  let pos = start;
  while (pos < end) {
    const at = raw.indexOf(delimiter, pos);
    if (at === -1 || at + delimiter.length > end) break;
    pos = at + delimiter.length;
    if (at !== start && raw[at - 1] !== 0x0a) continue;
    const isClose = raw[pos] === 0x2d && raw[pos + 1] === 0x2d;
    let lineEnd = isClose ? pos + 2 : pos;
    while (lineEnd < end && (raw[lineEnd] === 0x20 || raw[lineEnd] === 0x09)) lineEnd++;
    if (!isClose && lineEnd < end && raw[lineEnd] !== 0x0d && raw[lineEnd] !== 0x0a) continue;
    if (partStart >= 0) {
      let bodyEnd = at;
      if (bodyEnd > partStart && raw[bodyEnd - 1] === 0x0a) bodyEnd--;
      if (bodyEnd > partStart && raw[bodyEnd - 1] === 0x0d) bodyEnd--;
      ranges.push([partStart, bodyEnd]);
      if (ranges.length >= maxRanges) return ranges;
    }
    if (isClose) return ranges;
    const nl = raw.indexOf(0x0a, lineEnd);
    partStart = nl === -1 || nl >= end ? end : nl + 1;
    pos = partStart;
  }
  // A missing close delimiter: the last part runs to the end, as mail clients read it.
  if (partStart >= 0 && partStart < end) ranges.push([partStart, end]);
  return ranges;
}
