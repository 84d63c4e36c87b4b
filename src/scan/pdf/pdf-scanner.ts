/**
 * A bounded PDF content scanner (not a renderer, not a full parser): it tokenizes the file as
 * a reader's lenient fallback does (objects in order, `stream`...`endstream` found by /Length or
 * by searching), decodes object streams (/Type /ObjStm) to see the objects compressed inside,
 * resolves name escapes (`/J#61vaScript` is `/JavaScript`), and reports the names that make a
 * PDF act (JavaScript, automatic actions, Launch, SubmitForm, embedded files), the /URI targets,
 * and the embedded files' bytes.
 *
 * Trusts nothing: decoded bytes are capped per stream and per file, embedded files and object
 * streams are counted, and each cap that is hit is listed in `limits` so the caller reports it.
 * Literal strings are skipped as strings (a `/JS` inside a URL is not a name). Never throws.
 */
import type { ExtractedFile } from '../content-inspection.js';
import { decodeStream } from './pdf-filters.js';

/** Largest decoded object stream or embedded file. */
export const MAX_PDF_STREAM_BYTES = 32 * 1024 * 1024;
/** Most decoded bytes per PDF, all streams together. */
export const MAX_PDF_DECODED_BYTES = 128 * 1024 * 1024;
/** Most embedded files extracted per PDF. */
export const MAX_PDF_EMBEDDED_FILES = 64;
/** Longest string value kept (URIs, file names); longer strings are still skipped whole. */
const MAX_KEPT_STRING = 4096;
/** Tokens of one object kept to read its stream dictionary. */
const MAX_OBJECT_TOKENS = 4096;

/** Names whose presence is reported, after #xx decoding. */
export const ACTIVE_NAMES = ['JavaScript', 'JS', 'OpenAction', 'AA', 'Launch', 'EmbeddedFile', 'EmbeddedFiles', 'SubmitForm', 'RichMedia', 'XFA', 'Encrypt', 'ObjStm', 'GoToR', 'GoToE', 'ImportData'] as const;
const ACTIVE = new Set<string>(ACTIVE_NAMES);

export interface PdfScan {
  /** Occurrences of each active name. */
  readonly names: ReadonlyMap<string, number>;
  readonly uris: readonly string[];
  readonly embeddedFiles: readonly ExtractedFile[];
  /** Object streams or embedded files that could not be decoded (corrupt or unsupported filter). */
  readonly undecodable: number;
  /** Each limit hit, as a sentence. */
  readonly limits: readonly string[];
}

type Token =
  | { readonly kind: 'name'; readonly value: string }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'word'; readonly value: string }
  | { readonly kind: 'delim'; readonly value: string };

interface StreamRecord {
  readonly objectNumber: number | undefined;
  readonly filters: readonly string[];
  readonly start: number;
  readonly end: number;
  readonly embedded: boolean;
}

export function isPdf(bytes: Uint8Array): boolean {
  return Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 1024)).includes('%PDF-');
}

export function scanPdf(bytes: Uint8Array): PdfScan {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  const state = new ScanState();
  tokenize(text, state, true);
  const embeddedFiles: ExtractedFile[] = [];
  for (const stream of state.streams) {
    const referenced = stream.objectNumber !== undefined && state.embeddedRefs.has(stream.objectNumber);
    if (!stream.embedded && !referenced) continue;
    if (embeddedFiles.length >= MAX_PDF_EMBEDDED_FILES) {
      state.limits.push(`more than ${MAX_PDF_EMBEDDED_FILES} embedded files`);
      break;
    }
    const decoded = state.decode(bytes.subarray(stream.start, stream.end), stream.filters);
    if (decoded === undefined) continue;
    const name = (stream.objectNumber !== undefined ? state.fileNames.get(stream.objectNumber) : undefined) ?? `embedded-${stream.objectNumber ?? embeddedFiles.length + 1}`;
    embeddedFiles.push({ name, content: decoded });
  }
  return { names: state.names, uris: state.uris, embeddedFiles, undecodable: state.undecodable, limits: [...new Set(state.limits)] };
}

class ScanState {
  readonly names = new Map<string, number>();
  readonly uris: string[] = [];
  readonly streams: StreamRecord[] = [];
  readonly embeddedRefs = new Set<number>();
  readonly fileNames = new Map<number, string>();
  readonly limits: string[] = [];
  undecodable = 0;
  private decodedBytes = 0;

