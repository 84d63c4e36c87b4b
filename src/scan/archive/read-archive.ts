/**
 * Reads one archive or compressed stream of a detected format with the reader for it.
 *
 * zip, tar, gzip, bzip2 and xz have their own readers; 7z and rar are read by libarchive in
 * WebAssembly, in this process (archive/libarchive-reader.ts: libarchive.js's own API needs a
 * worker thread, which the sandbox's permission model refuses, so only its wasm module is used).
 * Every reader meters what it decodes against the message's ExpansionBudget and never throws
 * because of content. cab, ace, arj and cpio are recognised but not decoded: such an archive is
 * ARCHIVE_UNSUPPORTED_FORMAT, which policy quarantines, since content that was not scanned is
 * never clean.
 */
import { finding } from '../../core/finding.js';
import type { ArchiveFormat } from './archive-format.js';
import type { ArchiveReadContext, ArchiveReadResult } from './archive-read-result.js';
import { readBzip2 } from './bzip2-reader.js';
import { readGzip } from './gzip-reader.js';
import { readLibarchive } from './libarchive-reader.js';
import { readTar } from './tar-reader.js';
import { readXz } from './xz-reader.js';
import { readZip } from './zip-reader.js';

export async function readArchive(format: ArchiveFormat, data: Uint8Array, ctx: ArchiveReadContext): Promise<ArchiveReadResult> {
  switch (format) {
    case 'zip':
      return readZip(data, ctx);
    case 'tar':
      return readTar(data, ctx);
    case 'gzip':
      return readGzip(data, ctx);
    case 'bzip2':
      return readBzip2(data, ctx);
    case 'xz':
      return readXz(data, ctx);
    case '7z':
    case 'rar':
      return readLibarchive(format, data, ctx);
    case 'cab':
    case 'ace':
    case 'arj':
    case 'cpio':
      return {
        members: [],
        findings: [finding('ARCHIVE_UNSUPPORTED_FORMAT', `${ctx.where}: a ${format} archive, which cannot be opened in the sandbox; its content was not scanned`)],
      };
  }
}
