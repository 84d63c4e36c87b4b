/**
 * Structured header values with parameters (Content-Type, Content-Disposition, RFC 2045/2183):
 * `value; name=token; name="quoted string"`, with RFC 2231 `name*=charset''percent-encoded` for
 * non-ASCII file names (continuations `name*0*` are joined in order). Parameters live in a Map.
 */
import { decodeCharset } from './charset.js';
import { decodeEncodedWords } from './encoded-word.js';

export interface HeaderParams {
  /** The lower-cased main value, e.g. `multipart/mixed` or `attachment`. */
  readonly value: string;
  /** The first value of each parameter (what RFC-abiding readers use). */
  readonly params: ReadonlyMap<string, string>;
  /**
   * Every value of each parameter in order, when a name appears more than once (`boundary=a;
   * boundary=b`): readers disagree on which wins, so the caller may read it every way.
   */
  readonly repeated: ReadonlyMap<string, readonly string[]>;
}

/** Splits on `;` outside quoted strings. */
function splitParams(input: string): string[] {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < input.length; i++) {
    const c = input[i] as string;
    if (quoted && c === '\\' && i + 1 < input.length) {
      current += c + input[++i];
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (c === ';' && !quoted) {
      out.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  out.push(current);
  return out;
}

function unquote(raw: string): string {
  const v = raw.trim();
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) return v.slice(1, -1).replace(/\\(.)/g, '$1');
  return v;
}

function decodeRfc2231(raw: string): string {
  const m = /^([^']*)'[^']*'(.*)$/.exec(raw);
  const charset = m ? m[1] : undefined;
  const encoded = m ? (m[2] ?? '') : raw;
  const bytes = Buffer.from(encoded.replace(/%([0-9a-fA-F]{2})/g, (_s, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1');
  return decodeCharset(bytes, charset);
}

export function parseHeaderParams(input: string): HeaderParams {
  const [head = '', ...rest] = splitParams(input);
  const params = new Map<string, string>();
  const repeated = new Map<string, string[]>();
  const continued = new Map<string, { index: number; text: string; encoded: boolean }[]>();
  for (const item of rest) {
    const eq = item.indexOf('=');
    if (eq <= 0) continue;
    const key = item.slice(0, eq).trim().toLowerCase();
    const raw = unquote(item.slice(eq + 1));
    const m = /^([^*]+)\*(\d+)?(\*)?$/.exec(key);
    if (!m) {
      const value = decodeEncodedWords(raw);
      const first = params.get(key);
      if (first === undefined) params.set(key, value);
      else repeated.set(key, [...(repeated.get(key) ?? [first]), value]);
      continue;
    }
    const name = m[1] as string;
    const parts = continued.get(name) ?? [];
    parts.push({ index: m[2] === undefined ? 0 : Number(m[2]), text: raw, encoded: m[3] !== undefined || m[2] === undefined });
    continued.set(name, parts);
  }
  for (const [name, parts] of continued) {
    parts.sort((a, b) => a.index - b.index);
    const first = parts[0];
    // The charset prefix appears only on the first piece; pieces are percent-decoded as one.
    const joined = parts.map((p) => p.text).join('');
    params.set(name, first?.encoded ? decodeRfc2231(joined) : joined);
  }
  return { value: head.trim().toLowerCase(), params, repeated };
}
