/**
 * The name of the one member of a compressed stream (gzip without FNAME, bzip2, xz): the
 * container's name without its compression suffix, the way gunzip names its output. Used for
 * display and tracking only; it is not analysed as a member name, since it repeats the
 * container's name, which was analysed where it appeared.
 */

const SUFFIXES: Readonly<Record<'gzip' | 'bzip2' | 'xz', ReadonlyArray<readonly [RegExp, string]>>> = {
  gzip: [[/\.tgz$/i, '.tar'], [/\.t?gz$/i, ''], [/\.gzip$/i, '']],
  bzip2: [[/\.(tbz2?|tbz)$/i, '.tar'], [/\.bz2?$/i, '']],
  xz: [[/\.txz$/i, '.tar'], [/\.xz$/i, '']],
};

export function derivedMemberName(containerName: string | undefined, format: 'gzip' | 'bzip2' | 'xz'): string {
  if (containerName !== undefined) {
    for (const [suffix, replacement] of SUFFIXES[format]) {
      if (suffix.test(containerName)) {
        const stripped = containerName.replace(suffix, replacement);
        if (stripped !== '') return stripped;
      }
    }
  }
  return `(${format} content)`;
}
