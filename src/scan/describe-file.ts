/**
 * How a finding names a file: its container chain, outermost first, then its own name, as
 * `"invoice.zip" > "inner.tar" > "run.exe"`; an attachment without a name is `(unnamed)`.
 * Names are the attacker's words, shown to an administrator: control, bidirectional and other
 * invisible format characters are written as `\u{...}` so a name cannot reorder or hide what the
 * admin reads, and each name is cut at MAX_NAME_CHARS.
 */
import type { ScannedFile } from './analyzer.js';

const MAX_NAME_CHARS = 120;
/** C0/C1 controls, and format characters (Cf: RTL override, zero-width joiners, BOM, ...). */
const HIDDEN = /[\p{Cc}\p{Cf}]/gu;

function showName(name: string): string {
  const cut = name.length > MAX_NAME_CHARS ? `${name.slice(0, MAX_NAME_CHARS)}...` : name;
  return `"${cut.replace(HIDDEN, (c) => `\\u{${(c.codePointAt(0) ?? 0).toString(16)}}`)}"`;
}

export function describeFile(file: Pick<ScannedFile, 'name' | 'container'>): string {
  return [...file.container, file.name ?? '(unnamed)']
    .map((name, i, all) => (i === all.length - 1 && file.name === undefined ? name : showName(name)))
    .join(' > ');
}
