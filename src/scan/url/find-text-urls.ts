/**
 * URLs in plain text, as a reader's mail client would make them clickable: linkify-it with fuzzy
 * links (`www.example.com`, `example.com/login`) and userinfo (`user@host` inside a URL)
 * recognised, IP links only with a scheme, e-mail addresses not taken for links.
 *
 * Trusts nothing: text is attacker-controlled; only the first MAX_TEXT_SCAN_CHARS of each text are
 * searched and at most `limit` URLs returned. Contract: never throws on any string.
 */
import { LinkifyIt } from 'linkify-it';

/** Text searched per body: links past the first megabyte of text are not what a lure relies on. */
export const MAX_TEXT_SCAN_CHARS = 1024 * 1024;

// fuzzyIP stays off: bare dotted numbers in text are mostly version numbers (1.67.2.1); an IP
// link a reader can click has a scheme.
const linkify = new LinkifyIt({ fuzzyLink: true, fuzzyIP: false, fuzzyEmail: false, urlAuth: true, maxLength: 2048 });

/** The normalised URLs (`www.x.example` becomes `http://www.x.example`) in `text`, in order, at most `limit`. */
export function findTextUrls(text: string, limit: number): string[] {
  if (limit <= 0) return [];
  const matches = linkify.match(candidateLines(text.slice(0, MAX_TEXT_SCAN_CHARS))) ?? [];
  return matches.slice(0, limit).map((m) => m.url);
}

/**
 * A line can hold a link only if it has something linkify-it starts a link from: a scheme's `//`
 * (http:, https:, ftp: and protocol-relative links), `mailto:`, `www.`, `localhost`, or a name
 * followed by a dot and two letters (the TLD of a fuzzy link: `example.com`). linkify-it runs
 * its large fuzzy-link expression at every position of the text it is given, which was the most
 * expensive regular expression of a scan (a 100 KB body of ordinary text took 20 ms; over
 * spamassassin 7% of a sandbox's CPU), so only such lines are searched, whatever the text's size.
 * Links never span lines in plain text, and a kept line still starts the text or follows a line
 * break, so the matches are the same (same URLs and findings on 10,722 corpus messages).
 */
const MAY_HOLD_LINK = /\/\/|mailto:|www\.|localhost|[\p{L}\p{N}_-]\.\p{L}{2}/iu;

function candidateLines(text: string): string {
  if (MAY_HOLD_LINK.test(text) === false) return '';
  return text
    .split('\n')
    .filter((line) => MAY_HOLD_LINK.test(line))
    .join('\n');
}

/** True when `text` as a whole reads as a link (the visible text of an anchor): `www.bank.example`, `https://...`. */
export function textIsUrl(text: string): string | undefined {
  const trimmed = text.trim();
  if (trimmed.length === 0 || trimmed.length > 2048 || /\s/.test(trimmed)) return undefined;
  const match = linkify.matchAtStart(trimmed) ?? linkify.match(trimmed)?.[0];
  if (match === undefined || match === null) return undefined;
  return match.index === 0 && match.lastIndex >= trimmed.replace(/[.,;:!?)\]]+$/, '').length ? match.url : undefined;
}
