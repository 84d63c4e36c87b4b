/**
 * The Bayes model: how many spam and ham messages were trained, and per token in how many of
 * each it appeared (a token counts once per message). Training adds or removes a message's
 * tokens; classifying computes Robinson's f(w) per token and combines the most significant ones
 * with Fisher's chi-square (chi-square-combine.ts).
 *
 * Robinson's f(w) = (s·x + n·p(w)) / (s + n), where p(w) is the share of spam among the
 * token's messages (each class normalised by its message count, so unequal training sets do not
 * tilt it), n the number of messages with the token, x the probability assumed for a token
 * never seen, s how strongly that assumption is held. Tokens with |f(w) - 0.5| below
 * MIN_SIGNIFICANCE are ignored; of the rest, the MAX_CLUES furthest from 0.5 are combined.
 *
 * Trusts its counts (from the operator's training); pure and in memory: storage is elsewhere
 * (service/bayes-service.ts, model-snapshot.ts).
 */
import { chiSquareCombine } from './chi-square-combine.js';

export interface BayesParameters {
  /** Robinson's s: strength of the prior for rare tokens. */
  readonly strength: number;
  /** Robinson's x: the probability assumed for a token with no history. */
  readonly unknownProbability: number;
  /** Tokens closer to 0.5 than this are not evidence. */
  readonly minSignificance: number;
  /** Most tokens combined per message. */
  readonly maxClues: number;
}

export const DEFAULT_BAYES_PARAMETERS: BayesParameters = {
  strength: 0.45,
  unknownProbability: 0.5,
  minSignificance: 0.1,
  maxClues: 50,
};

/** Messages of each class needed before the classifier says anything (fewer: BAYES_UNTRAINED). */
export const MIN_TRAINED_PER_CLASS = 50;

export interface TokenCounts {
  spam: number;
  ham: number;
}

export interface Classification {
  /** Probability that the message is spam, 0..1. */
  readonly probability: number;
  /** The most significant tokens, strongest first, with their f(w) (for the verdict's detail). */
  readonly clues: readonly { readonly token: string; readonly probability: number }[];
}

/** f(w) of every significant token, for the class counts it was computed with. */
interface SignificantTokens {
  readonly spamMessages: number;
  readonly hamMessages: number;
  readonly probabilities: ReadonlyMap<string, number>;
}

export class BayesModel {
  spamMessages: number;
  hamMessages: number;
  readonly tokens: Map<string, TokenCounts>;
  readonly parameters: BayesParameters;
  /**
   * Built at the first classify after a change: a scan looks up a few hundred tokens in a model
   * of tens of thousands, and most of them are not significant; this map holds only those that
   * are, with f(w) computed once (classifying cost half as much over spamassassin).
   */
  private significant: SignificantTokens | undefined;

  constructor(spamMessages = 0, hamMessages = 0, tokens = new Map<string, TokenCounts>(), parameters = DEFAULT_BAYES_PARAMETERS) {
    this.spamMessages = spamMessages;
    this.hamMessages = hamMessages;
    this.tokens = tokens;
    this.parameters = parameters;
  }

  /** Whether enough of both classes were trained for a classification to mean anything. */
  get trained(): boolean {
    return this.spamMessages >= MIN_TRAINED_PER_CLASS && this.hamMessages >= MIN_TRAINED_PER_CLASS;
  }

  /** Adds (`+1`) or removes (`-1`, to correct a mistake) one message's tokens. */
  learn(tokens: Iterable<string>, spam: boolean, direction: 1 | -1 = 1): void {
    this.significant = undefined;
    if (spam) this.spamMessages = Math.max(0, this.spamMessages + direction);
    else this.hamMessages = Math.max(0, this.hamMessages + direction);
    for (const token of tokens) {
      let counts = this.tokens.get(token);
      if (!counts) {
        if (direction < 0) continue;
        counts = { spam: 0, ham: 0 };
        this.tokens.set(token, counts);
      }
      if (spam) counts.spam = Math.max(0, counts.spam + direction);
      else counts.ham = Math.max(0, counts.ham + direction);
      if (counts.spam === 0 && counts.ham === 0) this.tokens.delete(token);
    }
  }

  /** Robinson's f(w) for one token, or undefined when the token was never trained. */
  tokenProbability(token: string): number | undefined {
    const counts = this.tokens.get(token);
    if (!counts) return undefined;
    const spamRatio = counts.spam / Math.max(1, this.spamMessages);
    const hamRatio = counts.ham / Math.max(1, this.hamMessages);
    const p = spamRatio / (spamRatio + hamRatio);
    const n = counts.spam + counts.ham;
    const { strength: s, unknownProbability: x } = this.parameters;
    return (s * x + n * p) / (s + n);
  }

  /** The significant tokens' f(w), rebuilt when training changed the model since the last call. */
  private significantTokens(): ReadonlyMap<string, number> {
    const cached = this.significant;
    // The class counts are public fields: a change to them outside learn() also invalidates.
    if (cached !== undefined && cached.spamMessages === this.spamMessages && cached.hamMessages === this.hamMessages) return cached.probabilities;
    const probabilities = new Map<string, number>();
    for (const token of this.tokens.keys()) {
      const probability = this.tokenProbability(token);
      if (probability !== undefined && Math.abs(probability - 0.5) >= this.parameters.minSignificance) probabilities.set(token, probability);
    }
    this.significant = { spamMessages: this.spamMessages, hamMessages: this.hamMessages, probabilities };
    return probabilities;
  }

  classify(tokens: Iterable<string>): Classification {
    const { maxClues } = this.parameters;
    const probabilities = this.significantTokens();
    const significant: { token: string; probability: number; distance: number }[] = [];
    for (const token of tokens) {
      const probability = probabilities.get(token);
      if (probability !== undefined) significant.push({ token, probability, distance: Math.abs(probability - 0.5) });
    }
    // Ties broken by token so the same message always gets the same clues.
    significant.sort((a, b) => b.distance - a.distance || (a.token < b.token ? -1 : 1));
    const clues = significant.slice(0, maxClues);
    // Clamp so one token seen only in spam cannot make log(0).
    const clamped = clues.map((c) => Math.min(0.99, Math.max(0.01, c.probability)));
    return { probability: chiSquareCombine(clamped), clues: clues.map(({ token, probability }) => ({ token, probability })) };
  }
}
