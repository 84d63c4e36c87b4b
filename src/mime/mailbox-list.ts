/**
 * Parses an address header (From, Sender, Reply-To: RFC 5322 3.4 mailbox-list) into addresses.
 * Strict enough to tell a well-formed From from a malformed one, not a full RFC 5322 grammar:
 * comments are removed, commas inside quotes or angle brackets do not split, each mailbox is
 * `addr-spec` or `[display-name] <addr-spec>`. Returns undefined when any mailbox is malformed.
 */

export interface Mailbox {
  readonly name?: string;
  /** `local@domain` as written (case kept). */
  readonly address: string;
}

const LOCAL_PART = /^(?:[A-Za-z0-9!#$%&'*+/=?^_`{|}~\u0080-\uffff-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~\u0080-\uffff-]+)*|"(?:[^"\\\r\n]|\\.)*")$/;
const DOMAIN = /^(?:(?:[A-Za-z0-9\u0080-\uffff](?:[A-Za-z0-9\u0080-\uffff-]{0,61}[A-Za-z0-9\u0080-\uffff])?\.)*[A-Za-z0-9\u0080-\uffff](?:[A-Za-z0-9\u0080-\uffff-]{0,61}[A-Za-z0-9\u0080-\uffff])?|\[[^[\]\\\s]+\])$/;

/** Removes RFC 5322 comments (nested parentheses) outside quoted strings. */
function stripComments(value: string): string {
  let out = '';
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i] as string;
    if (c === '\\' && i + 1 < value.length) {
      if (depth === 0) out += c + value[i + 1];
      i++;
    } else if (quoted) {
      if (c === '"') quoted = false;
      out += c;
    } else if (c === '(') {
      depth++;
    } else if (c === ')' && depth > 0) {
      depth--;
    } else if (depth === 0) {
      if (c === '"') quoted = true;
      out += c;
    }
  }
  return out;
}

function splitTopLevel(value: string): string[] {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  let angle = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i] as string;
    if (c === '\\' && i + 1 < value.length) {
      current += c + value[++i];
      continue;
    }
    if (c === '"' && !angle) quoted = !quoted;
    else if (c === '<' && !quoted) angle = true;
    else if (c === '>' && !quoted) angle = false;
    if (c === ',' && !quoted && !angle) {
      out.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  out.push(current);
  return out;
}

export function isAddrSpec(spec: string): boolean {
  const at = spec.lastIndexOf('@');
  if (at <= 0 || at === spec.length - 1 || spec.length > 998) return false;
  return LOCAL_PART.test(spec.slice(0, at)) && DOMAIN.test(spec.slice(at + 1));
}

export function parseMailboxList(value: string): readonly Mailbox[] | undefined {
  const items = splitTopLevel(stripComments(value)).map((s) => s.trim());
  if (items.length === 0 || items.some((s) => s === '')) return undefined;
  const out: Mailbox[] = [];
  for (const item of items) {
    const angle = /^(.*?)<([^<>]*)>$/s.exec(item);
    const address = (angle ? (angle[2] as string) : item).trim();
    if (!isAddrSpec(address)) return undefined;
    const name = angle ? (angle[1] as string).trim().replace(/^"(.*)"$/s, '$1') : '';
    out.push(name ? { name, address } : { address });
  }
  return out;
}
