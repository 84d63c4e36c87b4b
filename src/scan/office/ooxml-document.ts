/**
 * Inspects an OOXML package (.docx/.docm/.xlsx/.xlsm/.pptx...): OLE parts inside it
 * (vbaProject.bin whatever it is renamed to, embedded oleObject*.bin) go to the OLE inspector;
 * external relationships in every .rels part (remote template injection through
 * `attachedTemplate`, OLE links and frames to http/file/UNC, the Follina `mhtml:` target); DDE
 * fields in Word XML (instrText split across runs, fldSimple) and Excel DDE links; Excel 4 macro
 * sheets.
 *
 * Trusts nothing: parts are read through the bounded zip reader, per part and per package; a
 * limit hit is a SCAN_LIMIT_* finding. XML is matched with linear regular expressions, not
 * parsed into a tree.
 */
import { finding } from '../../core/finding.js';
import type { InspectionReport } from '../content-inspection.js';
import { readZipDirectory, readZipPart, type ZipDirectory, type ZipEntry } from './ooxml-zip.js';
import { inspectOle, isOleFile } from './ole-document.js';

/** Largest part inflated. */
export const MAX_OOXML_PART_BYTES = 32 * 1024 * 1024;
/** Most bytes inflated per package, all parts together. */
export const MAX_OOXML_PACKAGE_BYTES = 128 * 1024 * 1024;

/** The package's central directory when `bytes` is an OOXML package, else undefined. */
export function readOoxmlDirectory(bytes: Uint8Array): ZipDirectory | undefined {
  if (bytes[0] !== 0x50 || bytes[1] !== 0x4b) return undefined;
  const directory = readZipDirectory(bytes);
  return directory?.entries.some((e) => e.name === '[Content_Types].xml') ? directory : undefined;
}

/** Inspects the package; returns the OLE parts it handed to the OLE inspector. */
export function inspectOoxml(bytes: Uint8Array, directory: ZipDirectory, label: string, report: InspectionReport): Uint8Array[] {
  let budget = MAX_OOXML_PACKAGE_BYTES;
  const limited: string[] = [];
  const read = (entry: ZipEntry): string | Uint8Array | undefined => {
    if (budget <= 0) {
      limited.push(entry.name);
      return undefined;
    }
    const part = readZipPart(bytes, entry, Math.min(MAX_OOXML_PART_BYTES, budget));
    if (part.status === 'limit') limited.push(entry.name);
    if (part.status !== 'ok') return undefined;
    budget -= part.bytes.length;
    return part.bytes;
  };
  const text = (entry: ZipEntry): string | undefined => {
    const part = read(entry);
    return part === undefined ? undefined : Buffer.from(part as Uint8Array).toString('utf8');
  };

  if (directory.truncated) limited.push('(central directory)');
  const oleParts: Uint8Array[] = [];
  const macroSheets: string[] = [];
  for (const entry of directory.entries) {
    const name = entry.name.toLowerCase();
    if (/^xl\/macrosheets\//.test(name)) macroSheets.push(entry.name);
    if (name.endsWith('.bin') || name.includes('vbaproject')) {
      const part = read(entry);
      if (part instanceof Uint8Array && isOleFile(part)) {
        oleParts.push(part);
        inspectOle(part, `${label} > ${entry.name}`, report);
      }
    } else if (name.endsWith('.rels')) {
      const xml = text(entry);
      if (xml !== undefined) inspectRelationships(xml, `${label} > ${entry.name}`, report);
    } else if (/^word\/[^/]+\.xml$/.test(name)) {
      const xml = text(entry);
      const dde = xml === undefined ? undefined : findDdeField(xml);
      if (dde !== undefined) report.findings.push(finding('OFFICE_DDE', `${label} > ${entry.name}: field ${JSON.stringify(dde.slice(0, 200))}`));
    } else if (/^xl\/externallinks\/[^/]+\.xml$/.test(name)) {
      const xml = text(entry);
      const dde = xml === undefined ? undefined : /<(?:\w+:)?ddeLink\b[^>]*ddeService="([^"]*)"/.exec(xml);
      if (dde) report.findings.push(finding('OFFICE_DDE', `${label} > ${entry.name}: DDE link to service ${JSON.stringify(dde[1] ?? '')}`));
    }
  }
  if (macroSheets.length > 0) report.findings.push(finding('OFFICE_XLM_MACRO', `${label}: Excel 4 macro sheet(s) ${macroSheets.join(', ')}`));
  if (limited.length > 0) {
    report.findings.push(finding('SCAN_LIMIT_OOXML_PART', `${label}: parts over the inflation limits (${MAX_OOXML_PART_BYTES} per part, ${MAX_OOXML_PACKAGE_BYTES} per package): ${limited.slice(0, 5).join(', ')}`));
  }
  return oleParts;
}

