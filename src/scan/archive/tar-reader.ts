/**
 * tar (POSIX ustar, pax, GNU, old v7), read in memory with tar-stream 3's extract stream fed
 * from the buffer; nothing is extracted to disk. This is the format whose member names
 * Barracuda's ESG handed to a shell (CVE-2023-2868): here a name is only ever a string to
 * analyse. Link targets are analysed with the names, since a symlink member pointing at
 * `../../etc` is a traversal too.
 *
 * tar does not compress, so its content is never larger than the buffer; entries and member
 * bytes are still metered (a tar at depth 3 of a bomb spends the same budget). A header that
 * fails its checksum or data that ends early is ARCHIVE_CORRUPT, after the members read so far.
 */
import tarStream from 'tar-stream';
import { finding, type Finding } from '../../core/finding.js';
import type { ArchiveMember, ArchiveReadContext, ArchiveReadResult } from './archive-read-result.js';
import { readMetered } from './metered-stream.js';

/** Entry types whose data is a file's content. */
const CONTENT_TYPES: ReadonlySet<string> = new Set(['file', 'contiguous-file']);

export function readTar(data: Uint8Array, ctx: ArchiveReadContext): Promise<ArchiveReadResult> {
  return new Promise((resolve) => {
    const members: ArchiveMember[] = [];
    const findings: Finding[] = [];
    // allowUnknownFormat: v7 archives have no magic; archive-format.ts has checked the checksum.
    const extract = tarStream.extract({ allowUnknownFormat: true });
    let settled = false;
    const finish = (): void => {
      if (settled) return;
      settled = true;
      resolve({ members, findings });
    };
    const stop = (reason: Finding): void => {
      findings.push(reason);
      finish();
      extract.destroy();
    };

    extract.on('entry', (header, stream, next) => {
      if (settled) return;
      const refusedEntry = ctx.budget.takeEntry(ctx.where);
      if (refusedEntry) return stop(refusedEntry);
      if (ctx.signal.aborted) return stop(finding('SCAN_LIMIT_TIME', `${ctx.where}: time budget spent while reading the tar`));
      const path = header.name;
      const names = header.linkname ? [path, header.linkname] : [path];
      const member = { path, names, namedByArchive: true };
      if (!CONTENT_TYPES.has(header.type ?? 'file')) {
        members.push(member);
        stream.on('end', next);
        stream.resume();
        return;
      }
      const meter = ctx.budget.meter(ctx.where, header.size ?? 0);
      void readMetered(stream, meter).then((read) => {
        if (read.kind === 'refused') {
          members.push(member);
          return stop(read.finding);
        }
        if (read.kind === 'error') {
          members.push(member);
          return stop(finding('ARCHIVE_CORRUPT', `${ctx.where}: the tar ends inside a member (${shortMessage(read.error)})`));
        }
        members.push({ ...member, content: read.content });
        next();
      });
    });
    extract.on('finish', finish);
    extract.on('close', finish);
    extract.on('error', (err: Error) => {
      if (settled) return;
      findings.push(finding('ARCHIVE_CORRUPT', `${ctx.where}: the tar structure is invalid (${shortMessage(err)})`));
      finish();
    });
    extract.end(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  });
}

/** tar-stream's messages name the fault, never content. */
function shortMessage(err: Error): string {
  return err.message.slice(0, 100);
}
