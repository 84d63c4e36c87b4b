/**
 * Classifies text content: HTA, scripts (shebang, .reg, batch, PowerShell, VBScript, JScript/WSH,
 * JavaScript), HTML, SVG, XML, else plain text. Returns undefined for content that is not text.
 *
 * Scripts have no magic number, so these are heuristics, tuned so that ordinary text (a letter,
 * a README that mentions a command, an HTML page with inline script) is NOT called a script: a
 * script needs a definite first line (shebang, `@echo off`, the .reg header) or several distinct
 * indicators of one language, and JavaScript must also look like code (dense in `;{}()=`).
 *
 * Trusts nothing: reads at most MAX_TEXT_SNIFF_BYTES from the start and MAX_TEXT_TAIL_BYTES from
 * the end (padding a script with megabytes of blanks does not hide its tail), and every pattern is
 * linear (no nested quantifiers), so hostile text costs bounded time. Never throws.
 */
import type { DetectedType } from '../analyzer.js';

/** Bytes read from the start of a file to decide whether it is text and what kind. */
export const MAX_TEXT_SNIFF_BYTES = 256 * 1024;
/** Bytes read from the end as well, when the file is longer. */
export const MAX_TEXT_TAIL_BYTES = 64 * 1024;
/** More than this share of control bytes (other than tab, CR, LF, FF, VT, ESC) means binary. */
const MAX_CONTROL_SHARE = 0.01;
/** JavaScript has at least this share of `;{}()=` among its non-blank characters; prose has far fewer. */
const MIN_CODE_PUNCTUATION_SHARE = 0.04;

const script = (mime: string, ext: string): DetectedType => ({ mime, ext, kind: 'script' });

export const HTA_TYPE: DetectedType = script('application/hta', 'hta');

export function textType(bytes: Uint8Array): DetectedType | undefined {
  const text = decodeText(bytes);
  if (text === undefined) return undefined;
  return classifyText(text);
}

/** The sampled text, or undefined when the bytes are not text in UTF-8, Latin-1 or UTF-16 with a BOM. */
function decodeText(bytes: Uint8Array): string | undefined {
  if (bytes.length === 0) return undefined;
  const head = bytes.subarray(0, MAX_TEXT_SNIFF_BYTES);
  const tail = bytes.length > MAX_TEXT_SNIFF_BYTES ? bytes.subarray(Math.max(MAX_TEXT_SNIFF_BYTES, bytes.length - MAX_TEXT_TAIL_BYTES)) : undefined;
  const utf16 = head[0] === 0xff && head[1] === 0xfe ? 'utf-16le' : head[0] === 0xfe && head[1] === 0xff ? 'utf-16be' : undefined;
  if (utf16 !== undefined) {
    const decoder = new TextDecoder(utf16);
    const body = decoder.decode(head.subarray(2, head.length - (head.length % 2)));
    const text = tail ? `${body}\n${decoder.decode(tail.subarray(tail.length % 2))}` : body;
    return controlShare(text) <= MAX_CONTROL_SHARE ? text : undefined;
  }
  if (!looksLikeText(head) || (tail !== undefined && !looksLikeText(tail))) return undefined;
  const decoder = new TextDecoder('utf-8');
  return tail ? `${decoder.decode(head)}\n${decoder.decode(tail)}` : decoder.decode(head);
}

function isControl(code: number): boolean {
  return code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0b && code !== 0x0c && code !== 0x0d && code !== 0x1b;
}

function looksLikeText(bytes: Uint8Array): boolean {
  let control = 0;
  for (const b of bytes) {
    if (b === 0) return false;
    if (isControl(b) || b === 0x7f) control++;
  }
  return control <= bytes.length * MAX_CONTROL_SHARE;
}

function controlShare(text: string): number {
  let control = 0;
  for (let i = 0; i < text.length; i++) if (isControl(text.charCodeAt(i))) control++;
  return text.length === 0 ? 0 : control / text.length;
}

/** Counts how many of the patterns occur at least once. */
function distinct(text: string, patterns: readonly RegExp[]): number {
  return patterns.reduce((n, p) => (p.test(text) ? n + 1 : n), 0);
}

