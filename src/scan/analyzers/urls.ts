/**
 * URL collection: completes `ctx.facts.urls` for the phishing checks and for tracking. html-content
 * and pdf-content have already published the absolute URLs of HTML bodies and attachments (href,
 * src, form actions) and PDF /URI targets; this analyzer adds the URLs of text bodies (linkify-it,
 * fuzzy links and userinfo on), the links of HTML bodies paired with the text they show
 * (`ctx.facts.links`), the javascript: and data: links html-content does not publish, and the
 * visible text of HTML bodies (`ctx.facts.htmlText`).
 *
 * Trusts nothing: bodies are attacker text. Appending goes through publishReport (deduplicated,
 * bounded by MAX_COLLECTED_URLS, a SCAN_LIMIT_URLS finding past it). Reports no other finding.
 */
import type { Analyzer } from '../analyzer.js';
import type { Finding } from '../../core/finding.js';
import { MAX_COLLECTED_URLS, publishReport } from '../content-inspection.js';
import { findTextUrls } from '../url/find-text-urls.js';
import { readHtmlLinks } from '../url/read-html-links.js';

/** Most body links kept with their text per message. */
export const MAX_COLLECTED_LINKS = 2000;

const SCRIPT_OR_DATA = /^\s*(javascript|data|vbscript):/i;

export const urls: Analyzer = {
  name: 'urls',
  directions: ['inbound', 'outbound'],
  dependsOn: ['html-content', 'pdf-content'],
  async analyze(ctx) {
    const out: Finding[] = [];
    const publish = (label: string, found: string[]): void => {
      out.push(...publishReport(ctx.facts, { name: label, container: [], content: new Uint8Array(0), sha256: '' }, { findings: [], files: [], urls: found }));
    };
    for (const [index, body] of ctx.message.textBodies.entries()) {
      if (ctx.signal.aborted) break;
      publish(`text body ${index + 1}`, findTextUrls(body, MAX_COLLECTED_URLS - ctx.facts.urls.length + 1));
    }
    for (const [index, body] of ctx.message.htmlBodies.entries()) {
      if (ctx.signal.aborted) break;
      const read = readHtmlLinks(body);
      ctx.facts.htmlText.push(read.text);
      for (const link of read.links) {
        if (ctx.facts.links.length >= MAX_COLLECTED_LINKS) break;
        ctx.facts.links.push(link);
      }
      // html-content publishes http(s) targets; the schemes it leaves out are the ones worth a look.
      publish(`HTML body ${index + 1}`, read.links.filter((l) => SCRIPT_OR_DATA.test(l.href)).map((l) => l.href.trim()));
      // The visible text of an HTML-only message is where its lure sits, links included.
      publish(`HTML body ${index + 1} text`, findTextUrls(read.text, MAX_COLLECTED_URLS - ctx.facts.urls.length + 1));
    }
    return out;
  },
};
