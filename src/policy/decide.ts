/**
 * decide(): findings in, verdict out. Each finding scores `score × weight` (scores.ts, config
 * overrides); the total is their sum. Then the policy's one ordered rule list (rules.ts: the
 * rules of `policy.rules`, the built-in rules of default-rules.ts, the score thresholds, accept)
 * picks the action, the first matching rule winning, and the verdict names it: `rule:vip`,
 * `default:malware`, `threshold:reject`, `default:accept`.
 *
 * Pure and synchronous: no I/O, no clock, so every verdict can be recomputed from its findings
 * and its envelope.
 */
import type { Envelope } from '../core/envelope.js';
import type { Finding, ScoredFinding } from '../core/finding.js';
import type { Verdict } from '../core/verdict.js';
import type { Config } from '../config/schema.js';
import { decideByRules, policyFacts } from './rules.js';
import { scoreOf } from './scores.js';
import { trustedArcSealer } from './trusted-arc-sealer.js';

export function decide(scanned: readonly Finding[], envelope: Envelope, policy: Config['policy']): Verdict {
  // Facts policy derives from configuration (a trusted ARC sealer) join the analyzers' findings.
  const trusted = trustedArcSealer(scanned, policy);
  const findings = trusted ? [...scanned, trusted] : scanned;
  const scored: ScoredFinding[] = findings.map((f) => {
    const weight = f.weight === undefined || !Number.isFinite(f.weight) ? 1 : f.weight;
    return { ...f, score: roundScore(scoreOf(f.id, policy.scores) * weight) };
  });
  const score = roundScore(scored.reduce((sum, f) => sum + f.score, 0));
  const { action, rule } = decideByRules(policy, policyFacts(envelope, scored.map((f) => f.id), score));
  return { action, score, rule, findings: scored };
}

/** Scores are shown to people: keep them free of floating-point noise (0.1 + 0.2). */
function roundScore(value: number): number {
  return Math.round(value * 1000) / 1000;
}
