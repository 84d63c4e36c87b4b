/**
 * Shows an attacker-chosen name in a finding's detail: quoted, cut to a readable length, and
 * with every character outside printable ASCII escaped (`\n`, `\u202e`), so a name can neither
 * break a log line or a header nor hide what it contains from the admin reading the verdict.
 */

/** Longest part of a name shown in a detail. */
const MAX_SHOWN = 120;

export function quoteName(name: string): string {
  const shown = name.length > MAX_SHOWN ? `${name.slice(0, MAX_SHOWN)}...` : name;
  let out = '';
  for (const ch of shown) {
    const code = ch.codePointAt(0) as number;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (code >= 0x20 && code < 0x7f) out += ch;
    else if (code === 0x0a) out += '\\n';
    else if (code === 0x0d) out += '\\r';
    else if (code === 0x09) out += '\\t';
    else out += `\\u{${code.toString(16)}}`;
  }
  return `"${out}"`;
}
