/**
 * The verdict: what policy decided about one message and why. Every verdict explains itself:
 * the scored findings, their total, and the rule that decided.
 */
import type { ScoredFinding } from './finding.js';

export const ACTIONS = ['accept', 'tag', 'quarantine', 'reject', 'tempfail'] as const;
export type Action = (typeof ACTIONS)[number];

export interface Verdict {
  readonly action: Action;
  readonly score: number;
  /** The name of the rule (or threshold) that chose the action, e.g. `threshold:quarantine`. */
  readonly rule: string;
  readonly findings: readonly ScoredFinding[];
}
