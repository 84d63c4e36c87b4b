/**
 * 7z and rar (RAR 1.5-4.x and RAR5), read in memory by libarchive in WebAssembly
 * (archive/libarchive-wasm.ts): 7z with every coder libarchive has (LZMA, LZMA2, PPMd, bzip2,
 * deflate, BCJ/BCJ2/ARM filters, delta), rar stored and compressed, solid or not. libarchive's
 * readers are its own BSD code, not unRAR's. Multi-volume sets cannot be read from one
 * attachment; a volume's first member reads as far as the volume goes, then ARCHIVE_CORRUPT.
 *
 * Limits: libarchive hands out each member as decoded blocks (64 KiB for LZMA2 in 7z, measured;
 * a stored member comes as one block, no larger than the archive itself; compressed rar blocks
 * are what one step of libarchive's window produced, not measured here: no free tool writes
 * compressed rar); every block is metered before it is copied out and reading stops at the
 * first refusal, so decoding goes at most one block past a limit. A declared size already
 * beyond a limit is refused before decoding (for 7z libarchive decodes no more than the
 * declared size, so this is where a 7z bomb stops). The compressed size of one member is not
 * exposed, so each member's expansion ratio is taken against the whole archive's size: exact
 * for a solid 7z (one stream for all members), lenient for many members, whose sum the message
 * budget still bounds.
 *
 * Findings: members that are encrypted (7z AES, rar passwords) and archives whose headers are
 * encrypted (7z -mhe, rar -hp) are ARCHIVE_ENCRYPTED, their names still analysed when readable;
 * a structure or member libarchive cannot decode (damage, truncation, a CRC mismatch, an
 * unsupported method or filter) is ARCHIVE_CORRUPT after the members read so far, keeping what
 * decoded of a damaged member so it is scanned too. libarchive misses RAR5 encryption and RAR5
 * truncation inside the headers; archive/rar5-headers.ts supplies both. Link targets are not exposed by this build,
 * so only member paths are name-analysed. Never throws: if the module cannot load, the archive
 * is ARCHIVE_UNSUPPORTED_FORMAT, which policy quarantines like the others.
 */
import { finding, type Finding } from '../../core/finding.js';
import type { ArchiveMember, ArchiveReadContext, ArchiveReadResult } from './archive-read-result.js';
import type { MemberMeter } from './expansion-budget.js';
import { AE_IFREG, openArchive, type LibarchiveReader } from './libarchive-wasm.js';
import { quoteName } from './quote-name.js';
import { rar5Layout } from './rar5-headers.js';

const RAR5_VERSION_BYTE = 6;

type MemberRead = { readonly kind: 'content'; readonly content: Uint8Array } | { readonly kind: 'stopped'; readonly finding: Finding; readonly partial?: Uint8Array };