const RELATIONSHIP = /<(?:\w+:)?Relationship\b([^>]*)>/g;
const ATTRIBUTE = /([\w:]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;
/** Targets that reach outside the document: a web server, a file share, a local file. */
const REMOTE_TARGET = /^\s*(https?:|ftp:|mhtml:|file:|\\\\|\/\/)/i;
const HTTP_URL = /https?:\/\/[^\s"'<>!]+/i;

function inspectRelationships(xml: string, label: string, report: InspectionReport): void {
  for (const match of xml.matchAll(RELATIONSHIP)) {
    const attributes = new Map<string, string>();
    for (const a of (match[1] ?? '').matchAll(ATTRIBUTE)) attributes.set((a[1] ?? '').toLowerCase(), decodeXmlEntities(a[2] ?? a[3] ?? ''));
    if ((attributes.get('targetmode') ?? '').toLowerCase() !== 'external') continue;
    const target = attributes.get('target') ?? '';
    const type = (attributes.get('type') ?? '').split('/').pop() ?? '';
    const url = HTTP_URL.exec(target)?.[0];
    if (url !== undefined) report.urls.push(url);
    if (type === 'hyperlink' || !REMOTE_TARGET.test(target)) continue;
    const shown = JSON.stringify(target.slice(0, 300));
    if (type === 'attachedTemplate') {
      report.findings.push(finding('OFFICE_REMOTE_TEMPLATE', `${label}: template loaded from ${shown}`));
    } else {
      report.findings.push(finding('OFFICE_EXTERNAL_RELATIONSHIP', `${label}: external ${type || 'relationship'} to ${shown}`));
    }
  }
}

const FIELD_PIECE = /<(?:\w+:)?fldChar\b[^>]*fldCharType="(begin|separate|end)"|<(?:\w+:)?instrText\b[^>]*>([^<]*)<|<(?:\w+:)?fldSimple\b[^>]*instr="([^"]*)"/g;
const DDE_INSTRUCTION = /^\s*"?\s*(DDEAUTO|DDE)\b/i;

/**
 * Rebuilds each field's instruction from its pieces (Word splits `DDEAUTO` across runs as
 * easily as an attacker does) and returns the first DDE one.
 */
export function findDdeField(xml: string): string | undefined {
  let instruction: string | undefined;
  for (const match of xml.matchAll(FIELD_PIECE)) {
    if (match[3] !== undefined) {
      const simple = decodeXmlEntities(match[3]);
      if (DDE_INSTRUCTION.test(simple)) return simple.trim();
    } else if (match[1] === 'begin') {
      instruction = '';
    } else if (match[1] !== undefined) {
      if (instruction !== undefined && DDE_INSTRUCTION.test(instruction)) return instruction.trim();
      instruction = undefined;
    } else if (match[2] !== undefined && instruction !== undefined && instruction.length < 4096) {
      instruction += decodeXmlEntities(match[2]);
    }
  }
  return instruction !== undefined && DDE_INSTRUCTION.test(instruction) ? instruction.trim() : undefined;
}

function decodeXmlEntities(s: string): string {
  return s.replace(/&(lt|gt|amp|quot|apos|#\d{1,7}|#x[0-9a-f]{1,6});/gi, (whole, e: string) => {
    const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
    const lower = e.toLowerCase();
    if (Object.hasOwn(named, lower)) return named[lower] as string;
    const code = lower.startsWith('#x') ? parseInt(lower.slice(2), 16) : parseInt(lower.slice(1), 10);
    return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}
