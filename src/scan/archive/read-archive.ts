/**
 * Reads one archive or compressed stream of a detected format with the reader for it.
 *
 * 7z, rar, cab, ace, arj and cpio are recognised but not decoded (no reader yet for the last four): the planned decoder, libarchive.js 2
 * (libarchive in WebAssembly), only runs inside a worker_threads Worker, and sandbox processes
 * run under Node's permission model without --allow-worker, so `new Worker` fails with
 * ERR_ACCESS_DENIED (checked on Node 20.20). Its worker bundle cannot be loaded in-process
 * either: it binds to `parentPort` at import. Such an archive is ARCHIVE_UNSUPPORTED_FORMAT,
 * which policy quarantines: content that was not scanned is never clean.
 */
import { finding } from '../../core/finding.js';
import type { ArchiveFormat } from './archive-format.js';
import type { ArchiveReadContext, ArchiveReadResult } from './archive-read-result.js';
import { readBzip2 } from './bzip2-reader.js';
import { readGzip } from './gzip-reader.js';
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
