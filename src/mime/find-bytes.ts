/**
 * A faster `Buffer.indexOf` for the fixed markers the decoders look for (`=ybegin `, BinHex's
 * banner) inside large decoded bodies. Node scans for a needle of up to six bytes with memchr on
 * its first byte, but for a longer one switches to Boyer-Moore-Horspool, which over binary data
 * is several times slower (25 MB of random bytes: ~13 ms for `=ybegin ` against ~2.5 ms for its
 * first five bytes). So the first bytes are found first and the whole needle compared there.
 * Same result as `haystack.indexOf(needle, from)` for every input (a negative `from` counts as 0,
 * not from the end).
 */

/** Longest prefix that Node still finds with its memchr-based search. */
const ANCHOR_BYTES = 5;

export function findBytes(haystack: Buffer, needle: Buffer, from = 0): number {
  let pos = Math.max(0, from);
  if (needle.length <= ANCHOR_BYTES) return haystack.indexOf(needle, pos);
  const anchor = needle.subarray(0, ANCHOR_BYTES);
  for (;;) {
    const at = haystack.indexOf(anchor, pos);
    if (at === -1 || haystack.length - at < needle.length) return -1;
    if (haystack.compare(needle, ANCHOR_BYTES, needle.length, at + ANCHOR_BYTES, at + needle.length) === 0) return at;
    pos = at + 1;
  }
}
