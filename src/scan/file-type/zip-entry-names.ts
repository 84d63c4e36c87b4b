/**
 * The member names of a zip, read from its central directory (the authoritative list: local
 * headers can be hidden, duplicated or follow a data descriptor), falling back to walking the
 * local headers when the central directory cannot be found (a truncated attachment). Used only to
 * tell executable zips (JAR, APK, MSIX) from ordinary ones; archive-contents reads members.
 *
 * Trusts nothing: every offset is checked against the buffer before it is read, and at most
 * MAX_ZIP_NAMES names are returned, so a crafted directory costs bounded time. Never throws.
 */

/** Most names read; executable markers sit near the start of real JARs and APKs. */
export const MAX_ZIP_NAMES = 4096;
/** EOCD (22 bytes) plus the longest comment a zip may carry. */
const EOCD_SEARCH_BYTES = 22 + 0xffff;

const LATIN1 = new TextDecoder('latin1');

export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && ((bytes[2] === 3 && bytes[3] === 4) || (bytes[2] === 5 && bytes[3] === 6));
}

export function zipEntryNames(bytes: Uint8Array): readonly string[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fromDirectory = centralDirectoryNames(bytes, view);
  return fromDirectory ?? localHeaderNames(bytes, view);
}

function centralDirectoryNames(bytes: Uint8Array, view: DataView): string[] | undefined {
  const stop = Math.max(0, bytes.length - EOCD_SEARCH_BYTES);
  for (let eocd = bytes.length - 22; eocd >= stop; eocd--) {
    if (view.getUint32(eocd, true) !== 0x06054b50) continue;
    const size = view.getUint32(eocd + 12, true);
    // Data prepended to the zip (a self-extractor, a polyglot) shifts every offset: the
    // directory ends where the EOCD starts, whatever the recorded offset says.
    let pos = eocd - size;
    if (pos < 0) continue;
    const names: string[] = [];
    while (names.length < MAX_ZIP_NAMES && pos + 46 <= eocd && view.getUint32(pos, true) === 0x02014b50) {
      const nameLength = view.getUint16(pos + 28, true);
      const next = pos + 46 + nameLength + view.getUint16(pos + 30, true) + view.getUint16(pos + 32, true);
      if (pos + 46 + nameLength > bytes.length) break;
      names.push(LATIN1.decode(bytes.subarray(pos + 46, pos + 46 + nameLength)));
      pos = next;
    }
    return names;
  }
  return undefined;
}

function localHeaderNames(bytes: Uint8Array, view: DataView): string[] {
  const names: string[] = [];
  let pos = 0;
  while (names.length < MAX_ZIP_NAMES && pos + 30 <= bytes.length && view.getUint32(pos, true) === 0x04034b50) {
    const flags = view.getUint16(pos + 6, true);
    const compressedSize = view.getUint32(pos + 18, true);
    const nameLength = view.getUint16(pos + 26, true);
    const dataStart = pos + 30 + nameLength + view.getUint16(pos + 28, true);
    if (pos + 30 + nameLength > bytes.length) break;
    names.push(LATIN1.decode(bytes.subarray(pos + 30, pos + 30 + nameLength)));
    // With a data descriptor (flag bit 3) the size is unknown here: the walk cannot go on.
    if ((flags & 0x08) !== 0 && compressedSize === 0) break;
    pos = dataStart + compressedSize;
  }
  return names;
}