  /** Decodes within the per-stream and per-file caps; undefined (and counted) when it cannot. */
  decode(data: Uint8Array, filters: readonly string[]): Uint8Array | undefined {
    const room = Math.min(MAX_PDF_STREAM_BYTES, MAX_PDF_DECODED_BYTES - this.decodedBytes);
    if (room <= 0) {
      this.limits.push(`more than ${MAX_PDF_DECODED_BYTES} decoded bytes`);
      return undefined;
    }
    const result = decodeStream(data, filters, room);
    if (result.status === 'limit') {
      this.limits.push(room < MAX_PDF_STREAM_BYTES ? `more than ${MAX_PDF_DECODED_BYTES} decoded bytes` : `a stream decoding to more than ${MAX_PDF_STREAM_BYTES} bytes`);
      return undefined;
    }
    if (result.status !== 'ok') {
      this.undecodable++;
      return undefined;
    }
    this.decodedBytes += result.bytes.length;
    return result.bytes;
  }
}

/**
 * One pass over `text`: names, strings, object headers, and streams (whose bodies are skipped,
 * and decoded when they are object streams). `topLevel` is false inside a decoded object
 * stream, where stream offsets would not refer to the file.
 */
function tokenize(text: string, state: ScanState, topLevel: boolean): void {
  let objectTokens: Token[] = [];
  let objectNumber: number | undefined;
  const recent: Token[] = [];
  let inEmbeddedFileDict = false;
  let lastFileName: string | undefined;
  let pos = 0;
  const n = text.length;

  const emit = (token: Token): void => {
    recent.push(token);
    if (recent.length > 4) recent.shift();
    if (objectTokens.length < MAX_OBJECT_TOKENS) objectTokens.push(token);
    const previous = recent[recent.length - 2];
    if (token.kind === 'name') {
      if (ACTIVE.has(token.value)) state.names.set(token.value, (state.names.get(token.value) ?? 0) + 1);
      if (token.value === 'EF') inEmbeddedFileDict = true;
    } else if (token.kind === 'string' && previous?.kind === 'name') {
      if (previous.value === 'URI') state.uris.push(token.value);
      if (previous.value === 'F' || previous.value === 'UF') lastFileName = token.value;
    } else if (token.kind === 'delim' && token.value === '>>') {
      inEmbeddedFileDict = false;
    } else if (token.kind === 'word' && token.value === 'R' && inEmbeddedFileDict) {
      const number = recent.length >= 3 ? Number((recent[recent.length - 3] as Token).value) : NaN;
      if (Number.isInteger(number)) {
        state.embeddedRefs.add(number);
        if (lastFileName !== undefined) state.fileNames.set(number, lastFileName);
      }
    } else if (token.kind === 'word' && token.value === 'obj') {
      const number = recent.length >= 3 ? Number((recent[recent.length - 3] as Token).value) : NaN;
      objectNumber = Number.isInteger(number) ? number : undefined;
      objectTokens = [];
      lastFileName = undefined;
    }
  };

  while (pos < n) {
    const c = text.charCodeAt(pos);
    if (isWhite(c)) {
      pos++;
    } else if (c === 0x25 /* % */) {
      while (pos < n && text.charCodeAt(pos) !== 0x0a && text.charCodeAt(pos) !== 0x0d) pos++;
    } else if (c === 0x2f /* / */) {
      let end = pos + 1;
      while (end < n && isRegular(text.charCodeAt(end))) end++;
      emit({ kind: 'name', value: decodeName(text.slice(pos + 1, Math.min(end, pos + 1 + 256))) });
      pos = end;
    } else if (c === 0x28 /* ( */) {
      const { value, end } = readLiteralString(text, pos);
      emit({ kind: 'string', value: decodeTextString(value) });
      pos = end;
    } else if (c === 0x3c /* < */) {
      if (text.charCodeAt(pos + 1) === 0x3c) {
        emit({ kind: 'delim', value: '<<' });
        pos += 2;
      } else {
        let end = text.indexOf('>', pos + 1);
        if (end === -1) end = n;
        emit({ kind: 'string', value: decodeTextString(hexString(text.slice(pos + 1, Math.min(end, pos + 1 + 2 * MAX_KEPT_STRING)))) });
        pos = end + 1;
      }
    } else if (c === 0x3e /* > */) {
      if (text.charCodeAt(pos + 1) === 0x3e) {
        emit({ kind: 'delim', value: '>>' });
        pos += 2;
      } else {
        pos++;
      }
    } else if (c === 0x5b || c === 0x5d || c === 0x7b || c === 0x7d || c === 0x29) {
      emit({ kind: 'delim', value: text[pos] as string });
      pos++;
    } else {
      let end = pos + 1;
      while (end < n && isRegular(text.charCodeAt(end))) end++;
      const word = text.slice(pos, Math.min(end, pos + 64));
      pos = end;
      if (word === 'stream') {
        pos = handleStream(text, pos, objectTokens, objectNumber, state, topLevel);
        objectTokens = [];
      } else {
        emit({ kind: 'word', value: word });
      }
    }
  }
}

