/**
 * decide(): findings in, verdict out. Each finding scores `score × weight` (scores.ts, config
 * overrides); the total is their sum. Decisive ids are applied first, the most severe winning
 * (tempfail, then reject, then quarantine, then tag): an unfinished scan must be retried
 * whatever else was seen. Otherwise the total meets the thresholds of `policy.thresholds`
 * (reject, then quarantine, then tag), else accept. The verdict names the rule that decided:
 * `decisive:SCAN_LIMIT_TIME`, `threshold:reject`, `default:accept`.
 *
 * Pure and synchronous: no I/O, no clock, so every verdict can be recomputed from its findings.
 * `envelope` is the seam for per-direction and per-sender rules that come later.
 */
import type { Envelope } from '../core/envelope.js';
import type { Finding, ScoredFinding } from '../core/finding.js';
import type { Action, Verdict } from '../core/verdict.js';
import type { Config } from '../config/schema.js';
import { decisiveAction, scoreOf } from './scores.js';

/** Most severe first. */
const DECISIVE_ORDER: readonly Action[] = ['tempfail', 'reject', 'quarantine', 'tag'];

export function decide(findings: readonly Finding[], _envelope: Envelope, policy: Config['policy']): Verdict {
  const scored: ScoredFinding[] = findings.map((f) => {
    const weight = f.weight === undefined || !Number.isFinite(f.weight) ? 1 : f.weight;
    return { ...f, score: roundScore(scoreOf(f.id, policy.scores) * weight) };
  });
  const score = roundScore(scored.reduce((sum, f) => sum + f.score, 0));

  let decisive: { action: Action; id: string } | undefined;
  for (const f of scored) {
    const action = decisiveAction(f.id);
    if (action === undefined) continue;
    if (decisive === undefined || DECISIVE_ORDER.indexOf(action) < DECISIVE_ORDER.indexOf(decisive.action)) {
      decisive = { action, id: f.id };
    }
  }
  if (decisive) return { action: decisive.action, score, rule: `decisive:${decisive.id}`, findings: scored };

  const { tag, quarantine, reject } = policy.thresholds;
  const action: Action = score >= reject ? 'reject' : score >= quarantine ? 'quarantine' : score >= tag ? 'tag' : 'accept';
  return { action, score, rule: action === 'accept' ? 'default:accept' : `threshold:${action}`, findings: scored };
}

/** Scores are shown to people: keep them free of floating-point noise (0.1 + 0.2). */
function roundScore(value: number): number {
  return Math.round(value * 1000) / 1000;
}
