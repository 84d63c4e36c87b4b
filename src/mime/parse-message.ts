/**
 * The sandbox's MIME parser: raw message bytes in, a bounded ParsedMessage and findings out.
 * Runs only inside sandbox processes (DESIGN.md invariant 2): everything it reads is the
 * attacker's. It never throws because of content and never writes anything anywhere.
 *
 * Limits (named in core/limits.ts, overridable per call but never switched off): header bytes
 * and fields per section (header-section.ts), multipart and message/rfc822 nesting
 * (MAX_MIME_DEPTH), parts including embedded files (MAX_MIME_PARTS), decoded bytes per part and
 * per message (MAX_DECODED_PART_BYTES / MAX_DECODED_MESSAGE_BYTES, checked while decoding), and
 * time (MAX_PARSE_MS or a deadline, checked between parts). A limit hit is a SCAN_LIMIT_* finding
 * and what was read so far is kept: policy never treats it as clean.
 *
 * Attachments are found however they hide: Content-Disposition or only a name on Content-Type,
 * any non-text leaf, message/rfc822 parts (kept as an attachment AND parsed as a message whose
 * parts are collected), uuencode / yEnc / BinHex blocks inside bodies, and the files inside TNEF
 * (winmail.dat). Each Attachment says how it was found (`origin`).
 *
 * Ambiguity: where mail clients would read a malformed message differently (two Content-Type or
 * Content-Transfer-Encoding headers, a repeated boundary parameter, a boundary that splits
 * differently when matched as a prefix, no delimiter at all, a non-base64 declaration over a
 * base64 body, base64 data after padding, two different file names), every plausible reading is
 * parsed and its text and attachments collected (deduplicated by sha256 and name), and the
 * ambiguity itself is a MIME_AMBIGUOUS_* finding: the attacker must not show the scanner one
 * message and the user another. The part tree (`root`) follows the first reading.
 */
import { createHash } from 'node:crypto';
import { finding, type Finding } from '../core/finding.js';
import {
  MAX_DECODED_MESSAGE_BYTES,
  MAX_DECODED_PART_BYTES,
  MAX_MIME_DEPTH,
  MAX_MIME_PARTS,
  MAX_PARSE_MS,
  requireLimit,
} from '../core/limits.js';
import type { Attachment, AttachmentOrigin, HeaderMap, MessagePart, ParsedMessage } from '../core/parsed-message.js';
import { looksLikeBase64 } from './base64.js';
import { decodeBinHex, findBinHex } from './binhex.js';
import { decodeCharset } from './charset.js';
import { firstHeader, parseHeaderSection } from './header-section.js';
import { parseHeaderParams } from './header-params.js';
import { isTnef, readTnef } from './tnef.js';
import { classifyTransferEncoding, decodeTransferEncoding, type TransferEncoding } from './transfer-encoding.js';
import { findUuencoded, type EmbeddedFile } from './uuencode.js';
import { findYenc } from './yenc.js';

export interface ParseResult {
  readonly message: ParsedMessage;
  /** SCAN_LIMIT_* findings (the limits reached) and MIME_* findings (ambiguity, malformation). */
  readonly findings: readonly Finding[];
}

/** The parser's limits; each must be a positive finite number. */
export interface MimeLimits {
  readonly maxDepth: number;
  readonly maxParts: number;
  readonly maxDecodedPartBytes: number;
  readonly maxDecodedMessageBytes: number;
  readonly maxParseMs: number;
}

export const DEFAULT_MIME_LIMITS: MimeLimits = {
  maxDepth: MAX_MIME_DEPTH,
  maxParts: MAX_MIME_PARTS,
  maxDecodedPartBytes: MAX_DECODED_PART_BYTES,
  maxDecodedMessageBytes: MAX_DECODED_MESSAGE_BYTES,
  maxParseMs: MAX_PARSE_MS,
};

