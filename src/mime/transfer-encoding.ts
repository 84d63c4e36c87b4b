/**
 * Content-Transfer-Encoding decoding (RFC 2045): base64 and quoted-printable, lenient as mail
 * clients are (invalid characters are skipped, a broken escape is kept literally). The output is
 * never larger than the input, so the message size bounds all decoding.
 */

export function decodeTransferEncoding(body: Buffer, encoding: string | undefined): Buffer {
  switch (encoding?.trim().toLowerCase()) {
    case 'base64':
      // Buffer's base64 decoder skips characters outside the alphabet (line breaks, spaces).
      return Buffer.from(body.toString('latin1'), 'base64');
    case 'quoted-printable':
      return decodeQuotedPrintable(body);
    default:
      return body;
  }
}

function hexValue(c: number | undefined): number {
  if (c === undefined) return -1;
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

export function decodeQuotedPrintable(body: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(body.length);
  let n = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as number;
    if (c !== 0x3d) {
      out[n++] = c;
      continue;
    }
    const hi = hexValue(body[i + 1]);
    const lo = hexValue(body[i + 2]);
    if (hi >= 0 && lo >= 0) {
      out[n++] = hi * 16 + lo;
      i += 2;
      continue;
    }
    // A soft line break: '=' then optional whitespace then CRLF or LF.
    let j = i + 1;
    while (body[j] === 0x20 || body[j] === 0x09) j++;
    if (body[j] === 0x0d && body[j + 1] === 0x0a) {
      i = j + 1;
    } else if (body[j] === 0x0a) {
      i = j;
    } else if (j >= body.length) {
      i = j;
    } else {
      out[n++] = c;
    }
  }
  return out.subarray(0, n);
}
