/**
 * Inspects an OLE compound file (.doc, .xls, .ppt, vbaProject.bin, RTF-embedded objects): VBA
 * projects and what their source does, Excel 4 (XLM) macro sheets, DDE fields in Word text,
 * encryption, the Equation Editor object, and files packaged inside (Ole10Native).
 *
 * Trusts nothing: the container is read from memory by the bounded OLE reader (never from a path),
 * which reports a damaged structure as a value; streams are read on demand, and a stream that
 * cannot be read is reported (macros cannot be ruled out), never skipped silently. Everything read
 * after that is checked against the stream's length and the named limits.
 */
import { finding } from '../../core/finding.js';
import type { InspectionReport } from '../content-inspection.js';
import { readVbaProject } from './vba-project.js';
import { scanVbaSource } from './vba-keywords.js';
import { readOle1Package } from './ole1-package.js';
import { OleReader, type OleDirectoryProblem, type OleStreamFailure } from './ole-reader.js';

/** Largest OLE file inspected. */
export const MAX_OLE_BYTES = 64 * 1024 * 1024;
/** Most BIFF records read looking for macro sheets before giving up on the workbook globals. */
const MAX_BIFF_RECORDS = 100_000;
/** Most unreadable stream paths named in one finding. */
const MAX_PATHS_NAMED = 5;

const OLE_SIGNATURE = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1] as const;

export function isOleFile(bytes: Uint8Array): boolean {
  return bytes.length >= 512 && OLE_SIGNATURE.every((b, i) => bytes[i] === b);
}

/**
 * The file's streams by lower-cased path from the root (`/macros/vba/dir`), read on demand; a
 * stream that exists but cannot be read reads as absent and is remembered for the report.
 */
interface StreamIndex {
  readonly paths: readonly string[];
  has(path: string): boolean;
  read(path: string): Uint8Array | undefined;
}

const LIMIT_FAILURES: ReadonlySet<OleStreamFailure> = new Set(['too-large', 'read-budget-exhausted', 'chain-budget-exhausted']);

export function inspectOle(bytes: Uint8Array, label: string, report: InspectionReport): void {
  if (bytes.length > MAX_OLE_BYTES) {
    report.findings.push(finding('SCAN_LIMIT_OFFICE_BYTES', `${label}: OLE file of ${bytes.length} bytes is over ${MAX_OLE_BYTES}; not inspected`));
    return;
  }
  const opened = OleReader.open(bytes);
  if (!opened.ok) {
    report.findings.push(finding('OFFICE_OLE_MALFORMED', `${label}: OLE structure unreadable (${opened.reason}); macros cannot be ruled out`));
    return;
  }
  reportDirectoryProblems(opened.reader.problems, label, report);
  const unreadable = new Map<string, OleStreamFailure>();
  const streams = indexStreams(opened.reader, unreadable);
  inspectVbaProjects(streams, label, report);
  inspectWorkbook(streams, label, report);
  inspectWordDocument(streams, label, report);
  if (streams.has('/encryptioninfo') && streams.has('/encryptedpackage')) {
    report.findings.push(finding('OFFICE_ENCRYPTED', `${label}: encrypted Office document (EncryptedPackage); its content cannot be inspected`));
  }
  for (const path of streams.paths) {
    if (path.endsWith('/equation native')) {
      report.findings.push(finding('OFFICE_EQUATION_EDITOR', `${label}: Equation Editor object (${path.slice(1)}), the target of CVE-2017-11882 and CVE-2018-0802`));
    }
    if (path.endsWith('/\u0001ole10native')) {
      // Ole10Native: a u32 size, then the OLE1 Package native data.
      const content = streams.read(path);
      const packaged = content !== undefined && content.length > 4 ? readOle1Package(content.subarray(4)) : undefined;
      if (packaged) {
        report.findings.push(finding('OFFICE_EMBEDDED_PACKAGE', `${label}: packaged file ${JSON.stringify(packaged.name)} (${packaged.content.length} bytes) embedded as an OLE object`));
        report.files.push(packaged);
      }
    }
  }
  reportUnreadableStreams(unreadable, label, report);
}

