/**
 * The limits every archive reader obeys, and the budget that enforces them WHILE decoding.
 *
 * One budget covers one message: entries and expanded bytes are counted across every archive
 * and every nesting level, so a nested bomb (42.zip: small at each level, petabytes in total)
 * runs out of budget instead of memory. Readers ask a MemberMeter before they keep each decoded
 * chunk; the first chunk that would cross a limit is refused and the reader stops, so at most
 * one chunk (tens of KB) beyond a limit is ever decoded.
 *
 * Trusts nothing it is given: the sizes archives declare are only used to refuse early, never
 * to allow. Limits come from the analyzer's options; each is checked by requireLimit, so 0, NaN
 * or a negative value is a configuration error, never "no limit".
 */
import { finding, type Finding } from '../../core/finding.js';
import { requireLimit } from '../../core/limits.js';

/**
 * Deepest nesting expanded: an archive whose chain of containers is this long is not opened.
 * A compression layer is a level (a .tgz is two: gzip, then tar), so this allows about five
 * nested .tgz; ClamAV's default MaxRecursion is 17. The byte and entry budgets bound the work.
 */
export const MAX_ARCHIVE_DEPTH = 10;
/** Most archive entries (files, directories, links) read per message, over all archives. */
export const MAX_ARCHIVE_ENTRIES = 10_000;
/** Most bytes decoded per message, over all archives; the sandbox's RSS cap (512 MB) is the ceiling. */
export const MAX_ARCHIVE_EXPANDED_BYTES = 64 * 1024 * 1024;
/** Largest single member decoded. */
export const MAX_ARCHIVE_MEMBER_BYTES = 32 * 1024 * 1024;
/** Highest expansion ratio (decoded / compressed) of one member or stream... */
export const MAX_EXPANSION_RATIO = 100;
/** ...once it has produced this many bytes: small, very compressible files are ordinary. */
export const EXPANSION_RATIO_FLOOR_BYTES = 1024 * 1024;

export interface ArchiveLimits {
  readonly maxDepth: number;
  readonly maxEntries: number;
  readonly maxExpandedBytes: number;
  readonly maxMemberBytes: number;
  readonly maxRatio: number;
  readonly ratioFloorBytes: number;
}

export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = {
  maxDepth: MAX_ARCHIVE_DEPTH,
  maxEntries: MAX_ARCHIVE_ENTRIES,
  maxExpandedBytes: MAX_ARCHIVE_EXPANDED_BYTES,
  maxMemberBytes: MAX_ARCHIVE_MEMBER_BYTES,
  maxRatio: MAX_EXPANSION_RATIO,
  ratioFloorBytes: EXPANSION_RATIO_FLOOR_BYTES,
};

/** Fills in the defaults and rejects any limit that is not a positive finite number. */
export function resolveArchiveLimits(options: Partial<ArchiveLimits> = {}): ArchiveLimits {
  const limits = { ...DEFAULT_ARCHIVE_LIMITS, ...options };
  for (const [name, value] of Object.entries(limits)) requireLimit(`archive.${name}`, value);
  return limits;
}

/** Counts entries and expanded bytes for one message. */
export class ExpansionBudget {
  #entries = 0;
  #expandedBytes = 0;

  constructor(readonly limits: ArchiveLimits) {}

  get entries(): number {
    return this.#entries;
  }

  get expandedBytes(): number {
    return this.#expandedBytes;
  }

  /** Counts one more entry of `where`; the finding when that is one too many (stop reading then). */
  takeEntry(where: string): Finding | undefined {
    if (this.#entries >= this.limits.maxEntries) {
      return finding('SCAN_LIMIT_ARCHIVE_ENTRIES', `${where}: more than ${this.limits.maxEntries} archive entries in this message; the rest were not read`);
    }
    this.#entries++;
    return undefined;
  }

  /** A meter for one member (or one compressed stream) whose compressed form is `compressedBytes`. */
  meter(where: string, compressedBytes: number): MemberMeter {
    return new MemberMeter(this, where, compressedBytes);
  }

  /** Only MemberMeter adds: bytes are counted where they are decoded. */
  addExpanded(bytes: number): void {
    this.#expandedBytes += bytes;
  }
}

/** Counts the decoded bytes of one member against the member, ratio and message limits. */
export class MemberMeter {
  #bytes = 0;

  constructor(
    private readonly budget: ExpansionBudget,
    private readonly where: string,
    private readonly compressedBytes: number,
  ) {}

  get bytes(): number {
    return this.#bytes;
  }

  /**
   * How many more bytes this member may produce before some limit refuses them (the ratio limit
   * counted from the floor when that is larger). Lets a one-shot decoder be given a hard cap.
   */
  remaining(): number {
    const { limits } = this.budget;
    const byRatio = Math.max(limits.ratioFloorBytes, limits.maxRatio * this.compressedBytes);
    return Math.max(0, Math.min(limits.maxMemberBytes, limits.maxExpandedBytes - this.budget.expandedBytes, byRatio) - this.#bytes);
  }

  /**
   * Accounts `count` more decoded bytes. Returns the finding of the first limit they would cross,
   * and then counts nothing: the caller must drop the chunk and stop decoding.
   */
  add(count: number): Finding | undefined {
    const refused = this.check(count);
    if (refused) return refused;
    this.#bytes += count;
    this.budget.addExpanded(count);
    return undefined;
  }

  /**
   * The finding `add(count)` would give, counting nothing: lets a reader refuse a member whose
   * declared size is already too large without decoding a byte of it.
   */
  check(count: number): Finding | undefined {
    const { limits } = this.budget;
    const next = this.#bytes + count;
    if (next > limits.maxMemberBytes) {
      return finding('SCAN_LIMIT_ARCHIVE_MEMBER_BYTES', `${this.where}: a member expands beyond ${limits.maxMemberBytes} bytes; not read further`);
    }
    if (this.budget.expandedBytes + count > limits.maxExpandedBytes) {
      return finding('SCAN_LIMIT_ARCHIVE_EXPANDED_BYTES', `${this.where}: archives in this message expand beyond ${limits.maxExpandedBytes} bytes in total; not read further`);
    }
    if (next > limits.ratioFloorBytes && next > limits.maxRatio * this.compressedBytes) {
      return finding(
        'SCAN_LIMIT_ARCHIVE_RATIO',
        `${this.where}: ${this.compressedBytes} compressed bytes expand to more than ${next - 1} bytes (ratio over ${limits.maxRatio}); a compression bomb, not read further`,
      );
    }
    return undefined;
  }
}
