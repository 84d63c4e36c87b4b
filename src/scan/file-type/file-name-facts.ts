/**
 * What a file name tells, read the way a user sees it: the real final extension (after removing
 * the invisible characters and blanks an attacker puts before it), the extension before it (for
 * `invoice.pdf.exe`), a right-to-left override (U+202E: `invoice\u202Efdp.exe` shows as
 * `invoiceexe.pdf`), other invisible characters (bidi controls, zero-width characters, control
 * characters, runs of blanks that push the real extension out of view).
 *
 * The name is attacker text and is only ever inspected, never used as a path. displayName() makes
 * it safe to show in a finding's detail (invisible characters become \u escapes).
 */

/** Right-to-left override. */
const RTLO = '\u202e';
/**
 * Invisible or reordering characters other than RTLO: bidi embeddings, overrides, isolates and
 * marks; zero-width characters and joiners; BOM; Mongolian vowel separator; Hangul fillers and
 * the braille blank (used as invisible letters); C0 and C1 controls.
 */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u061c\u115f\u1160\u180e\u200b-\u200f\u202a-\u202d\u2060-\u2064\u2066-\u2069\u2800\u3164\ufeff\uffa0]/gu;
/** Blanks of any width, including the no-break and ideographic spaces. */
const BLANKS = /[\s\u00a0\u2000-\u200a\u202f\u205f\u3000]/u;
/** This many blanks before the extension hide it in a narrow column ("scan.doc      .js"). */
export const EXCESSIVE_BLANKS_BEFORE_EXTENSION = 3;

export interface FileNameFacts {
  /** The final extension, lower-case, without invisible characters or blanks; undefined if none. */
  readonly extension?: string;
  /** The extension before it, cleaned the same way (`pdf` in `invoice.pdf.exe`). */
  readonly previousExtension?: string;
  readonly rightToLeftOverride: boolean;
  /** What else is hidden, each described for the admin (`U+200B`, `5 blanks before the extension`). */
  readonly invisible: readonly string[];
}

export function fileNameFacts(name: string): FileNameFacts {
  const base = name.slice(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
  const found = new Set<string>();
  for (const [c] of base.matchAll(INVISIBLE)) found.add(codePoint(c));
  const visible = base.replace(INVISIBLE, '').replace(new RegExp(RTLO, 'gu'), '');
  const segments = visible.split('.');
  const invisible = [...found];
  const stem = segments.length > 1 ? (segments[segments.length - 2] ?? '') : '';
  const blanks = trailingBlanks(stem);
  if (blanks >= EXCESSIVE_BLANKS_BEFORE_EXTENSION) invisible.push(`${blanks} blanks before the extension`);
  const clean = (segment: string | undefined): string | undefined => {
    const trimmed = segment?.replace(new RegExp(BLANKS.source, 'gu'), '').toLowerCase();
    return trimmed === undefined || trimmed === '' ? undefined : trimmed;
  };
  const extension = segments.length > 1 ? clean(segments[segments.length - 1]) : undefined;
  const previousExtension = segments.length > 2 ? clean(segments[segments.length - 2]) : undefined;
  return {
    ...(extension === undefined ? {} : { extension }),
    ...(previousExtension === undefined ? {} : { previousExtension }),
    rightToLeftOverride: base.includes(RTLO),
    invisible,
  };
}

function trailingBlanks(text: string): number {
  let n = 0;
  for (let i = text.length - 1; i >= 0 && BLANKS.test(text[i] ?? ''); i--) n++;
  return n;
}

function codePoint(c: string): string {
  return `U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/** The name quoted for a finding's detail, with invisible and reordering characters escaped. */
export function displayName(name: string): string {
  return JSON.stringify(name).replace(/[\u007f-\u009f\u061c\u115f\u1160\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\u2800\u3164\ufeff\uffa0]/gu, (c) => `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`);
}
