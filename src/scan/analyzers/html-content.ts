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
import { emptyReport, inspectEachFile, publishReport } from '../content-inspection.js';
import { inspectHtml, markupKind } from '../html/html-document.js';

export const htmlContent: Analyzer = {
  name: 'html-content',
  directions: ['inbound', 'outbound'],
  dependsOn: ['archive-contents'],
  async analyze(ctx) {
    const out = inspectEachFile(ctx, (file, label, report) => {
      const kind = markupKind(file.content, file.name, file.declaredType);
      if (kind === undefined) return false;
      inspectHtml(file.content, kind, label, report);
      return true;
    });
    for (const [index, body] of ctx.message.htmlBodies.entries()) {
      const report = emptyReport();
      inspectHtml(Buffer.from(body, 'utf8'), 'html', `HTML body ${index + 1}`, report);
      // Only the URLs: a body's script and forms never run in a mail client.
      out.push(...publishReport(ctx.facts, { name: `HTML body ${index + 1}`, container: [], content: new Uint8Array(0), sha256: '' }, { findings: report.findings.filter((f) => f.id.startsWith('SCAN_LIMIT_')), files: [], urls: report.urls }));
    }
    return out;
  },
};
