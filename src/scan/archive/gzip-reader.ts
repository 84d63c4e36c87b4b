/**
 * gzip (RFC 1952), decoded in memory with node:zlib. `maxOutputLength` is the budget's hard cap,
 * so zlib itself stops once the member, message or ratio limit would be crossed: the stream is
 * never decoded fully and measured afterwards.
 *
 * The member is named by the header's FNAME field when present (attacker-chosen, so it is
 * analysed like any member name), else after the container (`x.tar.gz` gives `x.tar`).
 * A truncated or damaged stream is ARCHIVE_CORRUPT; whatever decoded before the damage is still
 * returned so it can be scanned.
 */
import { constants, gunzipSync } from 'node:zlib';
import { finding, type Finding } from '../../core/finding.js';
import type { ArchiveMember, ArchiveReadContext, ArchiveReadResult } from './archive-read-result.js';
import { derivedMemberName } from './derived-member-name.js';

const FLAG_EXTRA = 0x04;
const FLAG_NAME = 0x08;
const HEADER_SIZE = 10;
/** Longest FNAME read; longer ones are cut (the name is still analysed). */
const MAX_HEADER_NAME = 1024;

export function readGzip(data: Uint8Array, ctx: ArchiveReadContext): ArchiveReadResult {
  const findings: Finding[] = [];
  const entryRefused = ctx.budget.takeEntry(ctx.where);
  if (entryRefused) return { members: [], findings: [entryRefused] };
  const meter = ctx.budget.meter(ctx.where, data.length);
  const cap = meter.remaining();
  let content: Uint8Array | undefined;
  try {
    content = gunzipSync(data, { maxOutputLength: Math.max(1, cap + 1) });
  } catch (err) {
    if (isTooLarge(err)) return { members: [], findings: [meter.add(cap + 1) ?? tooLarge(ctx.where)] };
    findings.push(finding('ARCHIVE_CORRUPT', `${ctx.where}: gzip stream is damaged (${errorCode(err)}); only what decoded before the damage was scanned`));
    content = partialGunzip(data, cap);
  }
  const refused = content === undefined ? undefined : meter.add(content.length);
  if (refused) return { members: [], findings: [...findings, refused] };
  const headerName = gzipHeaderName(data);
  const member: ArchiveMember = {
    path: headerName ?? derivedMemberName(ctx.name, 'gzip'),
    names: headerName === undefined ? [] : [headerName],
    namedByArchive: headerName !== undefined,
    ...(content !== undefined && content.length > 0 ? { content } : {}),
  };
  return { members: [member], findings };
}

/** What a damaged stream yields before the damage (as mail clients show a truncated file). */
function partialGunzip(data: Uint8Array, cap: number): Uint8Array | undefined {
  try {
    return gunzipSync(data, { maxOutputLength: Math.max(1, cap), finishFlush: constants.Z_SYNC_FLUSH });
  } catch {
    return undefined;
  }
}

/** The FNAME field (ISO 8859-1, zero-terminated), if the header has one. */
export function gzipHeaderName(data: Uint8Array): string | undefined {
  const flags = data[3];
  if (flags === undefined || (flags & FLAG_NAME) === 0 || data.length < HEADER_SIZE) return undefined;
  let at = HEADER_SIZE;
  if ((flags & FLAG_EXTRA) !== 0) {
    if (data.length < at + 2) return undefined;
    at += 2 + ((data[at] as number) | ((data[at + 1] as number) << 8));
  }
  if (at >= data.length) return undefined;
  let end = data.indexOf(0, at);
  if (end === -1) end = data.length;
  return Buffer.from(data.subarray(at, Math.min(end, at + MAX_HEADER_NAME))).toString('latin1');
}

function isTooLarge(err: unknown): boolean {
  return err instanceof RangeError && (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';
}

/** Unreachable in practice (cap + 1 bytes always cross a limit); kept so a cap bug still fails closed. */
function tooLarge(where: string): Finding {
  return finding('SCAN_LIMIT_ARCHIVE_MEMBER_BYTES', `${where}: gzip stream exceeds its limit`);
}

function errorCode(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : 'decode error';
}