function indexStreams(ole: OleReader, unreadable: Map<string, OleStreamFailure>): StreamIndex {
  const paths = ole.entries.filter((e) => e.kind === 'stream').map((e) => e.path.toLowerCase());
  const known = new Set(paths);
  return {
    paths,
    has: (path) => known.has(path),
    read(path) {
      if (!known.has(path)) return undefined;
      const stream = ole.readStream(path);
      if (stream.ok) return stream.content;
      unreadable.set(path, stream.reason);
      return undefined;
    },
  };
}

function reportDirectoryProblems(problems: readonly OleDirectoryProblem[], label: string, report: InspectionReport): void {
  if (problems.includes('entry-limit')) {
    report.findings.push(finding('SCAN_LIMIT_OFFICE_OLE_ENTRIES', `${label}: OLE directory has more entries than are read; only part of it was inspected`));
  }
  const damage = problems.filter((p) => p !== 'entry-limit');
  if (damage.length > 0) {
    report.findings.push(finding('OFFICE_OLE_MALFORMED', `${label}: OLE directory damaged (${damage.join(', ')}); entries behind the damage were not inspected, macros cannot be ruled out`));
  }
}

function reportUnreadableStreams(unreadable: ReadonlyMap<string, OleStreamFailure>, label: string, report: InspectionReport): void {
  const describe = (entries: ReadonlyArray<[string, OleStreamFailure]>): string =>
    entries.slice(0, MAX_PATHS_NAMED).map(([path, reason]) => `${path.slice(1)} (${reason})`).join(', ') + (entries.length > MAX_PATHS_NAMED ? `, and ${entries.length - MAX_PATHS_NAMED} more` : '');
  const all = [...unreadable];
  const overLimit = all.filter(([, reason]) => LIMIT_FAILURES.has(reason));
  const damaged = all.filter(([, reason]) => !LIMIT_FAILURES.has(reason));
  if (overLimit.length > 0) report.findings.push(finding('SCAN_LIMIT_OFFICE_BYTES', `${label}: OLE stream(s) over the read limits, not inspected: ${describe(overLimit)}`));
  if (damaged.length > 0) report.findings.push(finding('OFFICE_OLE_MALFORMED', `${label}: OLE stream(s) unreadable: ${describe(damaged)}; macros cannot be ruled out`));
}

/** Every storage holding a `_VBA_PROJECT` stream is a VBA project (Word: Macros/VBA, Excel: _VBA_PROJECT_CUR/VBA). */
function inspectVbaProjects(streams: StreamIndex, label: string, report: InspectionReport): void {
  for (const path of streams.paths) {
    if (!path.endsWith('/_vba_project')) continue;
    const storage = path.slice(0, -'_vba_project'.length);
    const project = readVbaProject((name) => streams.read(storage + name.toLowerCase()));
    const where = storage.slice(1) || '/';
    const withCode = project.modules.filter((m) => scanVbaSource(m.source).codeLines > 0);
    const dirNote = project.dirStatus === 'complete' ? '' : `; dir stream ${project.dirStatus}, macros assumed`;
    report.findings.push(finding('OFFICE_VBA_MACRO', `${label}: VBA project in ${where} with ${project.modules.length} module(s)${withCode.length > 0 ? `, code in ${withCode.map((m) => m.name).join(', ')}` : ''}${dirNote}`));
    const autoExec = new Set<string>();
    const suspicious = new Set<string>();
    for (const module of project.modules) {
      const keywords = scanVbaSource(module.source);
      keywords.autoExec.forEach((k) => autoExec.add(k));
      keywords.suspicious.forEach((k) => suspicious.add(k));
    }
    if (autoExec.size > 0) report.findings.push(finding('OFFICE_VBA_AUTOEXEC', `${label}: macro runs by itself: ${[...autoExec].join(', ')}`));
    if (suspicious.size > 0) report.findings.push(finding('OFFICE_VBA_SUSPICIOUS', `${label}: macro calls ${[...suspicious].join(', ')}`));
    if (project.limitHit) report.findings.push(finding('SCAN_LIMIT_VBA_SOURCE', `${label}: VBA source in ${where} over the decompression limits; only part of it was inspected`));
  }
}

