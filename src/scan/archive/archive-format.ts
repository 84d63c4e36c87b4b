/**
 * Recognises archive and compression formats by their bytes, never by a file's name: an
 * attacker chooses the name, and a .pdf that is a zip must be opened as a zip.
 *
 * Trusts nothing: reads at most the first 512 bytes and the last 64 KiB + 22 bytes of `data`.
 * A zip is also recognised by its end-of-central-directory record at the end of the file, the
 * way unzip tools find it, so data prepended to a zip (a polyglot GIF+zip, a self-extractor)
 * does not hide it.
 */

/** Formats with a reader (zip .. rar) and formats only recognised (cab .. cpio: see read-archive.ts). */
export type ArchiveFormat = 'zip' | 'tar' | 'gzip' | 'bzip2' | 'xz' | '7z' | 'rar' | 'cab' | 'ace' | 'arj' | 'cpio';

const ZIP_LOCAL = [0x50, 0x4b, 0x03, 0x04];
const ZIP_EMPTY = [0x50, 0x4b, 0x05, 0x06];
const ZIP_SPANNED = [0x50, 0x4b, 0x07, 0x08];
const GZIP = [0x1f, 0x8b, 0x08];
const XZ = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];
const SEVEN_ZIP = [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c];
const RAR = [0x52, 0x61, 0x72, 0x21, 0x1a, 0x07];
const CAB = [0x4d, 0x53, 0x43, 0x46, 0x00, 0x00, 0x00, 0x00];
const ACE = [0x2a, 0x2a, 0x41, 0x43, 0x45, 0x2a, 0x2a];
const BZIP2_BLOCK = [0x31, 0x41, 0x59, 0x26, 0x53, 0x59];
const BZIP2_END = [0x17, 0x72, 0x45, 0x38, 0x50, 0x90];
const EOCD_SIZE = 22;
const MAX_ZIP_COMMENT = 0xffff;
const TAR_BLOCK = 512;

function startsWith(data: Uint8Array, magic: readonly number[], offset = 0): boolean {
  if (data.length < offset + magic.length) return false;
  return magic.every((byte, i) => data[offset + i] === byte);
}

export function detectArchiveFormat(data: Uint8Array): ArchiveFormat | undefined {
  if (startsWith(data, ZIP_LOCAL) || startsWith(data, ZIP_EMPTY) || startsWith(data, ZIP_SPANNED)) return 'zip';
  if (startsWith(data, GZIP)) return 'gzip';
  if (isBzip2(data)) return 'bzip2';
  if (startsWith(data, XZ)) return 'xz';
  if (startsWith(data, SEVEN_ZIP)) return '7z';
  if (startsWith(data, RAR)) return 'rar';
  if (startsWith(data, CAB)) return 'cab';
  if (startsWith(data, ACE, 7)) return 'ace';
  if (isArj(data)) return 'arj';
  if (isCpio(data)) return 'cpio';
  if (isTar(data)) return 'tar';
  if (hasZipEndRecord(data)) return 'zip';
  return undefined;
}

/** `BZh` and a block size digit, then the first block's (or the empty stream's end) magic. */
function isBzip2(data: Uint8Array): boolean {
  const level = data[3];
  return (
    startsWith(data, [0x42, 0x5a, 0x68]) &&
    level !== undefined &&
    level >= 0x31 &&
    level <= 0x39 &&
    (startsWith(data, BZIP2_BLOCK, 4) || startsWith(data, BZIP2_END, 4))
  );
}

/** ARJ: 0x60 0xEA, a basic header of at most 2600 bytes, and a first header inside it. */
function isArj(data: Uint8Array): boolean {
  if (!startsWith(data, [0x60, 0xea]) || data.length < 8) return false;
  const size = (data[2] as number) | ((data[3] as number) << 8);
  const first = data[4] as number;
  return size > 0 && size <= 2600 && first >= 30 && first <= size;
}

/** cpio: the ASCII magics (newc, crc, odc), or the old binary one in either byte order with a sane name size. */
function isCpio(data: Uint8Array): boolean {
  const ascii = new TextDecoder('latin1').decode(data.subarray(0, 6));
  if (ascii === '070701' || ascii === '070702' || ascii === '070707') return true;
  if (data.length < 26) return false;
  const nameSize = startsWith(data, [0xc7, 0x71]) ? (data[20] as number) | ((data[21] as number) << 8) : startsWith(data, [0x71, 0xc7]) ? ((data[20] as number) << 8) | (data[21] as number) : 0;
  return nameSize > 0 && nameSize <= 4096;
}

/** A POSIX/GNU `ustar` magic, or an old (v7) header whose checksum is right. */
function isTar(data: Uint8Array): boolean {
  if (data.length < TAR_BLOCK || data[0] === 0) return false;
  if (startsWith(data, [0x75, 0x73, 0x74, 0x61, 0x72], 257)) return true;
  return tarChecksumMatches(data.subarray(0, TAR_BLOCK));
}

function tarChecksumMatches(header: Uint8Array): boolean {
  const field = new TextDecoder('latin1').decode(header.subarray(148, 156)).replace(/[\0 ]+$/, '').trim();
  if (!/^[0-7]{1,7}$/.test(field)) return false;
  let sum = 0;
  for (let i = 0; i < TAR_BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (header[i] as number);
  return sum === parseInt(field, 8);
}

/**
 * An end-of-central-directory record in the last 64 KiB whose comment ends exactly at the end of
 * the data and whose central directory lies before it: the shape unzip tools accept, and too
 * specific to appear by chance in other binary data.
 */
function hasZipEndRecord(data: Uint8Array): boolean {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const lowest = Math.max(0, data.length - EOCD_SIZE - MAX_ZIP_COMMENT);
  for (let at = data.length - EOCD_SIZE; at >= lowest; at--) {
    if (!startsWith(data, ZIP_EMPTY, at)) continue;
    const commentLength = view.getUint16(at + 20, true);
    const directorySize = view.getUint32(at + 12, true);
    const directoryOffset = view.getUint32(at + 16, true);
    if (at + EOCD_SIZE + commentLength === data.length && directorySize <= at && directoryOffset <= at) return true;
  }
  return false;
}
