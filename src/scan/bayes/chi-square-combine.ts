/**
 * Robinson-Fisher combining (Gary Robinson, "A Statistical Approach to the Spam Problem", 2003;
 * the chi-square scheme of SpamBayes): each significant token's spam probability f(w) is
 * treated as an independent test, Fisher's method combines them into a spam indication S and a
 * ham indication H, and the result is (1 + S - H) / 2: near 1 for spam, near 0 for ham, near
 * 0.5 when the evidence is absent or points both ways (which plain naive Bayes hides).
 *
 * Works in logarithms, so a thousand tokens near 0 or 1 cannot underflow. Pure.
 */

/**
 * The upper tail of the chi-square distribution with `dof` (even) degrees of freedom at `x2`:
 * the probability that independent uniform probabilities look at least this extreme.
 */
export function chi2Q(x2: number, dof: number): number {
  const m = x2 / 2;
  let term = Math.exp(-m);
  let sum = term;
  for (let i = 1; i < dof / 2; i++) {
    term *= m / i;
    sum += term;
  }
  return Math.min(sum, 1);
}

/** Combines token probabilities (each strictly between 0 and 1) into one spam probability. */
export function chiSquareCombine(probabilities: readonly number[]): number {
  const n = probabilities.length;
  if (n === 0) return 0.5;
  let logSpam = 0;
  let logHam = 0;
  for (const p of probabilities) {
    logSpam += Math.log(1 - p);
    logHam += Math.log(p);
  }
  // S is near 1 when the tokens are spammy (the (1 - p) are small), H when they are hammy.
  const s = 1 - chi2Q(-2 * logSpam, 2 * n);
  const h = 1 - chi2Q(-2 * logHam, 2 * n);
  return (1 + s - h) / 2;
}
