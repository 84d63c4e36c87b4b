/**
 * Turns a PDF scan into findings: what would run (JavaScript, automatic actions, Launch), what
 * would leave (SubmitForm), what is inside (embedded files, handed back for recursive scanning)
 * and where it points (/URI targets, handed back as URLs). Encryption is a fact worth a score:
 * encrypted streams cannot be inspected.
 *
 * Trusts nothing; all parsing is pdf-scanner's, within its limits, and each limit it hit becomes
 * a SCAN_LIMIT_PDF finding.
 */
import { finding } from '../../core/finding.js';
import type { InspectionReport } from '../content-inspection.js';
import { scanPdf } from './pdf-scanner.js';

export function inspectPdf(bytes: Uint8Array, label: string, report: InspectionReport): void {
  const scan = scanPdf(bytes);
  const count = (...names: string[]): number => names.reduce((sum, name) => sum + (scan.names.get(name) ?? 0), 0);
  const listed = (...names: string[]): string => names.filter((name) => scan.names.has(name)).map((name) => `/${name} x${scan.names.get(name)}`).join(', ');

  if (count('JavaScript', 'JS') > 0) report.findings.push(finding('PDF_JAVASCRIPT', `${label}: ${listed('JavaScript', 'JS')}`));
  if (count('OpenAction', 'AA') > 0) report.findings.push(finding('PDF_AUTO_ACTION', `${label}: ${listed('OpenAction', 'AA')}`));
  if (count('Launch') > 0) report.findings.push(finding('PDF_LAUNCH', `${label}: ${listed('Launch')} (runs a program or opens a file)`));
  if (count('SubmitForm') > 0) report.findings.push(finding('PDF_SUBMIT_FORM', `${label}: ${listed('SubmitForm')}`));
  if (count('EmbeddedFile', 'EmbeddedFiles') > 0 || scan.embeddedFiles.length > 0) {
    const files = scan.embeddedFiles.map((f) => `${JSON.stringify(f.name)} (${f.content.length} bytes)`).join(', ');
    report.findings.push(finding('PDF_EMBEDDED_FILE', `${label}: ${listed('EmbeddedFile', 'EmbeddedFiles')}${files ? `; extracted ${files}` : ''}`));
  }
  const encrypted = count('Encrypt') > 0;
  if (encrypted) report.findings.push(finding('PDF_ENCRYPTED', `${label}: encrypted PDF; its streams cannot be inspected`));
  if (!encrypted && scan.undecodable > 0) report.findings.push(finding('PDF_STREAM_UNDECODABLE', `${label}: ${scan.undecodable} object stream(s) or embedded file(s) could not be decoded`));
  if (scan.limits.length > 0) report.findings.push(finding('SCAN_LIMIT_PDF', `${label}: ${scan.limits.join('; ')}; only part of the PDF was inspected`));
  report.files.push(...scan.embeddedFiles);
  report.urls.push(...scan.uris.map((u) => u.trim()).filter((u) => u !== ''));
}
