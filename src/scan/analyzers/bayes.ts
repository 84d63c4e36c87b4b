/**
 * The Bayesian spam classifier as an analyzer: tokenizes the message (scan/bayes/tokenize-message.ts)
 * and classifies it with the model in `ctx.ports.bayes` (Robinson-Fisher chi-square combining).
 *
 * - probability >= SPAM_FROM: BAYES_SPAM, weight 0.5 at SPAM_FROM (half the BAYES_SPAM score of
 *   policy/scores.ts: tag alone), rising to 0.8 at 0.99 and 1 at 1 (quarantine alone only when
 *   certain, so a heuristic or two are needed to quarantine the merely likely). SPAM_FROM sits
 *   below 0.5 because the corpus's phishing trains as spam and dilutes it: old bulk mail whose
 *   words resemble ham lands at 0.35-0.5 while ham almost never does (eval:cv, docs/detection.md);
 * - probability <= HAM_BELOW: BAYES_HAM (a negative score), weight rising to 1 at 0;
 * - in between, or fewer than MIN_CLUES significant tokens: nothing (the evidence is absent or
 *   points both ways; chi-square combining says 0.5 for no evidence, which is above SPAM_FROM);
 * - no model, or fewer than MIN_TRAINED_PER_CLASS messages of either class: BAYES_UNTRAINED,
 *   which scores nothing.
 * Inbound only: outbound mail is the organisation's own.
 */
import type { Analyzer } from '../analyzer.js';
import { finding } from '../../core/finding.js';
import { MIN_TRAINED_PER_CLASS } from '../bayes/bayes-model.js';
import { tokenizeMessage } from '../bayes/tokenize-message.js';

/** Probability from which a message is reported as spam. */
export const SPAM_FROM = 0.35;
/** Significant tokens needed before the probability is reported either way. */
export const MIN_CLUES = 5;
/** [probability, weight] points of BAYES_SPAM's weight, linear in between. */
const SPAM_WEIGHTS: readonly (readonly [number, number])[] = [
  [SPAM_FROM, 0.5],
  [0.99, 0.8],
  [1, 1],
];
/** Probability under which a message is reported as ham. */
export const HAM_BELOW = 0.1;
/** Clues named in the detail, and how much of each. */
const CLUES_SHOWN = 5;
const CLUE_CHARS = 40;

/** BAYES_SPAM's weight for a probability of at least SPAM_FROM (SPAM_WEIGHTS interpolated). */
export function spamWeight(probability: number): number {
  for (let i = SPAM_WEIGHTS.length - 1; i > 0; i--) {
    const [x0, y0] = SPAM_WEIGHTS[i - 1] ?? [SPAM_FROM, 0.5];
    const [x1, y1] = SPAM_WEIGHTS[i] ?? [1, 1];
    if (probability >= x0) return y0 + ((y1 - y0) * Math.min(1, (probability - x0) / (x1 - x0)));
  }
  return 0.5;
}

export const bayes: Analyzer = {
  name: 'bayes',
  directions: ['inbound'],
  dependsOn: [],
  async analyze(ctx) {
    const source = ctx.ports.bayes;
    const model = source?.current();
    if (!model || !model.trained) {
      const why = source?.error ?? (model ? `${model.spamMessages} spam and ${model.hamMessages} ham trained` : 'no model');
      return [finding('BAYES_UNTRAINED', `${why}; at least ${MIN_TRAINED_PER_CLASS} of each are needed`)];
    }
    const tokens = tokenizeMessage(ctx.message);
    const { probability, clues } = model.classify(tokens);
    const shown = clues
      .slice(0, CLUES_SHOWN)
      .map((c) => `${JSON.stringify(c.token.slice(0, CLUE_CHARS))} ${c.probability.toFixed(3)}`)
      .join(', ');
    const detail = `spam probability ${probability.toFixed(4)} from ${clues.length} of ${tokens.size} tokens; strongest: ${shown}`;
    if (clues.length < MIN_CLUES) return [];
    if (probability >= SPAM_FROM) return [finding('BAYES_SPAM', detail, spamWeight(probability))];
    if (probability <= HAM_BELOW) return [finding('BAYES_HAM', detail, 0.5 + (0.5 * (HAM_BELOW - probability)) / HAM_BELOW)];
    return [];
  },
};
