/**
 * Test helper: an ArchiveReadContext with a fresh budget (default limits unless given).
 */
import type { ArchiveReadContext, ArchiveReadResult } from '../../../src/scan/archive/archive-read-result.js';
import { ExpansionBudget, resolveArchiveLimits, type ArchiveLimits } from '../../../src/scan/archive/expansion-budget.js';

export function readContext(limits: Partial<ArchiveLimits> = {}, name?: string): ArchiveReadContext {
  return { budget: new ExpansionBudget(resolveArchiveLimits(limits)), where: '"test"', signal: new AbortController().signal, ...(name !== undefined ? { name } : {}) };
}

export function findingIds(result: ArchiveReadResult): string[] {
  return result.findings.map((f) => f.id);
}

/** Member contents as text, by path. */
export function textByPath(result: ArchiveReadResult): Record<string, string | undefined> {
  return Object.fromEntries(result.members.map((m) => [m.path, m.content === undefined ? undefined : Buffer.from(m.content).toString('utf8')]));
}
