/**
 * The Bayesian spam classifier as an analyzer: tokenizes the message (scan/bayes/tokenize-message.ts)
 * and classifies it with the model in `ctx.ports.bayes` (Robinson-Fisher chi-square combining).
 *
 * - probability >= SPAM_FROM: BAYES_SPAM, weight rising from 0.5 at SPAM_FROM to 1 at 1, so
 *   strong spam scores the full BAYES_SPAM score (policy/scores.ts) and borderline spam half;
 * - probability <= HAM_BELOW: BAYES_HAM (a negative score), weight rising to 1 at 0;
 * - in between: nothing (the evidence is absent or points both ways);
 * - no model, or fewer than MIN_TRAINED_PER_CLASS messages of either class: BAYES_UNTRAINED,
 *   which scores nothing.
 * Inbound only: outbound mail is the organisation's own.
 */
import type { Analyzer } from '../analyzer.js';
import { finding } from '../../core/finding.js';
import { MIN_TRAINED_PER_CLASS } from '../bayes/bayes-model.js';
import { tokenizeMessage } from '../bayes/tokenize-message.js';

/** Probability from which a message is reported as spam. */
export const SPAM_FROM = 0.55;
/** Probability under which a message is reported as ham. */
export const HAM_BELOW = 0.1;
/** Clues named in the detail, and how much of each. */
const CLUES_SHOWN = 5;
const CLUE_CHARS = 40;

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
    if (probability >= SPAM_FROM) return [finding('BAYES_SPAM', detail, 0.5 + (0.5 * (probability - SPAM_FROM)) / (1 - SPAM_FROM))];
    if (probability <= HAM_BELOW) return [finding('BAYES_HAM', detail, 0.5 + (0.5 * (HAM_BELOW - probability)) / HAM_BELOW)];
    return [];
  },
};