/** Reads the stream body after the `stream` keyword; returns the position after `endstream`. */
function handleStream(text: string, afterKeyword: number, dict: readonly Token[], objectNumber: number | undefined, state: ScanState, topLevel: boolean): number {
  let start = afterKeyword;
  if (text.charCodeAt(start) === 0x0d) start++;
  if (text.charCodeAt(start) === 0x0a) start++;
  const length = directInteger(dict, 'Length');
  let end: number;
  if (length !== undefined && start + length <= text.length && /^\s*endstream/.test(text.slice(start + length, start + length + 32))) {
    end = start + length;
  } else {
    const found = text.indexOf('endstream', start);
    end = found === -1 ? text.length : found;
  }
  const type = nameAfter(dict, 'Type');
  const filters = filtersOf(dict);
  if (topLevel) state.streams.push({ objectNumber, filters, start, end, embedded: type === 'EmbeddedFile' });
  if (type === 'ObjStm' && topLevel) {
    const decoded = state.decode(Buffer.from(text.slice(start, end), 'latin1'), filters);
    if (decoded !== undefined) tokenize(Buffer.from(decoded.buffer, decoded.byteOffset, decoded.byteLength).toString('latin1'), state, false);
  }
  const after = text.indexOf('endstream', end);
  return after === -1 ? text.length : after + 'endstream'.length;
}

function indexOfName(dict: readonly Token[], key: string): number {
  return dict.findIndex((t) => t.kind === 'name' && t.value === key);
}

function directInteger(dict: readonly Token[], key: string): number | undefined {
  const i = indexOfName(dict, key);
  const value = dict[i + 1];
  const following = dict[i + 3];
  if (i < 0 || value?.kind !== 'word' || (following?.kind === 'word' && following.value === 'R')) return undefined;
  const number = Number(value.value);
  return Number.isInteger(number) && number >= 0 ? number : undefined;
}

function nameAfter(dict: readonly Token[], key: string): string | undefined {
  const value = dict[indexOfName(dict, key) + 1];
  return indexOfName(dict, key) >= 0 && value?.kind === 'name' ? value.value : undefined;
}

function filtersOf(dict: readonly Token[]): string[] {
  const i = indexOfName(dict, 'Filter');
  if (i < 0) return [];
  const first = dict[i + 1];
  if (first?.kind === 'name') return [first.value];
  const filters: string[] = [];
  if (first?.kind === 'delim' && first.value === '[') {
    for (let k = i + 2; k < dict.length && k < i + 16; k++) {
      const t = dict[k] as Token;
      if (t.kind !== 'name') break;
      filters.push(t.value);
    }
  }
  return filters;
}

/** Reads a balanced literal string from `(`; keeps at most MAX_KEPT_STRING characters. */
function readLiteralString(text: string, open: number): { value: string; end: number } {
  let depth = 0;
  let out = '';
  let pos = open;
  const n = text.length;
  while (pos < n) {
    const c = text[pos] as string;
    if (c === '\\') {
      const next = text[pos + 1] ?? '';
      const octal = /^[0-7]{1,3}/.exec(text.slice(pos + 1, pos + 4));
      let decoded: string;
      if (octal) {
        decoded = String.fromCharCode(parseInt(octal[0], 8) & 0xff);
        pos += 1 + octal[0].length;
      } else {
        decoded = ({ n: '\n', r: '\r', t: '\t', b: '\b', f: '\f' } as Record<string, string>)[next] ?? (next === '\r' || next === '\n' ? '' : next);
        pos += 2;
      }
      if (out.length < MAX_KEPT_STRING) out += decoded;
      continue;
    }
    if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return { value: out, end: pos + 1 };
    // The outer parentheses delimit the string; balanced inner ones are part of it.
    if (pos !== open && out.length < MAX_KEPT_STRING) out += c;
    pos++;
  }
  return { value: out, end: n };
}

function hexString(hex: string): string {
  const digits = hex.replace(/[^0-9a-f]/gi, '');
  return Buffer.from(digits.length % 2 === 1 ? `${digits}0` : digits, 'hex').toString('latin1');
}

/** PDF text strings are PDFDocEncoding (close enough to latin1) or UTF-16BE with a BOM. */
function decodeTextString(s: string): string {
  if (s.charCodeAt(0) !== 0xfe || s.charCodeAt(1) !== 0xff) return s;
  const bytes = Buffer.from(s.slice(2), 'latin1');
  return bytes.length % 2 === 0 ? bytes.swap16().toString('utf16le') : s;
}

/** `#xx` in a name is the byte xx (PDF 1.2+): how `/J#61vaScript` hides from naive scanners. */
function decodeName(raw: string): string {
  return raw.includes('#') ? raw.replace(/#([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))) : raw;
}

function isWhite(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0x0c || c === 0x00;
}

function isRegular(c: number): boolean {
  return !isWhite(c) && c !== 0x2f && c !== 0x28 && c !== 0x29 && c !== 0x3c && c !== 0x3e && c !== 0x5b && c !== 0x5d && c !== 0x7b && c !== 0x7d && c !== 0x25;
}
