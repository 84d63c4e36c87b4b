/**
 * globMatch(): the only pattern language policy rules have. `*` matches any run of characters
 * (the empty one too), `?` exactly one; every other character matches itself. No classes, no
 * escapes, no regular expressions: patterns come from configuration, and a regular expression
 * built from configuration is code (DESIGN.md invariant 5) with its own denial of service
 * (catastrophic backtracking).
 *
 * Contract: the caller normalises case (addresses are lower-cased, finding ids are upper case).
 * Time is O(pattern × text) in the worst case, never exponential: the classic greedy algorithm
 * that remembers only the last `*` it saw.
 */

export function globMatch(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  /** Position in the pattern after the last `*`, and the text position that `*` was tried from. */
  let star = -1;
  let resume = 0;
  while (t < text.length) {
    const c = pattern[p];
    if (c === '*') {
      star = ++p;
      resume = t;
    } else if (c !== undefined && (c === '?' || c === text[t])) {
      p++;
      t++;
    } else if (star >= 0) {
      // Let the last `*` swallow one more character and try again from there.
      p = star;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}
