/**
 * zip, read in memory with yauzl 3 (`fromBuffer`; yauzl never touches the disk for a buffer).
 *
 * The central directory is what yauzl reads, and it is attacker-written, so it is checked
 * against the rest of the file instead of trusted:
 * - each entry's local header name must equal its central name (else ARCHIVE_ZIP_NAME_MISMATCH:
 *   a scanner that reads one and an extractor that reads the other see different files), and
 *   both names, plus any Info-ZIP Unicode path, are analysed;
 * - entries must not overlap (ARCHIVE_ZIP_OVERLAPPING_ENTRIES: the non-recursive zip bomb of
 *   Fifield 2019 points many entries at the same compressed data);
 * - local headers that no central entry covers (ARCHIVE_ZIP_HIDDEN_ENTRY) are files that
 *   streaming extractors show and central-directory readers do not.
 * File names are taken raw (`decodeStrings: false`): yauzl's own decoding maps control bytes
 * to CP437 glyphs and rejects `..` paths, which would hide exactly what name analysis looks for.
 *
 * Declared sizes are used only to refuse early; yauzl checks that the data does not exceed them
 * (`validateEntrySizes`) and every decoded chunk is metered. Encrypted members are
 * ARCHIVE_ENCRYPTED (their names are still analysed); compression methods other than stored,
 * deflate and bzip2 are ARCHIVE_UNSUPPORTED_FORMAT; a structure yauzl refuses is ARCHIVE_CORRUPT.
 */
import yauzl from 'yauzl';
import type { Entry, ZipFile } from 'yauzl';
import { finding, type Finding } from '../../core/finding.js';
import type { ArchiveMember, ArchiveReadContext, ArchiveReadResult } from './archive-read-result.js';
import { decodeBzip2 } from './bzip2-reader.js';
import type { MemberMeter } from './expansion-budget.js';
import { readMetered } from './metered-stream.js';
import { quoteName } from './quote-name.js';

const METHOD_STORED = 0;
const METHOD_DEFLATE = 8;
const METHOD_BZIP2 = 12;
const FLAG_ENCRYPTED = 0x1;
const LOCAL_HEADER_SIGNATURE = Buffer.from([0x50, 0x4b, 0x03, 0x04]);
const LOCAL_HEADER_FIXED_SIZE = 30;

/** Names of the compression methods people meet, for finding details. */
const METHOD_NAMES: Readonly<Record<number, string>> = { 9: 'deflate64', 14: 'LZMA', 93: 'zstd', 95: 'xz', 98: 'PPMd', 99: 'AES' };

interface Span {
  readonly start: number;
  readonly end: number;
  readonly path: string;
}

/** Members of one kind, counted for one finding per archive (not one per member). */
class NamedCount {
  count = 0;
  first = '';
  add(path: string): void {
    if (this.count++ === 0) this.first = path;
  }
  describe(): string {
    return `${this.count} member(s), e.g. ${quoteName(this.first)}`;
  }
}

export async function readZip(data: Uint8Array, ctx: ArchiveReadContext): Promise<ArchiveReadResult> {
  const buffer = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const members: ArchiveMember[] = [];
  const findings: Finding[] = [];
  let zipfile: ZipFile;
  try {
    zipfile = await yauzl.fromBufferPromise(buffer, { lazyEntries: true, decodeStrings: false, validateEntrySizes: true, strictFileNames: true });
  } catch (err) {
    return { members, findings: [structureFinding(ctx.where, err)] };
  }
  const spans: Span[] = [];
  const encrypted = new NamedCount();
  const mismatched = new NamedCount();
  const unsupported = new NamedCount();
  const methods = new Set<string>();
  let complete = false;
  try {
    for await (const entry of zipfile.eachEntry()) {
      const refusedEntry = ctx.budget.takeEntry(ctx.where);
      if (refusedEntry) {
        findings.push(refusedEntry);
        break;
      }
      if (ctx.signal.aborted) {
        findings.push(finding('SCAN_LIMIT_TIME', `${ctx.where}: time budget spent while reading the zip`));
        break;
      }
      const path = yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, false);
      const names = new Set([path, rawName(entry.fileNameRaw), yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, true)]);
      const local = await zipfile.readLocalFileHeaderPromise(entry);
      if (!local.fileName.equals(entry.fileNameRaw)) {
        mismatched.add(path);
        names.add(rawName(local.fileName));
      }
      spans.push({ start: entry.relativeOffsetOfLocalHeader, end: local.fileDataStart + entry.compressedSize, path });

      const member = { path, names: [...names], namedByArchive: true };
      // A directory has no data; one that claims data is read like a file (extractors differ).
      if (path.endsWith('/') && entry.uncompressedSize === 0) {
        members.push(member);
        continue;
      }
      if ((entry.generalPurposeBitFlag & FLAG_ENCRYPTED) !== 0) {
        encrypted.add(path);
        members.push(member);
        continue;
      }
      const meter = ctx.budget.meter(ctx.where, entry.compressedSize);
      const declaredRefused = meter.check(entry.uncompressedSize);
      if (declaredRefused) {
        findings.push(declaredRefused);
        members.push(member);
        break;
      }
      const read = await readEntryData(zipfile, entry, meter);
      if (read.kind === 'unsupported') {
        unsupported.add(path);
        methods.add(METHOD_NAMES[entry.compressionMethod] ?? `method ${entry.compressionMethod}`);
        members.push(member);
        continue;
      }
      if (read.kind === 'refused') {
        findings.push(read.finding);
        members.push(member);
        break;
      }
      if (read.kind === 'error') {
        findings.push(finding('ARCHIVE_CORRUPT', `${ctx.where}: member ${quoteName(path)} cannot be decoded (${shortMessage(read.error)})`));
        members.push(member);
        continue;
      }
      members.push({ ...member, content: read.content });
    }
    complete = findings.length === 0 || findings.every((f) => f.id === 'ARCHIVE_CORRUPT');
  } catch (err) {
    findings.push(structureFinding(ctx.where, err));
  } finally {
    zipfile.close();
  }

  if (encrypted.count > 0) findings.push(finding('ARCHIVE_ENCRYPTED', `${ctx.where}: ${encrypted.describe()} encrypted; their content cannot be scanned`));
  if (unsupported.count > 0) {
    findings.push(finding('ARCHIVE_UNSUPPORTED_FORMAT', `${ctx.where}: ${unsupported.describe()} compressed with ${[...methods].join(', ')}, which cannot be decoded here; not scanned`));
  }
  if (mismatched.count > 0) {
    findings.push(finding('ARCHIVE_ZIP_NAME_MISMATCH', `${ctx.where}: ${mismatched.describe()} named differently in the central directory and the local header`));
  }
  const overlap = firstOverlap(spans);
  if (overlap) {
    findings.push(finding('ARCHIVE_ZIP_OVERLAPPING_ENTRIES', `${ctx.where}: members ${quoteName(overlap[0].path)} and ${quoteName(overlap[1].path)} share compressed data (a zip bomb construction)`));
  }
  // Only a fully read directory tells which local headers it covers.
  if (complete) {
    const hidden = uncoveredLocalHeaders(buffer, spans);
    if (hidden > 0) {
      findings.push(finding('ARCHIVE_ZIP_HIDDEN_ENTRY', `${ctx.where}: ${hidden} local file header(s) that the central directory does not list (files only some extractors show)`));
    }
  }
  return { members, findings };
}

