/**
 * Finds "loose" dot lines: a `.` that some SMTP implementation could read as the end of DATA
 * although it is not delimited by CRLF on both sides (SMTP smuggling, CVE-2023-51764/5/6).
 *
 * A dot is a line of its own, for a lax parser, when the byte before it is CR or LF (or it opens
 * the buffer) and the byte after it is CR or LF, NUL bytes on either side being ignored (some
 * MTAs strip NUL). It is legitimate only when it is exactly CRLF `.` CRLF (or `.` CRLF at the
 * start): that is the one end-of-data sequence of RFC 5321, and in dot-unstuffed content it is
 * a line holding a single dot, which the next hop stuffs again. Everything else, `LF.LF`,
 * `CR.CR`, `LF.CRLF`, `CRLF.CR CRLF`, `CRLF NUL . CRLF`..., is loose. Dot-stuffed `..` lines are
 * never loose: no parser ends DATA on them.
 *
 * Contract: returns the byte offsets of the loose dots (empty when there are none); pure.
 */

/** A dot, with optional NULs around it, that starts after CR/LF or at the start and ends before CR/LF. */
const CANDIDATE = /(?<=^|[\r\n])\0*\.\0*(?=[\r\n])/g;

export function findLooseDotLines(bytes: Buffer): number[] {
  const text = bytes.toString('latin1');
  const loose: number[] = [];
  for (const match of text.matchAll(CANDIDATE)) {
    const at = match.index;
    const atStart = at === 0;
    const crlfBefore = atStart || (at >= 2 && text[at - 2] === '\r' && text[at - 1] === '\n');
    const end = at + match[0].length;
    const crlfAfter = text[end] === '\r' && text[end + 1] === '\n';
    if (match[0] !== '.' || !crlfBefore || !crlfAfter) loose.push(at);
  }
  return loose;
}
