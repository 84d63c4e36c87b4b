/**
 * Look-alike domains: is a registrable domain a confusable copy of a protected one (`paypa1.com`,
 * `xn--pypal-4ve.com` shown as "pаypal.com" with a Cyrillic а, `rnicrosoft.com`, `paypal-secure.com`)
 * without being it?
 *
 * Trusts nothing: inputs are host names from attacker text, already normalised by parse-url.ts.
 * Work is bounded: labels are cut to MAX_LABEL_CHARS and edit distance stops once past its bound.
 * Contract: a pure function of its arguments; same domain or a subdomain is never a look-alike
 * (`accounts.google.com` is google.com).
 */

/** Longest label compared (a DNS label is at most 63 characters). */
const MAX_LABEL_CHARS = 63;
/** Labels shorter than this are compared by skeleton only: one edit turns "ups" into a word. */
const MIN_LABEL_FOR_ONE_EDIT = 6;
/** Brand labels this long are looked for as a hyphenated token (`paypal-secure`); `post-gazette` is not Swiss Post. */
const MIN_LABEL_FOR_BRAND_TOKEN = 5;
/** Labels this long or longer may be two edits away. */
const MIN_LABEL_FOR_TWO_EDITS = 10;

/**
 * Homoglyphs folded to the Latin letter they imitate: Cyrillic and Greek look-alikes, digits
 * used as letters, and the multi-letter tricks that read as one letter in most fonts.
 */
const CONFUSABLE_CHARS: ReadonlyMap<string, string> = new Map([
  ['а', 'a'], ['ɑ', 'a'], ['α', 'a'], ['à', 'a'], ['á', 'a'], ['â', 'a'], ['ä', 'a'], ['å', 'a'], ['ą', 'a'],
  ['ь', 'b'], ['Ь', 'b'], ['ƅ', 'b'],
  ['с', 'c'], ['ϲ', 'c'], ['ç', 'c'], ['ć', 'c'],
  ['ԁ', 'd'], ['ɗ', 'd'],
  ['е', 'e'], ['ε', 'e'], ['ё', 'e'], ['è', 'e'], ['é', 'e'], ['ê', 'e'], ['ë', 'e'], ['ę', 'e'], ['3', 'e'],
  ['ɡ', 'g'], ['ց', 'g'],
  ['һ', 'h'],
  ['і', 'l'], ['ı', 'l'], ['ӏ', 'l'], ['ι', 'l'], ['í', 'l'], ['ì', 'l'], ['î', 'l'], ['ï', 'l'], ['i', 'l'], ['1', 'l'], ['|', 'l'],
  ['ј', 'j'],
  ['к', 'k'], ['κ', 'k'],
  ['м', 'm'],
  ['п', 'n'], ['η', 'n'], ['ñ', 'n'],
  ['о', 'o'], ['ο', 'o'], ['σ', 'o'], ['ö', 'o'], ['ó', 'o'], ['ò', 'o'], ['ô', 'o'], ['õ', 'o'], ['ø', 'o'], ['0', 'o'],
  ['р', 'p'], ['ρ', 'p'],
  ['ԛ', 'q'],
  ['г', 'r'],
  ['ѕ', 's'], ['ś', 's'], ['$', 's'], ['5', 's'],
  ['т', 't'], ['τ', 't'],
  ['υ', 'u'], ['ü', 'u'], ['ú', 'u'], ['ù', 'u'], ['û', 'u'], ['μ', 'u'],
  ['ν', 'v'], ['ѵ', 'v'],
  ['ԝ', 'w'], ['ω', 'w'],
  ['х', 'x'], ['χ', 'x'],
  ['у', 'y'], ['ү', 'y'], ['ý', 'y'],
  ['ᴢ', 'z'], ['ź', 'z'], ['ż', 'z'],
]);
const CONFUSABLE_SEQUENCES: readonly (readonly [RegExp, string])[] = [
  [/rn/g, 'm'],
  [/vv/g, 'w'],
  [/cl/g, 'd'],
];

/** The skeleton of a label: what it looks like, with homoglyphs folded and hyphens dropped. */
export function skeleton(label: string): string {
  let out = '';
  for (const ch of label.slice(0, MAX_LABEL_CHARS).toLowerCase().normalize('NFC')) {
    if (ch === '-' || ch === '_') continue;
    out += CONFUSABLE_CHARS.get(ch) ?? ch;
  }
  for (const [pattern, replacement] of CONFUSABLE_SEQUENCES) out = out.replace(pattern, replacement);
  return out;
}

/** Levenshtein distance, or `bound + 1` as soon as it is known to exceed `bound`. */
export function boundedEditDistance(a: string, b: string, bound: number): number {
  if (Math.abs(a.length - b.length) > bound) return bound + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const value = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
      current.push(value);
      if (value < rowMin) rowMin = value;
    }
    if (rowMin > bound) return bound + 1;
    previous = current;
  }
  return previous[b.length] ?? bound + 1;
}

/** How many edits (on skeletons) a look-alike of a protected label may be away: 0 for short labels. */
export function editBound(protectedLabel: string): number {
  return protectedLabel.length >= MIN_LABEL_FOR_TWO_EDITS ? 2 : protectedLabel.length >= MIN_LABEL_FOR_ONE_EDIT ? 1 : 0;
}

/** A protected registrable domain split for comparison. */
export interface ProtectedDomain {
  readonly domain: string;
  /** The registrable label (`paypal` of paypal.com). */
  readonly label: string;
  /** skeleton(label), computed once. */
  readonly shape: string;
}

export function protectedDomain(domain: string, label: string): ProtectedDomain {
  return { domain, label, shape: skeleton(label) };
}

export interface Lookalike {
  /** The protected domain imitated. */
  readonly imitates: string;
  /** How: `homoglyph` (same skeleton), `edit` (one or two letters off), `brand-token` (`paypal-secure`). */
  readonly how: 'homoglyph' | 'edit' | 'brand-token';
}

/**
 * Which protected domain, if any, `label` (registrable label, Unicode form) of `domain` imitates.
 * `domain` equal to a protected domain, or sharing its label (paypal.de for paypal.com), is the
 * brand itself, not a look-alike.
 */
export function findLookalike(domain: string, label: string, protectedDomains: readonly ProtectedDomain[]): Lookalike | undefined {
  const cut = label.slice(0, MAX_LABEL_CHARS).toLowerCase();
  if (protectedDomains.some((p) => p.domain === domain || p.label === cut)) return undefined;
  const shape = skeleton(cut);
  const tokens = cut.split(/[-_]/);
  for (const p of protectedDomains) {
    const target = p.shape;
    if (target.length < 3) continue;
    if (shape === target) return { imitates: p.domain, how: 'homoglyph' };
    const bound = editBound(p.label);
    if (bound > 0 && boundedEditDistance(shape, target, bound) <= bound) return { imitates: p.domain, how: 'edit' };
    if (p.label.length >= MIN_LABEL_FOR_BRAND_TOKEN && tokens.length > 1 && tokens.some((t) => t === p.label || (t.length >= MIN_LABEL_FOR_ONE_EDIT && skeleton(t) === target))) {
      return { imitates: p.domain, how: 'brand-token' };
    }
  }
  return undefined;
}
