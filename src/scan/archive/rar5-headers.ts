/**
 * Walks the block headers of a RAR5 archive (RARLAB's "RAR 5.0 archive format") for the two
 * facts libarchive 3.7.2 gets wrong, so that archive/libarchive-reader.ts fails closed on them:
 * - a file whose header carries an encryption record: libarchive ignores the record and hands
 *   out the ciphertext as if it were the member's content, with no error;
 * - an archive that ends before its end-of-archive header (cut inside or after the main
 *   header): libarchive reports a clean end, with no members.
 * The file headers' own fields are not parsed: the extra area is found from its size, at the
 * end of the header.
 * An archive encryption header (every later header encrypted) is reported too, so the finding
 * says "encrypted" rather than "corrupt". Reads only the bytes given, bounds-checked at every
 * field; CRCs are libarchive's to check. Pure function of the bytes.
 */

const SIGNATURE_LENGTH = 8;
const HEAD_FILE = 2;
const HEAD_CRYPT = 4;
const HEAD_END = 5;
const HAS_EXTRA = 0x0001;
const HAS_DATA = 0x0002;
const EXTRA_CRYPT = 0x01;

export type Rar5Layout =
  | {
      readonly kind: 'headers';
      /** Per file header, in order (what libarchive lists as entries): whether its data is encrypted. */
      readonly encryptedFiles: readonly boolean[];
    }
  | { readonly kind: 'encrypted-headers' }
  /** Cut short, or a header or extra area that does not fit: libarchive's view cannot be trusted. */
  | { readonly kind: 'damaged' };

class Cursor {
  constructor(
    private readonly data: Uint8Array,
    public at: number,
    private readonly end: number,
  ) {}

  /** A variable-length integer (7 bits a byte, at most 10 bytes); undefined past the end. */
  vint(): number | undefined {
    let value = 0;
    for (let shift = 0; shift < 70 && this.at < this.end; shift += 7) {
      const byte = this.data[this.at++] as number;
      value += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return value;
    }
    return undefined;
  }

  skip(count: number): boolean {
    this.at += count;
    return this.at <= this.end;
  }
}

export function rar5Layout(data: Uint8Array): Rar5Layout {
  const encryptedFiles: boolean[] = [];
  let at = SIGNATURE_LENGTH;
  while (at + 4 < data.length) {
    const sizeCursor = new Cursor(data, at + 4, data.length);
    const headerSize = sizeCursor.vint();
    if (headerSize === undefined || sizeCursor.at + headerSize > data.length) return { kind: 'damaged' };
    const headerEnd = sizeCursor.at + headerSize;
    const header = new Cursor(data, sizeCursor.at, headerEnd);
    const type = header.vint();
    const flags = header.vint();
    const extraSize = flags !== undefined && (flags & HAS_EXTRA) !== 0 ? header.vint() : 0;
    const dataSize = flags !== undefined && (flags & HAS_DATA) !== 0 ? header.vint() : 0;
    if (type === undefined || extraSize === undefined || dataSize === undefined || extraSize > headerSize) return { kind: 'damaged' };
    if (type === HEAD_CRYPT) return { kind: 'encrypted-headers' };
    if (type === HEAD_END) return { kind: 'headers', encryptedFiles };
    if (type === HEAD_FILE) {
      const encrypted = hasEncryptionRecord(data, headerEnd - extraSize, headerEnd);
      if (encrypted === undefined) return { kind: 'damaged' };
      encryptedFiles.push(encrypted);
    }
    at = headerEnd + dataSize;
  }
  return { kind: 'damaged' };
}

/** Whether the extra area [start, end) holds a file encryption record; undefined if it is malformed. */
function hasEncryptionRecord(data: Uint8Array, start: number, end: number): boolean | undefined {
  const extra = new Cursor(data, start, end);
  while (extra.at < end) {
    const size = extra.vint();
    const recordStart = extra.at;
    const type = extra.vint();
    if (size === undefined || type === undefined) return undefined;
    if (type === EXTRA_CRYPT) return true;
    extra.at = recordStart;
    if (!extra.skip(size)) return undefined;
  }
  return false;
}
