/**
 * Inspects an HTML or SVG file for what a browser would do with it when opened from an email:
 * HTML smuggling (script that assembles a file from base64 and hands it to the user as a
 * download), credential forms that post to a web site, script in SVG, and redirects; and
 * collects its link, source and form-action URLs.
 *
 * Trusts nothing: htmlparser2 tokenizes (linear, no tree kept); script text kept for the
 * heuristics is capped per file. Heuristics are deliberately plain string tests over that text.
 */
import { Parser } from 'htmlparser2';
import { finding } from '../../core/finding.js';
import type { InspectionReport } from '../content-inspection.js';

/** Most script text kept per file for the heuristics. */
export const MAX_SCRIPT_CHARS = 4 * 1024 * 1024;
/** Largest file parsed; a larger one is parsed up to here and reported. */
export const MAX_HTML_BYTES = 16 * 1024 * 1024;
/** A base64 run this long in script or a data: URL is a payload, not an icon. */
const LARGE_BASE64 = /[A-Za-z0-9+/]{2048,}/;
const URL_ATTRIBUTES = new Set(['href', 'src', 'action', 'formaction', 'xlink:href', 'background', 'poster', 'data']);
const ABSOLUTE_URL = /^\s*(https?:)?\/\//i;
const HTTP_URL_IN_SCRIPT = /https?:\/\/[^\s"'`<>\\)]{3,2000}/gi;

export type MarkupKind = 'html' | 'svg';

export function inspectHtml(bytes: Uint8Array, kind: MarkupKind, label: string, report: InspectionReport): void {
  const truncated = bytes.length > MAX_HTML_BYTES;
  const text = decodeMarkup(bytes.subarray(0, MAX_HTML_BYTES));
  let script = '';
  let inScript = false;
  let passwordInputs = 0;
  const formActions: string[] = [];
  const svgScript: string[] = [];
  const downloads: string[] = [];
  let refresh: string | undefined;
  const keepScript = (s: string): void => {
    if (script.length < MAX_SCRIPT_CHARS) script += s.slice(0, MAX_SCRIPT_CHARS - script.length);
  };

  const parser = new Parser(
    {
      onopentag(name, attributes) {
        if (name === 'script') {
          inScript = true;
          if (kind === 'svg') svgScript.push('<script>');
        }
        if (name === 'input' && (attributes['type'] ?? '').trim().toLowerCase() === 'password') passwordInputs++;
        if (name === 'form') formActions.push(attributes['action'] ?? '');
        if (name === 'meta' && (attributes['http-equiv'] ?? '').toLowerCase() === 'refresh') {
          const target = /url\s*=\s*['"]?([^'"]+)/i.exec(attributes['content'] ?? '')?.[1];
          if (target !== undefined) refresh = target.trim();
        }
        for (const [attribute, raw] of Object.entries(attributes)) {
          const value = raw.trim();
          if (attribute.startsWith('on')) {
            keepScript(`\n${value}\n`);
            if (kind === 'svg') svgScript.push(`${attribute}=`);
          }
          if (!URL_ATTRIBUTES.has(attribute)) continue;
          // Browsers drop tabs and newlines inside a scheme: "java\tscript:" is javascript:.
          // eslint-disable-next-line no-control-regex -- control characters are exactly what browsers strip here
          const compact = value.replace(/[\s\u0000-\u001f]+/g, '').toLowerCase();
          if (compact.startsWith('javascript:')) {
            keepScript(`\n${value.slice(value.indexOf(':') + 1)}\n`);
            if (kind === 'svg') svgScript.push(`${attribute}=javascript:`);
          } else if (compact.startsWith('data:') && LARGE_BASE64.test(value) && (attributes['download'] !== undefined || name === 'embed' || name === 'iframe' || name === 'object')) {
            downloads.push(`<${name} ${attribute}=data:...${attributes['download'] !== undefined ? ' download' : ''}>`);
          } else if (/^(https?:)?\/\//i.test(value)) {
            report.urls.push(value.startsWith('//') ? `https:${value}` : value);
          }
        }
      },
      ontext(data) {
        if (inScript) keepScript(data);
      },
      onclosetag(name) {
        if (name === 'script') {
          inScript = false;
          keepScript('\n');
        }
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true, recognizeCDATA: true },
  );
  parser.write(text);
  parser.end();

  const smuggling = smugglingSigns(script);
  if (downloads.length > 0 || smuggling.length > 0) {
    report.findings.push(finding('HTML_SMUGGLING', `${label}: ${[...downloads, ...smuggling].join(', ')}`));
  }
  if (passwordInputs > 0) {
    const remote = formActions.filter((a) => ABSOLUTE_URL.test(a));
    const posting = /\b(fetch|XMLHttpRequest|\$\.(ajax|post)|sendBeacon|axios)\b/.test(script) ? script.match(HTTP_URL_IN_SCRIPT)?.[0] : undefined;
    if (remote.length > 0 || posting !== undefined) {
      report.findings.push(finding('HTML_CREDENTIAL_FORM', `${label}: password field sent to ${[...remote, ...(posting ? [`${posting} (by script)`] : [])].slice(0, 3).join(', ')}`));
    }
  }
  if (svgScript.length > 0) report.findings.push(finding('SVG_SCRIPT', `${label}: ${[...new Set(svgScript)].join(', ')}`));
  const scriptRedirect = /\b(?:window\.|document\.|top\.|self\.)?location(?:\.href)?\s*=\s*["'`](https?:\/\/[^"'`]+)|location\.(?:replace|assign)\s*\(\s*["'`](https?:\/\/[^"'`]+)|window\.open\s*\(\s*["'`](https?:\/\/[^"'`]+)/i.exec(script);
  const redirect = (refresh !== undefined && /^(https?:)?\/\//i.test(refresh) ? refresh : undefined) ?? scriptRedirect?.slice(1).find((g) => g !== undefined);
  if (redirect !== undefined) {
    report.findings.push(finding('HTML_ATTACHMENT_REDIRECT', `${label}: opens ${JSON.stringify(redirect.slice(0, 300))}`));
    report.urls.push(redirect);
  }
  for (const url of script.matchAll(HTTP_URL_IN_SCRIPT)) report.urls.push(url[0]);
  if (truncated) report.findings.push(finding('SCAN_LIMIT_HTML_BYTES', `${label}: ${bytes.length} bytes, only the first ${MAX_HTML_BYTES} inspected`));
}

/** The moves of HTML smuggling: a payload (base64 run or atob) delivered as a file (Blob, data: URL, save API). */
function smugglingSigns(script: string): string[] {
  const payload = [LARGE_BASE64.test(script) ? 'large base64' : '', /\batob\s*\(/.test(script) ? 'atob()' : ''].filter(Boolean);
  const delivery = [
    /\bnew\s+Blob\s*\(/.test(script) ? 'new Blob' : '',
    /createObjectURL\s*\(/.test(script) ? 'URL.createObjectURL' : '',
    /msSaveOrOpenBlob|msSaveBlob/.test(script) ? 'msSaveOrOpenBlob' : '',
    /\.download\s*=|setAttribute\s*\(\s*["']download/.test(script) ? 'download attribute' : '',
    /["'`]data:[\w./+-]*;base64,/.test(script) ? 'data: URL' : '',
  ].filter(Boolean);
  return payload.length > 0 && delivery.length > 0 ? [...payload, ...delivery] : [];
}

function decodeMarkup(bytes: Uint8Array): string {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buffer[0] === 0xff && buffer[1] === 0xfe) return buffer.subarray(2).toString('utf16le');
  if (buffer[0] === 0xfe && buffer[1] === 0xff) return Buffer.from(buffer.subarray(2)).swap16().toString('utf16le');
  return buffer.toString('utf8');
}

/** HTML or SVG by declared type, name, or leading markup; undefined for anything else. */
export function markupKind(content: Uint8Array, name: string | undefined, declaredType: string | undefined): MarkupKind | undefined {
  const lowerName = (name ?? '').toLowerCase();
  const type = (declaredType ?? '').toLowerCase();
  if (type === 'image/svg+xml' || lowerName.endsWith('.svg')) return 'svg';
  if (type === 'text/html' || type === 'application/xhtml+xml' || /\.(html?|xhtml|shtml|hta)$/.test(lowerName)) return 'html';
  const head = decodeMarkup(content.subarray(0, 1024)).replace(/^\uFEFF/, '').trimStart().slice(0, 512).toLowerCase();
  if (head.startsWith('<svg') || (head.startsWith('<?xml') && head.includes('<svg'))) return 'svg';
  if (/^<(!doctype html|html|head|body|script|iframe|form|meta)\b/.test(head)) return 'html';
  return undefined;
}