type EntryRead = Awaited<ReturnType<typeof readMetered>> | { readonly kind: 'unsupported' };

async function readEntryData(zipfile: ZipFile, entry: Entry, meter: MemberMeter): Promise<EntryRead> {
  if (entry.compressionMethod === METHOD_STORED || entry.compressionMethod === METHOD_DEFLATE) {
    return readMetered(await zipfile.openReadStreamPromise(entry), meter);
  }
  if (entry.compressionMethod !== METHOD_BZIP2) return { kind: 'unsupported' };
  // The raw compressed bytes are bounded by the archive's own size; their output is metered.
  const raw = await readMetered(await zipfile.openReadStreamPromise(entry, { decodeFileData: false }), { add: () => undefined });
  if (raw.kind !== 'content') return raw;
  const outcome = decodeBzip2(raw.content, meter);
  if (outcome.problem?.kind === 'limit') return { kind: 'refused', finding: outcome.problem.finding };
  if (outcome.problem?.kind === 'corrupt') return { kind: 'error', error: new Error(`bzip2: ${outcome.problem.reason}`) };
  return { kind: 'content', content: outcome.content };
}

/** The name bytes as UTF-8, invalid sequences replaced: control bytes stay control characters. */
function rawName(bytes: Uint8Array): string {
  return new TextDecoder('utf-8').decode(bytes);
}

function firstOverlap(spans: readonly Span[]): readonly [Span, Span] | undefined {
  const sorted = [...spans].sort((a, b) => a.start - b.start);
  for (let i = 1; i < sorted.length; i++) {
    const previous = sorted[i - 1] as Span;
    const current = sorted[i] as Span;
    if (current.start < previous.end) return [previous, current];
  }
  return undefined;
}

/** Local header signatures outside every listed entry, with a plausible header after them. */
function uncoveredLocalHeaders(buffer: Buffer, spans: readonly Span[]): number {
  const sorted = [...spans].sort((a, b) => a.start - b.start);
  let hidden = 0;
  let spanIndex = 0;
  for (let at = buffer.indexOf(LOCAL_HEADER_SIGNATURE); at !== -1; at = buffer.indexOf(LOCAL_HEADER_SIGNATURE, at + 1)) {
    while (spanIndex < sorted.length && (sorted[spanIndex] as Span).end <= at) spanIndex++;
    const span = sorted[spanIndex];
    if (span !== undefined && span.start <= at) continue;
    if (at + LOCAL_HEADER_FIXED_SIZE <= buffer.length) hidden++;
  }
  return hidden;
}

/** yauzl's structural errors name the fault and offsets, never file content; strong encryption is its own finding. */
function structureFinding(where: string, err: unknown): Finding {
  const message = shortMessage(err);
  if (/strong encryption/i.test(message)) return finding('ARCHIVE_ENCRYPTED', `${where}: the zip uses strong encryption; its content cannot be scanned`);
  return finding('ARCHIVE_CORRUPT', `${where}: the zip structure is invalid (${message})`);
}

function shortMessage(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  // yauzl quotes file names in some messages ("invalid characters in fileName: ..."): keep them printable.
  return quoteName(text.slice(0, 120)).slice(1, -1);
}
