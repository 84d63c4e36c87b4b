/**
 * What every archive reader returns. Readers never throw because of content: a corrupt,
 * encrypted or oversized archive is a finding beside the members that could be read.
 */
import type { Finding } from '../../core/finding.js';
import type { ExpansionBudget } from './expansion-budget.js';

export interface ArchiveMember {
  /** The member's path as the archive states it (never used as a path). */
  readonly path: string;
  /**
   * Every spelling of the name a tool might act on, for name analysis: the central and local
   * zip names, an Info-ZIP Unicode path, a tar link target. Includes `path`.
   */
  readonly names: readonly string[];
  /** Whether the names come from the archive itself (false when derived from the container's name). */
  readonly namedByArchive: boolean;
  /** The decoded bytes; absent for directories, links, and members that could not be read. */
  readonly content?: Uint8Array;
}

export interface ArchiveReadResult {
  readonly members: readonly ArchiveMember[];
  readonly findings: readonly Finding[];
}

/** What a reader needs besides the bytes. */
export interface ArchiveReadContext {
  readonly budget: ExpansionBudget;
  /** Where the archive is, for finding details: `invoice.zip` or `a.zip > b.tar`. */
  readonly where: string;
  /** The archive's own name, if any (a gzip stream's member is named after it). */
  readonly name?: string;
  readonly signal: AbortSignal;
}
