/**
 * archive-contents: opens every archive among the message's files, recursively, in memory, and
 * appends each member to `ctx.facts.files` (name = member path, `container` = the chain of
 * archives, sha256), so file-types, ClamAV and the hash blocklist check members like
 * attachments. Archives are recognised by their bytes (archive/archive-format.ts), never by name.
 *
 * Facts reported:
 * - member names: ARCHIVE_MEMBER_SHELL_METACHARS (decisive: reject), ARCHIVE_MEMBER_PATH_TRAVERSAL,
 *   ARCHIVE_MEMBER_CONTROL_CHARS, one finding per id and archive (archive/member-name-findings.ts);
 * - bombs: SCAN_LIMIT_ARCHIVE_{ENTRIES,EXPANDED_BYTES,MEMBER_BYTES,RATIO,DEPTH}, which policy
 *   quarantines like every SCAN_LIMIT_* (the message was only partly read);
 * - ARCHIVE_ENCRYPTED, ARCHIVE_UNSUPPORTED_FORMAT, ARCHIVE_CORRUPT and the zip structure tricks
 *   (ARCHIVE_ZIP_*), which policy quarantines: what could not be scanned is never clean.
 *
 * Limits are one budget per message (archive/expansion-budget.ts), checked while decoding;
 * `createArchiveContents(limits)` overrides them, and rejects a limit that is 0, NaN or negative.
 * Trusts nothing in the files; runs only in a sandbox process; never writes, never spawns.
 */
import { createHash } from 'node:crypto';
import type { Analyzer, ScannedFile } from '../analyzer.js';
import { finding, type Finding } from '../../core/finding.js';
import { detectArchiveFormat } from '../archive/archive-format.js';
import type { ArchiveMember } from '../archive/archive-read-result.js';
import { ExpansionBudget, resolveArchiveLimits, type ArchiveLimits } from '../archive/expansion-budget.js';
import { memberNameProblems, type MemberNameFindingId } from '../archive/member-name-findings.js';
import { quoteName } from '../archive/quote-name.js';
import { readArchive } from '../archive/read-archive.js';

/** How a file without a name appears in a container chain. */
const UNNAMED = '(unnamed)';

export function createArchiveContents(options: Partial<ArchiveLimits> = {}): Analyzer {
  const limits = resolveArchiveLimits(options);
  return {
    name: 'archive-contents',
    directions: ['inbound', 'outbound'],
    dependsOn: [],
    async analyze(ctx) {
      const findings: Finding[] = [];
      const budget = new ExpansionBudget(limits);
      const files = ctx.facts.files;
      // Members are appended while walking, so nested archives are reached by the same loop.
      for (let index = 0; index < files.length; index++) {
        const file = files[index] as ScannedFile;
        const format = detectArchiveFormat(file.content);
        if (format === undefined) continue;
        const where = [...file.container, file.name ?? UNNAMED].map(quoteName).join(' > ');
        if (ctx.signal.aborted) {
          findings.push(finding('SCAN_LIMIT_TIME', `${where}: time budget spent before this archive was opened`));
          break;
        }
        if (file.container.length >= limits.maxDepth) {
          findings.push(finding('SCAN_LIMIT_ARCHIVE_DEPTH', `${where}: a ${format} archive nested deeper than ${limits.maxDepth} levels; not opened`));
          continue;
        }
        const result = await readArchive(format, file.content, { budget, where, signal: ctx.signal, ...(file.name !== undefined ? { name: file.name } : {}) });
        findings.push(...result.findings, ...nameFindings(result.members, where));
        const container = [...file.container, file.name ?? UNNAMED];
        for (const member of result.members) {
          if (member.content === undefined) continue;
          files.push({ name: member.path, container, content: member.content, sha256: createHash('sha256').update(member.content).digest('hex') });
        }
      }
      return findings;
    },
  };
}

export const archiveContents = createArchiveContents();

/** One finding per id for the archive, counting the members and showing the first offending spelling. */
function nameFindings(members: readonly ArchiveMember[], where: string): Finding[] {
  const seen = new Map<MemberNameFindingId, { count: number; first: string; reason: string }>();
  for (const member of members) {
    if (!member.namedByArchive) continue;
    const problems = new Map<MemberNameFindingId, { name: string; reason: string }>();
    for (const name of member.names) {
      for (const problem of memberNameProblems(name)) if (!problems.has(problem.id)) problems.set(problem.id, { name, reason: problem.reason });
    }
    for (const [id, { name, reason }] of problems) {
      const entry = seen.get(id);
      if (entry) entry.count++;
      else seen.set(id, { count: 1, first: name, reason });
    }
  }
  return [...seen].map(([id, { count, first, reason }]) =>
    finding(id, `${where}: ${count} member name(s) with ${reason}, e.g. ${quoteName(first)}`),
  );
}
