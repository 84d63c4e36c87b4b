/**
 * A finding is one fact an analyzer saw, named by a stable id (UPPER_SNAKE with a family prefix:
 * `ARCHIVE_MEMBER_SHELL_METACHARS`, `HEADER_FROM_MISSING`). Analyzers report facts, never
 * scores: the score of an id comes from policy/scores.ts (overridable in config), multiplied by
 * the optional weight (Bayes passes its probability).
 */

export interface Finding {
  readonly id: string;
  /** Human-readable detail: what exactly was seen, for the admin reading a verdict. */
  readonly detail: string;
  /** Multiplier of the id's score, 0..1 typically; 1 when absent. */
  readonly weight?: number;
}

/** A finding with its score resolved by policy: what a verdict shows. */
export interface ScoredFinding extends Finding {
  readonly score: number;
}

const FINDING_ID = /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$/;

/** Builds a finding, checking the id's shape so a typo cannot silently escape the score table. */
export function finding(id: string, detail: string, weight?: number): Finding {
  if (!FINDING_ID.test(id)) throw new Error(`finding id ${JSON.stringify(id)} is not UPPER_SNAKE with a family prefix`);
  return weight === undefined ? { id, detail } : { id, detail, weight };
}