const BIFF_BOF = 0x0809;
const BIFF_EOF = 0x000a;
const BIFF_BOUNDSHEET = 0x0085;
const BIFF_FILEPASS = 0x002f;
const BIFF_NAME = 0x0018;
const SHEET_TYPE_MACRO = 0x01;
const SHEET_STATE = ['visible', 'hidden', 'very hidden'] as const;

/**
 * The globals substream of a BIFF8 workbook (up to the first EOF): BOUNDSHEET records with
 * sheet type 1 are Excel 4 macro sheets; a built-in NAME 0x01 is Auto_Open; FILEPASS means the
 * workbook is encrypted.
 */
function inspectWorkbook(streams: StreamIndex, label: string, report: InspectionReport): void {
  const book = streams.read('/workbook') ?? streams.read('/book');
  if (book === undefined) return;
  const view = new DataView(book.buffer, book.byteOffset, book.byteLength);
  const macroSheets: string[] = [];
  let autoOpen = false;
  let pos = 0;
  for (let n = 0; n < MAX_BIFF_RECORDS && pos + 4 <= book.length; n++) {
    const type = view.getUint16(pos, true);
    const size = view.getUint16(pos + 2, true);
    const data = book.subarray(pos + 4, Math.min(book.length, pos + 4 + size));
    pos += 4 + size;
    if (type === BIFF_EOF) break;
    if (type === BIFF_FILEPASS) {
      report.findings.push(finding('OFFICE_ENCRYPTED', `${label}: encrypted Excel workbook (FILEPASS); its content cannot be inspected`));
    } else if (type === BIFF_BOUNDSHEET && data.length >= 8 && data[5] === SHEET_TYPE_MACRO) {
      const state = SHEET_STATE[(data[4] ?? 0) & 0x03] ?? 'visible';
      macroSheets.push(`${biffShortString(data.subarray(6))} (${state})`);
    } else if (type === BIFF_NAME && data.length >= 16 && ((data[0] ?? 0) & 0x20) !== 0 && data[15] === 0x01) {
      autoOpen = true;
    } else if (n === 0 && type !== BIFF_BOF) {
      return;
    }
  }
  if (macroSheets.length > 0) {
    report.findings.push(finding('OFFICE_XLM_MACRO', `${label}: Excel 4 macro sheet(s) ${macroSheets.join(', ')}${autoOpen ? ' with an Auto_Open name' : ''}`));
  }
}

/** ShortXLUnicodeString: a length byte, a high-byte flag, then the characters. */
function biffShortString(data: Uint8Array): string {
  const length = data[0] ?? 0;
  const wide = ((data[1] ?? 0) & 0x01) !== 0;
  const chars = data.subarray(2, 2 + length * (wide ? 2 : 1));
  return Buffer.from(chars).toString(wide ? 'utf16le' : 'latin1');
}

/** Field begin (0x13) followed by a DDE or DDEAUTO instruction, in 8-bit or UTF-16 text. */
// eslint-disable-next-line no-control-regex -- 0x13 is Word's field-begin mark
const DDE_FIELD = /\x13\s*"?\s*(DDEAUTO|DDE)\b/i;

function inspectWordDocument(streams: StreamIndex, label: string, report: InspectionReport): void {
  const word = streams.read('/worddocument');
  if (word === undefined) return;
  // FIB: wIdent 0xA5EC, and fEncrypted is bit 0 of byte 11 ([MS-DOC] 2.5.2 FibBase).
  if (word.length > 11 && word[0] === 0xec && word[1] === 0xa5 && ((word[11] ?? 0) & 0x01) !== 0) {
    report.findings.push(finding('OFFICE_ENCRYPTED', `${label}: encrypted Word document; its content cannot be inspected`));
  }
  const buffer = Buffer.from(word.buffer, word.byteOffset, word.byteLength);
  const match = DDE_FIELD.exec(buffer.toString('latin1')) ?? DDE_FIELD.exec(buffer.toString('utf16le')) ?? DDE_FIELD.exec(buffer.subarray(1).toString('utf16le'));
  if (match) report.findings.push(finding('OFFICE_DDE', `${label}: ${match[1]?.toUpperCase()} field in the document text`));
}