export interface ParseOptions {
  /** Lower limits for this call (a sandbox job with a smaller budget, tests). */
  readonly limits?: Partial<MimeLimits>;
  /** Absolute deadline in clock milliseconds; the earlier of this and now + maxParseMs applies. */
  readonly deadline?: number;
  /** Milliseconds clock, Date.now by default (tests pass a fake). */
  readonly clock?: () => number;
}

interface ParseState {
  readonly limits: MimeLimits;
  readonly deadline: number;
  readonly clock: () => number;
  parts: number;
  decoded: number;
  stopped: boolean;
  readonly findings: Finding[];
  readonly reported: Set<string>;
  readonly textBodies: string[];
  readonly htmlBodies: string[];
  readonly textSeen: Set<string>;
  readonly attachments: Attachment[];
  readonly attachmentSeen: Set<string>;
}

/** One way of reading a Content-Type header. */
interface ContentTypeReading {
  readonly type: string;
  readonly params: ReadonlyMap<string, string>;
  /** Every boundary this header could mean, first the one RFC readers use. */
  readonly boundaries: readonly string[];
}

const MEDIA_TYPE = /^([a-z0-9!#$&^_.+-]+)\s*\/\s*([a-z0-9!#$&^_.+-]+)/;
const BOUNDARY = /^[ -~]{1,200}$/;
const LOOSE_BOUNDARY = /\bboundary\s*=\s*(?:"([^"\r\n]{1,200})"|([^\s;"]{1,200}))/i;
const TNEF_TYPES: ReadonlySet<string> = new Set(['application/ms-tnef', 'application/vnd.ms-tnef']);
const MESSAGE_TYPES: ReadonlySet<string> = new Set(['message/rfc822', 'message/global']);
const EMPTY_HEADERS: HeaderMap = new Map();

function resolveLimits(partial: Partial<MimeLimits> | undefined): MimeLimits {
  const merged = { ...DEFAULT_MIME_LIMITS, ...partial };
  for (const [name, value] of Object.entries(merged)) requireLimit(name, value as number);
  return merged;
}