const HTML_START = /<(?:!doctype\s+html|html|head|body|script|iframe|meta|form|title)\b/i;
/** An HTML document further in (after junk that pushes it past the first 4 KB). */
const HTML_ELEMENT = /<(?:html|body)\b[^>]{0,500}>/i;
const HTML_END = /<\/(?:html|body)\s*>/i;
const HTA_DANGEROUS_SCRIPT = [
  /<hta:application\b/i,
  /<script\b[^>]{0,500}\blanguage\s*=\s*["']?(?:vbscript|jscript)/i,
  /ActiveXObject\s*\(\s*["'](?:WScript\.|Shell\.Application|Scripting\.FileSystemObject|ADODB\.Stream|MSXML2\.ServerXMLHTTP|WinHttp)/i,
  /\bWScript\.(?:Shell|CreateObject|Run)\b/i,
  /CreateObject\s*\(\s*["'](?:WScript\.|Shell\.Application|Scripting\.FileSystemObject|ADODB\.Stream)/i,
];

const BATCH = [
  /^[ \t]*@?echo\s+off\b/im,
  /%~?dp0/i,
  /^[ \t]*(?:setlocal\b|set\s+\/[ap]\s|goto\s+:?\w|call\s+:\w|if\s+(?:not\s+)?(?:exist|errorlevel|defined)\b)/im,
  /\bcmd(?:\.exe)?\s+\/[ck]\s/i,
  /^[ \t]*(?:rem\s|::)/im,
  /%(?:COMSPEC|TEMP|TMP|APPDATA|USERPROFILE|PUBLIC|ProgramData)%/i,
  /^[ \t]*start\s+(?:""|\/b|\/min)/im,
];

const POWERSHELL = [
  /\b(?:Invoke-Expression|Invoke-WebRequest|Invoke-RestMethod|Start-Process|New-Object|Set-ExecutionPolicy|Add-Type|Get-WmiObject|Get-CimInstance|Set-ItemProperty|New-ItemProperty|Get-ChildItem|Remove-Item|Copy-Item|Out-File|Set-Content|Get-Content|Start-Sleep|Write-Host|Write-Output|ConvertTo-SecureString|Start-BitsTransfer)\b/i,
  /\[(?:System\.)?(?:Convert|Text\.Encoding|IO\.\w+|Net\.\w+|Reflection\.Assembly|Runtime\.InteropServices\.\w+|Diagnostics\.Process)\]/i,
  /\$env:\w+/i,
  /\bIEX\s*[($]/i,
  /\s-(?:EncodedCommand|enc|ExecutionPolicy|WindowStyle|NoProfile|nop)\b/i,
  /\|\s*(?:Out-Null|ForEach-Object|Where-Object|Select-Object)\b/i,
  /^[ \t]*\$[a-z_]\w*\s*=/im,
  /\bparam\s*\(\s*(?:\[|\$)/i,
  /\bfunction\s+[a-z]+-[a-z]+\s*(?:\{|\()/i,
  /\$(?:true|false|null)\b/i,
];

const VBSCRIPT = [
  /\bOn\s+Error\s+Resume\s+Next\b/i,
  /\bCreateObject\s*\(\s*"/i,
  /\bWScript\.(?:Shell|Echo|Sleep|CreateObject|Arguments|ScriptFullName|Quit)\b/i,
  /^[ \t]*Dim\s+\w+/im,
  /^[ \t]*End\s+(?:Sub|Function|If|With|Select)\b/im,
  /^[ \t]*Set\s+\w+\s*=\s*(?:CreateObject|GetObject|Nothing|\w+\.)/im,
  /\bExecute(?:Global)?\s*[("\w]/i,
  /\bChr[WB]?\s*\(\s*\d+\s*\)\s*&/i,
  /^[ \t]*(?:Private\s+|Public\s+)?(?:Sub|Function)\s+\w+\s*\(/im,
  /\bMsgBox\s*[("]/i,
];

const WSH_JSCRIPT = [/\bnew\s+ActiveXObject\s*\(/, /\bWScript\.(?:CreateObject|Shell|Echo|Sleep|Arguments|Quit)\b/, /\bGetObject\s*\(\s*["']/];

const JAVASCRIPT = [
  /^[ \t]*(?:var|let|const)\s+[\w$]+\s*=/m,
  /\bfunction\s*[\w$]*\s*\([^)\n]{0,200}\)\s*\{/,
  /\beval\s*\(/,
  /\bString\.fromCharCode\s*\(/,
  /\bdocument\.(?:write|createElement|getElementById|body)\b/,
  /\bwindow\.(?:location|atob|open)\b/,
  /\b(?:atob|unescape|decodeURIComponent|parseInt)\s*\(/,
  /\brequire\s*\(\s*['"]/,
  /=>\s*[{(]/,
  /\breturn\s[^;\n]{0,200};/,
  /\bnew\s+(?:Array|Date|Function|XMLHttpRequest|Blob|Uint8Array)\s*\(/,
  /\}\s*\)\s*\(\s*\)/,
  /(?:\\x[0-9a-f]{2}){8}/i,
  /\.(?:split|join|replace|charCodeAt|push)\s*\(/,
];

function codePunctuationShare(text: string): number {
  let punctuation = 0;
  let visible = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c <= 0x20) continue;
    visible++;
    // ; { } ( ) =
    if (c === 0x3b || c === 0x7b || c === 0x7d || c === 0x28 || c === 0x29 || c === 0x3d) punctuation++;
  }
  return visible === 0 ? 0 : punctuation / visible;
}

const SHEBANG_INTERPRETERS: readonly (readonly [RegExp, DetectedType])[] = [
  [/python/, script('text/x-python', 'py')],
  [/perl/, script('text/x-perl', 'pl')],
  [/ruby/, script('text/x-ruby', 'rb')],
  [/node|deno|bun/, script('application/javascript', 'js')],
  [/php/, script('application/x-php', 'php')],
  [/pwsh|powershell/, script('application/x-powershell', 'ps1')],
];

function classifyText(text: string): DetectedType {
  const body = text.replace(/^\uFEFF/, '');
  const start = body.trimStart();
  const head = start.slice(0, 4096);
  const html = HTML_START.test(head) || (HTML_ELEMENT.test(body) && HTML_END.test(body));

  if (/<hta:application\b/i.test(body) || (html && distinct(body, HTA_DANGEROUS_SCRIPT) > 0)) return HTA_TYPE;

  const shebang = /^#!\s*(\S+)(?:[ \t]+(\S+))?/.exec(start);
  if (shebang && (shebang[1]?.startsWith('/') || shebang[1] === 'env')) {
    const interpreter = `${shebang[1] ?? ''} ${shebang[2] ?? ''}`;
    return SHEBANG_INTERPRETERS.find(([pattern]) => pattern.test(interpreter))?.[1] ?? script('text/x-shellscript', 'sh');
  }
  if (/^(?:Windows Registry Editor Version \d|REGEDIT4)/.test(start)) return script('text/x-ms-regedit', 'reg');

  if (!html) {
    if (firstCommandIsEchoOff(start) || distinct(body, BATCH) >= 3) {
      return script('application/x-bat', 'bat');
    }
    if (distinct(body, POWERSHELL) >= 3) return script('application/x-powershell', 'ps1');
    if (distinct(body, VBSCRIPT) >= 3) return script('text/vbscript', 'vbs');
    const dense = codePunctuationShare(body) >= MIN_CODE_PUNCTUATION_SHARE;
    if (dense && distinct(body, WSH_JSCRIPT) >= 1 && distinct(body, JAVASCRIPT) >= 1) return script('text/jscript', 'js');
    if (dense && distinct(body, JAVASCRIPT) >= 3) return script('application/javascript', 'js');
  }

  if (/^<svg\b/i.test(skipProlog(head))) return { mime: 'image/svg+xml', ext: 'svg', kind: 'image' };
  if (html) return { mime: 'text/html', ext: 'html', kind: 'document' };
  if (start.startsWith('<?xml')) return { mime: 'application/xml', ext: 'xml', kind: 'text' };
  return { mime: 'text/plain', ext: 'txt', kind: 'text' };
}

/** Batch files open with `@echo off`, after blank lines and remarks at most. */
function firstCommandIsEchoOff(start: string): boolean {
  for (const line of start.split('\n', 50)) {
    const trimmed = line.trim();
    if (trimmed === '' || /^(?:rem\b|::)/i.test(trimmed)) continue;
    return /^@?echo\s+off\b/i.test(trimmed);
  }
  return false;
}

/** Skips an XML declaration, DOCTYPE and comments at the start, by position (no backtracking). */
function skipProlog(head: string): string {
  let rest = head;
  for (;;) {
    rest = rest.trimStart();
    const close = rest.startsWith('<?') ? '?>' : rest.startsWith('<!--') ? '-->' : /^<!doctype/i.test(rest) ? '>' : undefined;
    if (close === undefined) return rest;
    const end = rest.indexOf(close);
    if (end === -1) return '';
    rest = rest.slice(end + close.length);
  }
}
