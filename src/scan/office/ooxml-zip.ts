/**
 * A small in-memory zip reader for OOXML packages: lists the central directory and inflates the
 * few parts the Office inspector reads (relationships, document XML, vbaProject.bin). General
 * archives are archive-contents' business; this reader only needs named parts of one package.
 *
 * Trusts nothing: offsets and sizes come from the attacker. The entry count is capped, every
 * offset is checked against the buffer, and inflation runs with `maxOutputLength`, so a part
 * that claims 1 KB and inflates to 1 GB stops at the limit and says so. Never throws on content.
 */
import { inflateRawSync } from 'node:zlib';

/** Most central-directory entries read (real packages have tens to a few hundred). */
export const MAX_OOXML_ENTRIES = 10_000;

export interface ZipEntry {
  readonly name: string;
  readonly method: number;
  readonly compressedSize: number;
  readonly localHeaderOffset: number;
  readonly encrypted: boolean;
}

export interface ZipDirectory {
  readonly entries: readonly ZipEntry[];
  /** More entries than MAX_OOXML_ENTRIES: the rest were not listed. */
  readonly truncated: boolean;
}

export type ZipPart = { readonly status: 'ok'; readonly bytes: Uint8Array } | { readonly status: 'limit' | 'unreadable' };

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const EOCD_MAX_SEARCH = 22 + 0xffff;

/** Reads the central directory, or undefined when the bytes are not a readable zip. */
export function readZipDirectory(bytes: Uint8Array): ZipDirectory | undefined {
  if (bytes.length < 22) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let eocd = -1;
  for (let pos = bytes.length - 22; pos >= Math.max(0, bytes.length - EOCD_MAX_SEARCH); pos--) {
    if (view.getUint32(pos, true) === EOCD_SIGNATURE) {
      eocd = pos;
      break;
    }
  }
  if (eocd === -1) return undefined;
  const declared = view.getUint16(eocd + 10, true);
  let pos = view.getUint32(eocd + 16, true);
  const entries: ZipEntry[] = [];
  while (entries.length < Math.min(declared, MAX_OOXML_ENTRIES) && pos + 46 <= bytes.length && view.getUint32(pos, true) === CENTRAL_SIGNATURE) {
    const flags = view.getUint16(pos + 8, true);
    const nameLength = view.getUint16(pos + 28, true);
    const extraLength = view.getUint16(pos + 30, true);
    const commentLength = view.getUint16(pos + 32, true);
    if (pos + 46 + nameLength > bytes.length) break;
    const nameBytes = Buffer.from(bytes.buffer, bytes.byteOffset + pos + 46, nameLength);
    entries.push({
      name: nameBytes.toString((flags & 0x0800) !== 0 ? 'utf8' : 'latin1'),
      method: view.getUint16(pos + 10, true),
      compressedSize: view.getUint32(pos + 20, true),
      localHeaderOffset: view.getUint32(pos + 42, true),
      encrypted: (flags & 0x0001) !== 0,
    });
    pos += 46 + nameLength + extraLength + commentLength;
  }
  return { entries, truncated: declared > MAX_OOXML_ENTRIES };
}

/** Inflates one entry, producing at most `maxBytes`. */
export function readZipPart(bytes: Uint8Array, entry: ZipEntry, maxBytes: number): ZipPart {
  if (entry.encrypted || entry.localHeaderOffset + 30 > bytes.length) return { status: 'unreadable' };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const local = entry.localHeaderOffset;
  if (view.getUint32(local, true) !== LOCAL_SIGNATURE) return { status: 'unreadable' };
  const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
  const end = Math.min(bytes.length, start + entry.compressedSize);
  if (start > end) return { status: 'unreadable' };
  const data = bytes.subarray(start, end);
  if (entry.method === 0) return data.length > maxBytes ? { status: 'limit' } : { status: 'ok', bytes: data };
  if (entry.method !== 8) return { status: 'unreadable' };
  try {
    return { status: 'ok', bytes: inflateRawSync(data, { maxOutputLength: maxBytes }) };
  } catch (err) {
    return { status: isOutputLimit(err) ? 'limit' : 'unreadable' };
  }
}

/** node:zlib reports maxOutputLength as a RangeError with code ERR_BUFFER_TOO_LARGE. */
export function isOutputLimit(err: unknown): boolean {
  return err instanceof RangeError && (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';
}
