/**
 * Text decoding of attacker bytes: a declared charset when Node knows it, else UTF-8 when the
 * bytes are valid UTF-8, else latin1 (which cannot fail). Never throws.
 */

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Header bytes: UTF-8 when valid (RFC 6532), else latin1. */
export function decodeHeaderBytes(bytes: Uint8Array): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  }
}

/** Body or encoded-word bytes in a declared charset; unknown charsets fall back like headers. */
export function decodeCharset(bytes: Uint8Array, charset: string | undefined): string {
  const label = charset?.trim().toLowerCase();
  if (label && label !== 'us-ascii' && label !== 'utf-8' && label !== 'utf8') {
    try {
      return new TextDecoder(label).decode(bytes);
    } catch {
      // An unknown or unsupported label: the bytes still deserve to be read.
    }
  }
  return decodeHeaderBytes(bytes);
}
