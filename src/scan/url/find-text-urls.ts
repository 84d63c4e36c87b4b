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
  const matches = linkify.match(text.slice(0, MAX_TEXT_SCAN_CHARS)) ?? [];
  return matches.slice(0, limit).map((m) => m.url);
}

/** True when `text` as a whole reads as a link (the visible text of an anchor): `www.bank.example`, `https://...`. */
export function textIsUrl(text: string): string | undefined {
  const trimmed = text.trim();
  if (trimmed.length === 0 || trimmed.length > 2048 || /\s/.test(trimmed)) return undefined;
  const match = linkify.matchAtStart(trimmed) ?? linkify.match(trimmed)?.[0];
  if (match === undefined || match === null) return undefined;
  return match.index === 0 && match.lastIndex >= trimmed.replace(/[.,;:!?)\]]+$/, '').length ? match.url : undefined;
}
