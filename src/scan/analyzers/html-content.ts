/**
 * Active content in HTML and SVG files (attachments and members found so far): HTML smuggling,
 * credential forms posting to a web site, script in SVG, redirects; and URLs (href, src, form
 * actions) from those files and from the message's HTML bodies, appended to `ctx.facts.urls`.
 * Bodies are not checked for script or forms: mail clients do not run them, browsers opening an
 * attachment do.
 *
 * Trusts nothing: parsing and limits live in html/; files are chosen by declared type, name or
 * leading markup, over-inclusively (a false "this is HTML" only costs a parse).
 */
import type { Analyzer } from '../analyzer.js';
import type { Finding } from '../../core/finding.js';
import { emptyReport, fileLabel, publishReport } from '../content-inspection.js';
import { inspectHtml, markupKind } from '../html/html-document.js';

export const htmlContent: Analyzer = {
  name: 'html-content',
  directions: ['inbound', 'outbound'],
  dependsOn: ['archive-contents'],
  async analyze(ctx) {
    const out: Finding[] = [];
    for (let i = 0; i < ctx.facts.files.length && !ctx.signal.aborted; i++) {
      const file = ctx.facts.files[i];
      if (file === undefined) continue;
      const kind = markupKind(file.content, file.name, file.declaredType);
      if (kind === undefined) continue;
      const report = emptyReport();
      inspectHtml(file.content, kind, fileLabel(file), report);
      out.push(...publishReport(ctx.facts, file, report));
    }
    for (const [index, body] of ctx.message.htmlBodies.entries()) {
      const report = emptyReport();
      inspectHtml(Buffer.from(body, 'utf8'), 'html', `HTML body ${index + 1}`, report);
      // Only the URLs: a body's script and forms never run in a mail client.
      out.push(...publishReport(ctx.facts, { name: `HTML body ${index + 1}`, container: [], content: new Uint8Array(0), sha256: '' }, { findings: report.findings.filter((f) => f.id.startsWith('SCAN_LIMIT_')), files: [], urls: report.urls }));
    }
    return out;
  },
};
