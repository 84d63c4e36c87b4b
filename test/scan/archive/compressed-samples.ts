/**
 * Test samples for the decoders without an encoder in Node (bzip2, xz), made once with the
 * bzip2 and xz command-line tools from the plain text shown beside each (no third-party data).
 */

/** `printf 'hello bzip2\n' | bzip2` */
export const BZIP2_HELLO = Buffer.from('QlpoOTFBWSZTWatrofEAAALZgAAQQAAQABJkwBAgADEA000EAB6j705RogeLuSKcKEhVtdD4gA==', 'base64');
/** `head -c 100000 /dev/zero | bzip2` (56 bytes: ratio ~1800) */
export const BZIP2_ZEROS_100K = Buffer.from('QlpoOTFBWSZTWb6piCsAAMRQAMAABAAACCAAMMwFKaYQtiIXi7kinChIX1TEFYA=', 'base64');
/** `printf 'a\n' | bzip2; printf 'b\n' | bzip2` concatenated: two streams, as pbzip2 writes. */
export const BZIP2_TWO_STREAMS = Buffer.from('QlpoOTFBWSZTWWM+1uIAAADBAAAQIAAgACEAgrF3JFOFCQYz7W4gQlpoOTFBWSZTWRHViTEAAADBAAAQEAAgACEAgrF3JFOFCQEdWJMQ', 'base64');
/** `printf 'hello xz\n' | xz` */
export const XZ_HELLO = Buffer.from('/Td6WFoAAATm1rRGAgAhARYAAAB0L+WjAQAIaGVsbG8geHoKAAAAAMFJOvpjUhRaAAEhCWwYxdUftvN9AQAAAAAEWVo=', 'base64');
/** `head -c 100000 /dev/zero | xz` */
export const XZ_ZEROS_100K = Buffer.from(
  '/Td6WFoAAATm1rRGAgAhARYAAAB0L+Wj4YafAFNdAABv/f//o7f/Rz5IFXI5YVG4kijmo4YH+e7kHoLTL8U6PAFLsX7JiopNL6MN2X+m44wjEVPgWRjFdYrid/i2lH8MasDedElk4ulcU7IE1rH1lwAAAACPxpSiGONw8QABb6CNBgAAkORuUbHEZ/sCAAAAAARZWg==',
  'base64',
);
