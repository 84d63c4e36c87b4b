/**
 * What the active-content inspectors (office/, pdf/, html/) hand back to their analyzers, and
 * how an analyzer publishes it: findings, files found inside a file (RTF objects, PDF embedded
 * files) appended to `ctx.facts.files` so later analyzers check them like attachments, and URLs
 * appended to `ctx.facts.urls`.
 *
 * Trusts nothing it is given: names are the attacker's and are only ever shown, never used as
 * paths. Appending is bounded per scan; the first file or URL over a bound is reported as a
 * SCAN_LIMIT_* finding, never dropped silently.
 */
import { createHash } from 'node:crypto';
import type { AnalyzerContext, ScanFacts, ScannedFile } from './analyzer.js';
import { finding, type Finding } from '../core/finding.js';

/** Most files the content analyzers together append to one scan's file list. */
export const MAX_EXTRACTED_FILES = 256;
/** Most URLs the content analyzers together append to one scan's URL list. */
export const MAX_COLLECTED_URLS = 5000;
/** Longest URL kept (longer ones are truncated for display and still counted). */
export const MAX_URL_LENGTH = 2048;

/** A file found inside another one, before it is published. */
export interface ExtractedFile {
  /** The name the document gives it (attacker-chosen; shown, never used as a path). */
  readonly name: string;
  readonly content: Uint8Array;
}

/** The result of inspecting one file: facts, and what it contains. Filled by the inspectors. */
export interface InspectionReport {
  readonly findings: Finding[];
  readonly files: ExtractedFile[];
  readonly urls: string[];
}

export function emptyReport(): InspectionReport {
  return { findings: [], files: [], urls: [] };
}

/**
 * Runs one inspector over every file of the scan, including files appended while it runs (a PDF
 * inside a PDF, an RTF object), until the job's signal aborts, and publishes each report.
 * `inspect` returns false for a file that is not its kind (nothing is published for it).
 * publishReport bounds how far the list can grow.
 */
export function inspectEachFile(ctx: AnalyzerContext, inspect: (file: ScannedFile, label: string, report: InspectionReport) => boolean): Finding[] {
  const out: Finding[] = [];
  for (let i = 0; i < ctx.facts.files.length && !ctx.signal.aborted; i++) {
    const file = ctx.facts.files[i];
    if (file === undefined) continue;
    const report = emptyReport();
    if (inspect(file, fileLabel(file), report)) out.push(...publishReport(ctx.facts, file, report));
  }
  return out;
}

/** How a verdict names a file: its containers, outermost first, then its own name. */
export function fileLabel(file: ScannedFile): string {
  return [...file.container, file.name ?? '(unnamed)'].join(' > ');
}

/**
 * Publishes a report about `parent`: its extracted files become members of `facts.files`, its
 * URLs join `facts.urls` (once each). Returns the report's findings plus any limit finding.
 */
export function publishReport(facts: ScanFacts, parent: ScannedFile, report: InspectionReport): Finding[] {
  const out = [...report.findings];
  const extracted = facts.files.filter((f) => f.container.length > 0).length;
  let room = MAX_EXTRACTED_FILES - extracted;
  for (const file of report.files) {
    if (room <= 0) {
      out.push(finding('SCAN_LIMIT_EXTRACTED_FILES', `${fileLabel(parent)}: more than ${MAX_EXTRACTED_FILES} files found inside attachments; ${file.name} and later ones not scanned`));
      break;
    }
    facts.files.push({
      name: file.name,
      container: [...parent.container, parent.name ?? '(unnamed)'],
      content: file.content,
      sha256: createHash('sha256').update(file.content).digest('hex'),
    });
    room--;
  }
  const known = new Set(facts.urls);
  for (const url of report.urls) {
    const kept = url.length > MAX_URL_LENGTH ? url.slice(0, MAX_URL_LENGTH) : url;
    if (known.has(kept)) continue;
    if (facts.urls.length >= MAX_COLLECTED_URLS) {
      out.push(finding('SCAN_LIMIT_URLS', `${fileLabel(parent)}: more than ${MAX_COLLECTED_URLS} URLs in one message; the rest not checked`));
      break;
    }
    facts.urls.push(kept);
    known.add(kept);
  }
  return out;
}