export function parseMessage(raw: Buffer, options: ParseOptions = {}): ParseResult {
  const limits = resolveLimits(options.limits);
  const clock = options.clock ?? Date.now;
  const budgetEnd = clock() + limits.maxParseMs;
  const state: ParseState = {
    limits,
    deadline: options.deadline === undefined ? budgetEnd : Math.min(options.deadline, budgetEnd),
    clock,
    parts: 0,
    decoded: 0,
    stopped: false,
    findings: [],
    reported: new Set(),
    textBodies: [],
    htmlBodies: [],
    textSeen: new Set(),
    attachments: [],
    attachmentSeen: new Set(),
  };
  const section = parseHeaderSection(raw);
  state.findings.push(...section.findings);
  const root = parseEntity(raw, section.headers, section.bodyOffset, raw.length, 0, state, '1');
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

/** Reports a finding once per id: the first occurrence explains it, repeats add nothing to the score. */
function report(state: ParseState, id: string, detail: string): void {
  if (state.reported.has(id)) return;
  state.reported.add(id);
  state.findings.push(finding(id, detail));
}

/** Counts one more part (or embedded file); false when the part or time limit says stop. */
function admitPart(state: ParseState): boolean {
  if (state.stopped) return false;
  if (state.clock() > state.deadline) {
    report(state, 'SCAN_LIMIT_PARSE_TIME', `MIME parsing took longer than its budget (${state.limits.maxParseMs} ms); the rest was not read`);
    state.stopped = true;
    return false;
  }
  if (state.parts >= state.limits.maxParts) {
    report(state, 'SCAN_LIMIT_MIME_PARTS', `more than ${state.limits.maxParts} MIME parts; the rest were not read`);
    state.stopped = true;
    return false;
  }
  state.parts++;
  return true;
}

/** The most bytes the next decode may produce; reports and returns 0 when the message budget is spent. */
function decodeAllowance(state: ParseState, partPath: string): number {
  const left = state.limits.maxDecodedMessageBytes - state.decoded;
  if (left <= 0) {
    report(state, 'SCAN_LIMIT_DECODED_BYTES', `message decoded to more than ${state.limits.maxDecodedMessageBytes} bytes; part ${partPath} and later were not decoded`);
    return 0;
  }
  return Math.min(state.limits.maxDecodedPartBytes, left);
}

function noteDecoded(state: ParseState, partPath: string, size: number, truncated: boolean, allowance: number): void {
  state.decoded += size;
  if (!truncated) return;
  const which = allowance === state.limits.maxDecodedPartBytes ? `the per-part limit of ${allowance}` : `the message limit of ${state.limits.maxDecodedMessageBytes}`;
  report(state, 'SCAN_LIMIT_DECODED_BYTES', `part ${partPath} decodes to more than ${which} bytes; only the first ${size} were read`);
}

function readContentType(value: string): ContentTypeReading {
  const parsed = parseHeaderParams(value);
  const lower = parsed.value;
  const strict = /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/.test(lower) ? lower : undefined;
  // Lenient like mail clients: `multipart/mixed boundary=x` (no `;`), `multipart` without subtype.
  const loose = MEDIA_TYPE.exec(lower);
  const type = strict ?? (loose ? `${loose[1]}/${loose[2]}` : lower.startsWith('multipart') ? 'multipart/mixed' : 'text/plain');
  const boundaries: string[] = [...(parsed.repeated.get('boundary') ?? [])];
  const first = parsed.params.get('boundary');
  if (first !== undefined && boundaries.length === 0) boundaries.push(first);
  if (boundaries.length === 0) {
    const m = LOOSE_BOUNDARY.exec(value);
    if (m) boundaries.push(m[1] ?? m[2] ?? '');
  }
  // A quoted boundary with surrounding spaces: some readers trim it, others do not.
  for (const b of [...boundaries]) if (b.trim() !== b && b.trim() !== '') boundaries.push(b.trim());
  return { type, params: parsed.params, boundaries: [...new Set(boundaries)].filter((b) => BOUNDARY.test(b)) };
}

function sameReading(a: ContentTypeReading, b: ContentTypeReading): boolean {
  return a.type === b.type && a.boundaries.join('\n') === b.boundaries.join('\n') && a.params.get('name') === b.params.get('name');
}

/** One entity (the message, a part, a nested message) whose headers are parsed and body is buf[start, end). */
function parseEntity(buf: Buffer, headers: HeaderMap, start: number, end: number, depth: number, state: ParseState, partPath: string): MessagePart {
  const empty = (contentType: string): MessagePart => ({ headers, contentType, children: [], decodedSize: 0 });
  if (!admitPart(state)) return empty('text/plain');

  const typeHeaders = headers.get('content-type') ?? [];
  const readings: ContentTypeReading[] = [];
  for (const field of typeHeaders.length > 0 ? [typeHeaders[0], typeHeaders[typeHeaders.length - 1]] : []) {
    if (!field) continue;
    const reading = readContentType(field.value);
    if (!readings.some((r) => sameReading(r, reading))) readings.push(reading);
  }
  if (readings.length === 0) readings.push(readContentType('text/plain'));
  if (readings.length > 1) {
    report(state, 'MIME_AMBIGUOUS_CONTENT_TYPE', `part ${partPath} has ${typeHeaders.length} Content-Type headers that disagree (${readings.map((r) => r.type).join(' vs ')}); every reading was scanned`);
  }
  const [primary, ...others] = readings as [ContentTypeReading, ...ContentTypeReading[]];
  const node = parseAs(buf, headers, start, end, depth, state, partPath, primary);
  for (const other of others) parseAs(buf, headers, start, end, depth, state, partPath, other);
  return node;
}

function parseAs(
  buf: Buffer,
  headers: HeaderMap,
  start: number,
  end: number,
  depth: number,
  state: ParseState,
  partPath: string,
  ct: ContentTypeReading,
): MessagePart {
  if (ct.type.startsWith('multipart/')) return parseMultipart(buf, headers, start, end, depth, state, partPath, ct);
  return parseLeaf(buf, headers, start, end, depth, state, partPath, ct);
}

function parseMultipart(
  buf: Buffer,
  headers: HeaderMap,
  start: number,
  end: number,
  depth: number,
  state: ParseState,
  partPath: string,
  ct: ContentTypeReading,
): MessagePart {
  if (depth >= state.limits.maxDepth) {
    report(state, 'SCAN_LIMIT_MIME_DEPTH', `nesting deeper than ${state.limits.maxDepth} at part ${partPath}; inner parts were not read`);
    return { headers, contentType: ct.type, children: [], decodedSize: 0 };
  }
  const maxRanges = state.limits.maxParts - state.parts + 1;
  const splits: { boundary: string; how: string; ranges: [number, number][] }[] = [];
  const addSplit = (boundary: string, how: string, ranges: [number, number][]): void => {
    if (ranges.length === 0) return;
    const key = JSON.stringify(ranges);
    if (!splits.some((s) => JSON.stringify(s.ranges) === key)) splits.push({ boundary, how, ranges });
  };
  for (const boundary of ct.boundaries) addSplit(boundary, 'as declared', splitMultipart(buf, start, end, boundary, maxRanges, false));
  const firstBoundary = ct.boundaries[0];
  // Older readers take any line that begins with the delimiter, even `--boundaryX`.
  if (firstBoundary !== undefined) addSplit(firstBoundary, 'matched as a prefix', splitMultipart(buf, start, end, firstBoundary, maxRanges, true));
  if (splits.length === 0) {
    const guessed = guessBoundary(buf, start, end);
    if (guessed !== undefined) addSplit(guessed, 'guessed from the body', splitMultipart(buf, start, end, guessed, maxRanges, false));
    const why = ct.boundaries.length === 0 ? 'no boundary parameter' : `no delimiter line for boundary ${JSON.stringify(firstBoundary)}`;
    report(state, 'MIME_AMBIGUOUS_BOUNDARY', `multipart part ${partPath} has ${why}; read ${guessed !== undefined ? 'with a boundary guessed from the body and ' : ''}as text`);
    // Clients that give up on the structure show the body as text: scan it as such too.
    const asText = parseLeaf(buf, headers, start, end, depth, state, partPath, readContentType('text/plain'));
    if (splits.length === 0) return { ...asText, contentType: ct.type };
  } else if (splits.length > 1) {
    report(state, 'MIME_AMBIGUOUS_BOUNDARY', `multipart part ${partPath} splits ${splits.length} ways (${splits.map((s) => `${JSON.stringify(s.boundary)} ${s.how}: ${s.ranges.length} parts`).join('; ')}); every reading was scanned`);
  }
  let children: MessagePart[] = [];
  for (const [index, split] of splits.entries()) {
    const parsed: MessagePart[] = [];
    for (const [bodyStart, bodyEnd] of split.ranges) {
      if (state.stopped) break;
      const section = parseHeaderSection(buf, bodyStart, bodyEnd);
      state.findings.push(...section.findings);
      const childPath = index === 0 ? `${partPath}.${parsed.length + 1}` : `${partPath}~${index}.${parsed.length + 1}`;
      parsed.push(parseEntity(buf, section.headers, section.bodyOffset, bodyEnd, depth + 1, state, childPath));
    }
    if (index === 0) children = parsed;
  }
  return { headers, contentType: ct.type, children, decodedSize: 0 };
}

/** The names a part declares (more than one when Content-Disposition and Content-Type disagree). */
function declaredNames(headers: HeaderMap, ct: ContentTypeReading): { disposition: string; names: string[]; fromDisposition: boolean } {
  const disposition = parseHeaderParams(firstHeader(headers, 'content-disposition') ?? '');
  const fromDisposition = disposition.params.get('filename');
  const names: string[] = [];
  // Names that differ only before the extension (an ASCII fallback beside an RFC 2231 name) show
  // the same kind of file everywhere; a different extension is the one that matters.
  for (const n of [fromDisposition, ...(disposition.repeated.get('filename') ?? []), ct.params.get('name')]) {
    if (n !== undefined && n !== '' && !names.some((seen) => extensionOf(seen) === extensionOf(n))) names.push(n);
  }
  return { disposition: disposition.value, names, fromDisposition: fromDisposition !== undefined && fromDisposition !== '' };
}

function extensionOf(name: string): string {
  const trimmed = name.trim().replace(/[.\s]+$/, '').toLowerCase();
  const dot = trimmed.lastIndexOf('.');
  return dot === -1 ? '' : trimmed.slice(dot + 1);
}

function originOf(type: string, disposition: string, names: readonly string[], fromDisposition: boolean): AttachmentOrigin {
  if (MESSAGE_TYPES.has(type)) return 'rfc822';
  if (disposition === 'attachment' || fromDisposition) return 'disposition';
  return names.length > 0 ? 'content-type-name' : 'non-text-part';
}

function parseLeaf(
  buf: Buffer,
  headers: HeaderMap,
  start: number,
  end: number,
  depth: number,
  state: ParseState,
  partPath: string,
  ct: ContentTypeReading,
): MessagePart {
  const body = buf.subarray(start, end);
  const encodings = transferReadings(headers, body, ct, state, partPath);
  const { disposition, names, fromDisposition } = declaredNames(headers, ct);
  const origin = originOf(ct.type, disposition, names, fromDisposition);
  if (names.length > 1) {
    report(state, 'MIME_AMBIGUOUS_FILENAME', `part ${partPath} is named ${names.map((n) => JSON.stringify(n)).join(' and ')}; clients show different file types`);
  }
  const isText = (ct.type === 'text/plain' || ct.type === 'text/html') && disposition !== 'attachment' && names.length === 0;
  let primarySize = 0;
  let children: MessagePart[] = [];
  for (const [index, encoding] of encodings.entries()) {
    const allowance = decodeAllowance(state, partPath);
    if (allowance <= 0) break;
    const decoded = decodeTransferEncoding(body, encoding, allowance);
    noteDecoded(state, partPath, decoded.bytes.length, decoded.truncated, allowance);
    const variants = [decoded.bytes];
    if (decoded.stopAtPadding !== undefined) {
      report(state, 'MIME_AMBIGUOUS_ENCODING', `part ${partPath} has base64 data after padding; decoders that stop at "=" read less, both were scanned`);
      variants.push(decoded.bytes.subarray(0, decoded.stopAtPadding));
    }
    if ((decoded.junk ?? 0) > 0) report(state, 'MIME_BASE64_JUNK', `part ${partPath} has ${decoded.junk} characters outside the base64 alphabet`);
    if (index === 0) primarySize = decoded.bytes.length;
    for (const bytes of variants) {
      if (isText) {
        addText(state, ct.type, bytes, ct.params.get('charset'));
      } else {
        for (const name of names.length > 0 ? names : [undefined]) addAttachment(state, bytes, ct.type, name, origin, partPath);
        if (TNEF_TYPES.has(ct.type) || names.some((n) => n.toLowerCase() === 'winmail.dat') || isTnef(bytes)) extractTnef(state, bytes, partPath);
        if (ct.type === 'application/mac-binhex40') addEmbedded(state, 'binhex', decodeBinHexPart(bytes, state, partPath), partPath);
      }
      findEmbedded(state, bytes, partPath);
    }
    if (index === 0 && MESSAGE_TYPES.has(ct.type)) children = [parseNested(decoded.bytes, depth, state, partPath)];
  }
  return { headers, contentType: ct.type, children, decodedSize: primarySize };
}

/**
 * The Content-Transfer-Encoding readings of a leaf: the first declared, then any other declared
 * value, then base64 when the body is plainly base64 although declared otherwise (an attachment),
 * and for an unknown declaration both identity and base64 as clients guess differently.
 */
function transferReadings(headers: HeaderMap, body: Buffer, ct: ContentTypeReading, state: ParseState, partPath: string): TransferEncoding[] {
  const declared = (headers.get('content-transfer-encoding') ?? []).map((f) => f.value);
  const classes = declared.length === 0 ? ['identity' as const] : declared.map(classifyTransferEncoding);
  const readings: TransferEncoding[] = [];
  for (const c of classes) {
    const reading = c === 'unknown' ? 'identity' : c;
    if (!readings.includes(reading)) readings.push(reading);
  }
  if (readings.length > 1) {
    report(state, 'MIME_AMBIGUOUS_ENCODING', `part ${partPath} declares Content-Transfer-Encoding ${declared.map((d) => JSON.stringify(d)).join(' and ')}; every reading was scanned`);
  }
  const unknown = classes.includes('unknown');
  const attachmentLike = ct.params.has('name') || (!ct.type.startsWith('text/') && !ct.type.startsWith('multipart/') && !MESSAGE_TYPES.has(ct.type));
  if (!readings.includes('base64') && (unknown || attachmentLike) && looksLikeBase64(body)) {
    readings.push('base64');
    report(state, 'MIME_AMBIGUOUS_ENCODING', `part ${partPath} is declared ${JSON.stringify(declared[0] ?? '7bit')} but its body is base64; both readings were scanned`);
  } else if (unknown) {
    report(state, 'MIME_AMBIGUOUS_ENCODING', `part ${partPath} declares an unknown Content-Transfer-Encoding ${JSON.stringify(declared.find((d) => classifyTransferEncoding(d) === 'unknown'))}; read as is`);
  }
  return readings;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function addText(state: ParseState, type: string, bytes: Buffer, charset: string | undefined): void {
  const key = `${type}\0${sha256(bytes)}`;
  if (state.textSeen.has(key)) return;
  state.textSeen.add(key);
  (type === 'text/html' ? state.htmlBodies : state.textBodies).push(decodeCharset(bytes, charset));
}

function addAttachment(state: ParseState, bytes: Uint8Array, type: string, name: string | undefined, origin: AttachmentOrigin, partPath: string): void {
  const hash = sha256(bytes);
  const key = `${hash}\0${name ?? ''}`;
  if (state.attachmentSeen.has(key)) return;
  state.attachmentSeen.add(key);
  state.attachments.push({
    ...(name !== undefined ? { declaredName: name } : {}),
    declaredType: type,
    size: bytes.length,
    sha256: hash,
    origin,
    partPath,
    content: bytes,
  });
}

/** A message/rfc822 part read as the message it is, one level deeper. */
function parseNested(bytes: Buffer, depth: number, state: ParseState, partPath: string): MessagePart {
  if (depth + 1 > state.limits.maxDepth) {
    report(state, 'SCAN_LIMIT_MIME_DEPTH', `nesting deeper than ${state.limits.maxDepth} at part ${partPath}; the attached message was not read`);
    return { headers: EMPTY_HEADERS, contentType: 'text/plain', children: [], decodedSize: 0 };
  }
  const section = parseHeaderSection(bytes);
  state.findings.push(...section.findings);
  return parseEntity(bytes, section.headers, section.bodyOffset, bytes.length, depth + 1, state, `${partPath}.1`);
}

/** uuencode, yEnc and BinHex blocks inside a decoded body. */
function findEmbedded(state: ParseState, bytes: Buffer, partPath: string): void {
  const finders: [AttachmentOrigin, (max: number, files: number) => EmbeddedFile[]][] = [
    ['uuencode', (max, files) => findUuencoded(bytes, max, files)],
    ['yenc', (max, files) => findYenc(bytes, max, files)],
    ['binhex', (max) => findBinHex(bytes, max)],
  ];
  for (const [origin, find] of finders) {
    if (state.stopped) return;
    const allowance = decodeAllowance(state, partPath);
    if (allowance <= 0) return;
    // One more than the parts left: if it exists, admitPart refuses it and reports the limit.
    const files = find(allowance, state.limits.maxParts - state.parts + 1);
    addEmbedded(state, origin, files, partPath, allowance);
  }
}

function decodeBinHexPart(bytes: Buffer, state: ParseState, partPath: string): EmbeddedFile[] {
  const allowance = decodeAllowance(state, partPath);
  if (allowance <= 0) return [];
  const colon = bytes.indexOf(0x3a);
  const file = decodeBinHex(bytes, colon === -1 ? 0 : colon, allowance);
  return file ? [file] : [];
}

function addEmbedded(state: ParseState, origin: AttachmentOrigin, files: readonly EmbeddedFile[], partPath: string, allowance = state.limits.maxDecodedPartBytes): void {
  const tag = origin === 'uuencode' ? 'uu' : origin;
  for (const [i, file] of files.entries()) {
    if (!admitPart(state)) return;
    const path = `${partPath}.${tag}${i + 1}`;
    noteDecoded(state, path, file.bytes.length, file.truncated, allowance);
    addAttachment(state, file.bytes, 'application/octet-stream', file.name, origin, path);
  }
}

/** The files inside a TNEF attachment (winmail.dat), with their names, as Outlook shows them. */
function extractTnef(state: ParseState, bytes: Buffer, partPath: string): void {
  const allowance = decodeAllowance(state, partPath);
  if (allowance <= 0) return;
  const result = readTnef(bytes, allowance, state.limits.maxParts - state.parts + 1);
  for (const [i, member] of result.files.entries()) {
    if (!admitPart(state)) return;
    const path = `${partPath}.tnef${i + 1}`;
    noteDecoded(state, path, member.bytes.length, member.truncated, allowance);
    addAttachment(state, member.bytes, member.mimeType ?? 'application/octet-stream', member.name, 'tnef', path);
  }
  if (!result.complete && !state.reported.has('SCAN_LIMIT_DECODED_BYTES') && !state.reported.has('SCAN_LIMIT_MIME_PARTS')) {
    report(state, 'MIME_TNEF_MALFORMED', `TNEF attachment ${partPath} is malformed or truncated; ${result.files.length} files were read from it`);
  }
}

/**
 * A boundary for a multipart body that declares none (or one never used): the first line
 * `--something` followed by a header line, as lenient clients find it.
 */
function guessBoundary(buf: Buffer, start: number, end: number): string | undefined {
  const text = buf.subarray(start, Math.min(end, start + 64 * 1024)).toString('latin1');
  const m = /(?:^|\n)--([!-~][ -~]{0,199}?)[ \t]*\r?\n[!-9;-~]+:/.exec(text);
  return m?.[1];
}

/**
 * The bodies of a multipart entity: [start, end) ranges between delimiter lines `--boundary`.
 * The line break before a delimiter belongs to the delimiter (RFC 2046 5.1.1). Text before the
 * first delimiter (preamble) and after the close delimiter (epilogue) is ignored. With `prefix`,
 * any line that begins with the delimiter counts, as older readers do. At most `maxRanges` are
 * returned, so a message of a million empty parts costs no more than the limit.
 */
function splitMultipart(raw: Buffer, start: number, end: number, boundary: string, maxRanges: number, prefix: boolean): [number, number][] {
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
    if (!prefix && !isClose && lineEnd < end && raw[lineEnd] !== 0x0d && raw[lineEnd] !== 0x0a) continue;
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