export async function readLibarchive(format: '7z' | 'rar', data: Uint8Array, ctx: ArchiveReadContext): Promise<ArchiveReadResult> {
  // RAR5 ('Rar!' 1A 07 01 00): libarchive 3.7.2 misses its encryption and its truncation (rar5-headers.ts).
  const rar5 = format === 'rar' && data[RAR5_VERSION_BYTE] === 0x01 ? rar5Layout(data) : undefined;
  if (rar5?.kind === 'encrypted-headers') return { members: [], findings: [encryptedHeaders(format, ctx.where)] };
  let reader: LibarchiveReader;
  try {
    reader = await openArchive(data);
  } catch (err) {
    return { members: [], findings: [finding('ARCHIVE_UNSUPPORTED_FORMAT', `${ctx.where}: the ${format} reader could not start (${describe(err)}); not scanned`)] };
  }
  const members: ArchiveMember[] = [];
  const findings: Finding[] = [];
  const encrypted: string[] = [];
  let index = 0;
  try {
    for (;;) {
      const header = reader.nextHeader();
      if (header.kind === 'end') break;
      if (header.kind === 'failed') {
        findings.push(structureFinding(format, reader, ctx.where, members.length));
        break;
      }
      const refusedEntry = ctx.budget.takeEntry(ctx.where);
      if (refusedEntry) {
        findings.push(refusedEntry);
        break;
      }
      if (ctx.signal.aborted) {
        findings.push(finding('SCAN_LIMIT_TIME', `${ctx.where}: time budget spent while reading the ${format}`));
        break;
      }
      const { path, fileType, size } = header.entry;
      const isEncrypted = header.entry.encrypted || (rar5?.kind === 'headers' && rar5.encryptedFiles[index] === true);
      index++;
      const member = { path, names: [path], namedByArchive: true };
      if (fileType !== AE_IFREG) {
        members.push(member);
        continue;
      }
      if (isEncrypted) {
        encrypted.push(path);
        members.push(member);
        continue;
      }
      const meter = ctx.budget.meter(ctx.where, data.length);
      const declaredRefused = meter.check(size);
      if (declaredRefused) {
        findings.push(declaredRefused);
        members.push(member);
        break;
      }
      const read = readMember(reader, meter, ctx, format, path);
      if (read.kind === 'content') {
        members.push({ ...member, content: read.content });
        continue;
      }
      members.push(read.partial && read.partial.length > 0 ? { ...member, content: read.partial } : member);
      findings.push(read.finding);
      if (read.finding.id !== 'ARCHIVE_CORRUPT') break;
    }
  } catch (err) {
    // A trap inside the module (libarchive.js builds abort on impossible states): the instance is dropped.
    findings.push(finding('ARCHIVE_CORRUPT', `${ctx.where}: the ${format} reader failed (${describe(err)}); only the members before it were scanned`));
  } finally {
    reader.close();
  }
  if (rar5?.kind === 'damaged' && !findings.some((f) => f.id === 'ARCHIVE_CORRUPT')) {
    findings.push(finding('ARCHIVE_CORRUPT', `${ctx.where}: the rar headers are cut short or do not fit; only what could be read was scanned`));
  }
  if (encrypted.length > 0) {
    findings.unshift(finding('ARCHIVE_ENCRYPTED', `${ctx.where}: ${encrypted.length} member(s), e.g. ${quoteName(encrypted[0] as string)} encrypted; their content cannot be scanned`));
  }
  return { members, findings };
}

/** Decodes the current entry block by block under `meter`. */
function readMember(reader: LibarchiveReader, meter: MemberMeter, ctx: ArchiveReadContext, format: string, path: string): MemberRead {
  const chunks: Uint8Array[] = [];
  let length = 0;
  const partial = (): Uint8Array => Buffer.concat(chunks);
  for (;;) {
    if (ctx.signal.aborted) return { kind: 'stopped', finding: finding('SCAN_LIMIT_TIME', `${ctx.where}: time budget spent while decoding the ${format}`) };
    const block = reader.readBlock();
    if (block.kind === 'end') return { kind: 'content', content: partial() };
    if (block.kind === 'failed') {
      const reason = reader.sawEncryption() ? 'it is encrypted' : describe(reader.error());
      return { kind: 'stopped', finding: finding('ARCHIVE_CORRUPT', `${ctx.where}: member ${quoteName(path)} cannot be decoded (${reason})`), partial: partial() };
    }
    // A block may start past the end of the last (a sparse file's hole): the hole is zeros.
    if (block.offset < length) {
      return { kind: 'stopped', finding: finding('ARCHIVE_CORRUPT', `${ctx.where}: member ${quoteName(path)} has overlapping data blocks`), partial: partial() };
    }
    const grown = block.offset + block.length - length;
    const refused = meter.add(grown);
    if (refused) return { kind: 'stopped', finding: refused };
    if (block.offset > length) chunks.push(new Uint8Array(block.offset - length));
    chunks.push(block.copy());
    length += grown;
  }
}

/** Why the next header could not be read: encrypted headers are ARCHIVE_ENCRYPTED, anything else ARCHIVE_CORRUPT. */
function structureFinding(format: string, reader: LibarchiveReader, where: string, read: number): Finding {
  if (reader.sawEncryption()) return encryptedHeaders(format, where);
  const after = read === 0 ? '' : ` after ${read} member(s)`;
  return finding('ARCHIVE_CORRUPT', `${where}: the ${format} structure is invalid${after} (${describe(reader.error())}); the rest was not read`);
}

function encryptedHeaders(format: string, where: string): Finding {
  return finding('ARCHIVE_ENCRYPTED', `${where}: the ${format} archive's headers are encrypted; its member names and content cannot be scanned`);
}

/** libarchive's messages name the format and the fault; some quote a value, so they are escaped and cut. */
function describe(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  if (text === '') return 'no detail';
  return quoteName(text.slice(0, 120)).slice(1, -1);
}
