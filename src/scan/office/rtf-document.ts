/**
 * Inspects an RTF document: embedded and linked objects (`\object`, `\objdata`, `\objemb`,
 * `\objlink`, `\objautlink`), objects that refresh themselves on open (`\objupdate`), and the
 * Equation Editor (its class name or CLSID), the object behind CVE-2017-11882 and CVE-2018-0802.
 * The hex in each `\objdata` is decoded into an OLE1 object; a packaged file or an embedded OLE
 * document is handed back as an extracted file, so it is scanned like an attachment.
 *
 * Trusts nothing: Word skips junk inside `\objdata` (whitespace, control words, groups), so the
 * decoder keeps only hex digits, as Word does; decoded bytes are capped per object and per
 * document (a limit hit is a SCAN_LIMIT_* finding), and the number of objects is capped.
 */
import { finding } from '../../core/finding.js';
import type { InspectionReport } from '../content-inspection.js';
import { readOle1Object, readOle1Package } from './ole1-package.js';

/** Largest decoded `\objdata` per object. */
export const MAX_RTF_OBJECT_BYTES = 16 * 1024 * 1024;
/** Most decoded object bytes per document. */
export const MAX_RTF_TOTAL_OBJECT_BYTES = 32 * 1024 * 1024;
/** Most objects decoded per document. */
export const MAX_RTF_OBJECTS = 64;

/** Equation Editor 3.0: {0002CE02-0000-0000-C000-000000000046} as stored (little-endian fields). */
const EQUATION_CLSID = Buffer.from('02ce020000000000c000000000000046', 'hex');
const EQUATION_NAME = /equation\.3|equation\.dsmt/i;

/** Word accepts `{\rt` followed by anything (`{\rtf1`, `{\rtvpn`), after leading whitespace. */
export function isRtf(bytes: Uint8Array): boolean {
  let i = 0;
  while (i < bytes.length && i < 64 && (bytes[i] === 0x20 || bytes[i] === 0x0d || bytes[i] === 0x0a || bytes[i] === 0x09)) i++;
  return bytes[i] === 0x7b && bytes[i + 1] === 0x5c && bytes[i + 2] === 0x72 && bytes[i + 3] === 0x74;
}

export function inspectRtf(bytes: Uint8Array, label: string, report: InspectionReport): void {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  const controls = new Set<string>();
  for (const m of text.matchAll(/\\(object|objemb|objlink|objautlink|objupdate|objocx|objhtml)(?![a-z])/gi)) controls.add((m[1] ?? '').toLowerCase());
  const classes = [...text.matchAll(/\\objclass\s+([^}\\]{1,200})/gi)].map((m) => (m[1] ?? '').trim());

  const objects: string[] = [];
  let equation = classes.some((c) => EQUATION_NAME.test(c));
  let budget = MAX_RTF_TOTAL_OBJECT_BYTES;
  let limitHit = false;
  let count = 0;
  for (let at = text.search(/\\objdata(?![a-z])/i); at !== -1; ) {
    if (count >= MAX_RTF_OBJECTS || budget <= 0) {
      limitHit = true;
      break;
    }
    count++;
    const { data, end, truncated } = decodeObjdata(text, at + '\\objdata'.length, Math.min(MAX_RTF_OBJECT_BYTES, budget));
    budget -= data.length;
    limitHit ||= truncated;
    const object = readOle1Object(data);
    const className = object?.className ?? '(unreadable OLE1 header)';
    objects.push(`${className} (${data.length} bytes)`);
    if (EQUATION_NAME.test(className) || Buffer.from(data.buffer, data.byteOffset, data.byteLength).indexOf(EQUATION_CLSID) !== -1) equation = true;
    if (object && object.nativeData.length > 0) {
      const packaged = object.className.toLowerCase() === 'package' ? readOle1Package(object.nativeData) : undefined;
      report.files.push(packaged ?? { name: `objdata-${count}.${object.className.replace(/[^\w.-]/g, '_')}`, content: object.nativeData });
    }
    const next = text.slice(end).search(/\\objdata(?![a-z])/i);
    at = next === -1 ? -1 : end + next;
  }

  if (controls.size > 0 || objects.length > 0) {
    const words = [...controls].filter((c) => c !== 'objupdate').map((c) => `\\${c}`);
    report.findings.push(finding('RTF_EMBEDDED_OBJECT', `${label}: ${[...words, ...objects].join(', ') || 'object'}${classes.length > 0 ? `; class ${classes.slice(0, 5).join(', ')}` : ''}`));
  }
  if (controls.has('objupdate')) report.findings.push(finding('RTF_OBJUPDATE', `${label}: \\objupdate makes an embedded object update (and run) when the document opens`));
  if (equation) report.findings.push(finding('RTF_EQUATION_EDITOR', `${label}: Equation Editor object (CVE-2017-11882, CVE-2018-0802)`));
  if (limitHit) report.findings.push(finding('SCAN_LIMIT_RTF_OBJECT', `${label}: embedded objects over the limits (${MAX_RTF_OBJECTS} objects, ${MAX_RTF_OBJECT_BYTES} bytes each, ${MAX_RTF_TOTAL_OBJECT_BYTES} in all)`));
}

/**
 * Decodes the hex of one `\objdata` group, from `start` to the brace closing the group,
 * skipping what Word skips. `\binN` switches to N raw bytes.
 */
function decodeObjdata(text: string, start: number, maxBytes: number): { data: Uint8Array; end: number; truncated: boolean } {
  const out = new Uint8Array(Math.min(maxBytes, Math.ceil((text.length - start) / 2) + 1));
  let length = 0;
  let depth = 0;
  let high = -1;
  let pos = start;
  let truncated = false;
  while (pos < text.length) {
    const c = text.charCodeAt(pos);
    if (c === 0x7d /* } */) {
      if (depth === 0) break;
      depth--;
      pos++;
    } else if (c === 0x7b /* { */) {
      depth++;
      pos++;
    } else if (c === 0x5c /* \ */) {
      const word = /^\\([a-z]{1,32})(-?\d{1,10})? ?|^\\./i.exec(text.slice(pos, pos + 48));
      const skip = word?.[0].length ?? 1;
      if (word?.[1]?.toLowerCase() === 'bin' && word[2] !== undefined) {
        const n = Math.max(0, Number(word[2]));
        for (let i = 0; i < n && pos + skip + i < text.length; i++) {
          if (length >= out.length) {
            truncated = true;
            break;
          }
          out[length++] = text.charCodeAt(pos + skip + i) & 0xff;
        }
        pos += skip + n;
      } else {
        pos += skip;
      }
    } else {
      const nibble = hexValue(c);
      pos++;
      if (nibble < 0) continue;
      if (high < 0) {
        high = nibble;
        continue;
      }
      if (length >= out.length) {
        truncated = length >= maxBytes;
        break;
      }
      out[length++] = (high << 4) | nibble;
      high = -1;
    }
    if (truncated) break;
  }
  return { data: out.subarray(0, length), end: pos, truncated };
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}
