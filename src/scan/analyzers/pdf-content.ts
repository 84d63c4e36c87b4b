/**
 * PDF active content in every file of the scan (attachments and members found so far):
 * JavaScript, automatic actions, Launch, SubmitForm, embedded files (appended to
 * `ctx.facts.files`, so they are typed, unpacked and virus-scanned like attachments) and /URI
 * targets (appended to `ctx.facts.urls`).
 *
 * Trusts nothing: files are recognised by their bytes (`%PDF-` in the first KB, as readers
 * accept), never by name; parsing and its limits live in pdf/.
 */
import type { Analyzer } from '../analyzer.js';
import { inspectEachFile } from '../content-inspection.js';
import { inspectPdf } from '../pdf/pdf-document.js';
import { isPdf } from '../pdf/pdf-scanner.js';

export const pdfContent: Analyzer = {
  name: 'pdf-content',
  directions: ['inbound', 'outbound'],
  dependsOn: ['archive-contents'],
  async analyze(ctx) {
    return inspectEachFile(ctx, (file, label, report) => {
      if (!isPdf(file.content)) return false;
      inspectPdf(file.content, label, report);
      return true;
    });
  },
};
