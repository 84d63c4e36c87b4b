/**
 * True types: for every file in ctx.facts.files (attachments, and the members that extracting
 * analyzers appended), detects the type from the bytes, records it in `file.detectedType` (the
 * tracking summary and later analyzers read it there), and reports what policy acts on:
 *
 * - by true type, whatever the name: FILE_EXECUTABLE, FILE_SCRIPT, FILE_DISK_IMAGE, and the
 *   dropper formats named on their own: FILE_LNK, FILE_HTA, FILE_ONENOTE (these replace the
 *   generic executable/script id, so a shortcut is not counted twice);
 * - by name: FILE_EXTENSION_DANGEROUS (even when the bytes are not recognised),
 *   FILE_DOUBLE_EXTENSION (`invoice.pdf.exe`), FILE_NAME_RTLO, FILE_NAME_INVISIBLE_CHARS;
 * - FILE_TYPE_MISMATCH: the extension or the declared Content-Type promises another kind
 *   (expected-kind.ts says which differences matter).
 *
 * One finding per id per message, listing the files (up to MAX_FILES_IN_DETAIL), so a zip of a
 * hundred oddly named members scores like one, not a hundred. Names are attacker text: they are
 * only inspected and shown escaped. Never throws because of content.
 */
import type { Analyzer, DetectedType, ScannedFile } from '../analyzer.js';
import { finding, type Finding } from '../../core/finding.js';
import { detectType } from '../file-type/detect-type.js';
import { displayName, fileNameFacts } from '../file-type/file-name-facts.js';
import { DANGEROUS_EXTENSIONS, DECOY_EXTENSIONS, expectedKindOfExtension, expectedKindOfMediaType, mismatchMatters } from '../file-type/expected-kind.js';

/** Files named in one finding's detail; the rest are counted. */
export const MAX_FILES_IN_DETAIL = 5;

/** Types reported under their own id instead of the generic one for their kind. */
const OWN_IDS: ReadonlyMap<string, string> = new Map([
  ['lnk', 'FILE_LNK'],
  ['hta', 'FILE_HTA'],
  ['one', 'FILE_ONENOTE'],
]);
const KIND_IDS: ReadonlyMap<DetectedType['kind'], string> = new Map([
  ['executable', 'FILE_EXECUTABLE'],
  ['script', 'FILE_SCRIPT'],
  ['disk-image', 'FILE_DISK_IMAGE'],
]);

export const fileTypes: Analyzer = {
  name: 'file-types',
  directions: ['inbound', 'outbound'],
  // Members extracted by archive-contents are checked like attachments. pdf-content and office-macros
  // join this list when they are registered (their embedded files too).
  dependsOn: ['archive-contents'],
  async analyze(ctx) {
    const seen = new Map<string, string[]>();
    const note = (id: string, text: string): void => {
      const list = seen.get(id);
      if (list) list.push(text);
      else seen.set(id, [text]);
    };
    for (const file of ctx.facts.files) {
      if (ctx.signal.aborted) break;
      const type = await detectType(file.content);
      file.detectedType = type;
      for (const [id, text] of factsOf(file, type)) note(id, text);
    }
    const out: Finding[] = [];
    for (const [id, texts] of seen) {
      const shown = texts.slice(0, MAX_FILES_IN_DETAIL).join('; ');
      const more = texts.length > MAX_FILES_IN_DETAIL ? ` and ${texts.length - MAX_FILES_IN_DETAIL} more` : '';
      out.push(finding(id, `${shown}${more}`));
    }
    return out;
  },
};

/** `"a.zip" > "b.exe"`: the container chain, outermost first, then the file. */
export function fileLabel(file: ScannedFile): string {
  return [...file.container, file.name ?? '(unnamed)'].map((name) => (name === '(unnamed)' ? name : displayName(name))).join(' > ');
}

function typeLabel(type: DetectedType): string {
  return `${type.mime}${type.ext === '' ? '' : ` (.${type.ext})`}`;
}

/** The [id, detail] pairs one file gives. */
function factsOf(file: ScannedFile, type: DetectedType): [string, string][] {
  const label = fileLabel(file);
  const facts: [string, string][] = [];
  const byType = OWN_IDS.get(type.ext) ?? KIND_IDS.get(type.kind);
  if (byType) facts.push([byType, `${label} is ${type.kind} ${typeLabel(type)}`]);

  const name = file.name === undefined ? undefined : fileNameFacts(file.name);
  const extension = name?.extension;
  if (name?.rightToLeftOverride) facts.push(['FILE_NAME_RTLO', `${label} has a right-to-left override (U+202E)`]);
  if (name && name.invisible.length > 0) facts.push(['FILE_NAME_INVISIBLE_CHARS', `${label} hides ${name.invisible.join(', ')}`]);
  if (extension !== undefined && DANGEROUS_EXTENSIONS.has(extension)) {
    facts.push(['FILE_EXTENSION_DANGEROUS', `${label} ends in .${extension} (bytes: ${typeLabel(type)})`]);
    if (name?.previousExtension !== undefined && DECOY_EXTENSIONS.has(name.previousExtension)) {
      facts.push(['FILE_DOUBLE_EXTENSION', `${label} poses as .${name.previousExtension} but ends in .${extension}`]);
    }
  }

  const byExtension = expectedKindOfExtension(extension);
  if (mismatchMatters(byExtension, type)) {
    facts.push(['FILE_TYPE_MISMATCH', `${label} is named .${extension ?? ''} (${byExtension?.kind ?? ''}) but is ${type.kind} ${typeLabel(type)}`]);
  } else {
    const byDeclared = expectedKindOfMediaType(file.declaredType);
    if (mismatchMatters(byDeclared, type)) {
      facts.push(['FILE_TYPE_MISMATCH', `${label} is declared ${displayName(file.declaredType ?? '')} (${byDeclared?.kind ?? ''}) but is ${type.kind} ${typeLabel(type)}`]);
    }
  }
  return facts;
}
