import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BayesModel, MIN_TRAINED_PER_CLASS } from '../../../src/scan/bayes/bayes-model.js';

function trainedModel(): BayesModel {
  const model = new BayesModel();
  for (let i = 0; i < MIN_TRAINED_PER_CLASS; i++) {
    model.learn(['viagra', 'cheap', `spam-${i}`, 'hello'], true);
    model.learn(['meeting', 'agenda', `ham-${i}`, 'hello'], false);
  }
  return model;
}

test('a model is trained only with enough messages of both classes', () => {
  const model = new BayesModel();
  for (let i = 0; i < MIN_TRAINED_PER_CLASS; i++) model.learn(['x'], true);
  assert.equal(model.trained, false);
  for (let i = 0; i < MIN_TRAINED_PER_CLASS; i++) model.learn(['y'], false);
  assert.equal(model.trained, true);
});

test("Robinson's f(w): a token in both classes equally is 0.5; an unknown token has none", () => {
  const model = trainedModel();
  assert.equal(model.tokenProbability('hello'), 0.5);
  assert.equal(model.tokenProbability('never-seen'), undefined);
  // Seen once in spam only: (s*x + n*p) / (s + n) with s = 0.45, x = 0.5, n = 1, p = 1.
  assert.ok(Math.abs((model.tokenProbability('spam-1') ?? 0) - (0.45 * 0.5 + 1) / 1.45) < 1e-12);
});

test('classify separates spam from ham and names its clues', () => {
  const model = trainedModel();
  const spam = model.classify(['viagra', 'cheap', 'hello']);
  const ham = model.classify(['meeting', 'agenda', 'hello']);
  assert.ok(spam.probability > 0.9, String(spam.probability));
  assert.ok(ham.probability < 0.1, String(ham.probability));
  assert.deepEqual(spam.clues.map((c) => c.token).sort(), ['cheap', 'viagra']);
  assert.equal(model.classify(['hello', 'unknown']).probability, 0.5);
});

test('unlearning removes what learning added', () => {
  const model = trainedModel();
  const before = model.tokens.size;
  model.learn(['fresh-token'], true);
  model.learn(['fresh-token'], true, -1);
  assert.equal(model.tokens.size, before);
  assert.equal(model.spamMessages, MIN_TRAINED_PER_CLASS);
});

test('classifying after more training uses the new counts, not those of the last classification', () => {
  const model = trainedModel();
  const before = model.classify(['meeting']);
  assert.ok(before.probability < 0.5);
  // 'meeting' becomes a spam word: in half the spam now, and in a tenth of the ham.
  for (let i = 0; i < MIN_TRAINED_PER_CLASS; i++) model.learn(['meeting'], true);
  for (let i = 0; i < 8 * MIN_TRAINED_PER_CLASS; i++) model.learn([`other-${i}`], false);
  const after = model.classify(['meeting']);
  assert.ok(after.probability > 0.5, `${after.probability}`);
  assert.equal(after.clues[0]?.probability, model.tokenProbability('meeting'));
  // A token whose f(w) moves into the insignificant band is no longer a clue.
  const balanced = trainedModel();
  balanced.classify(['agenda']);
  for (let i = 0; i < MIN_TRAINED_PER_CLASS; i++) {
    // Now in half the spam and half the ham: f(w) = 0.5.
    balanced.learn(['agenda'], true);
    balanced.learn([`other-${i}`], false);
  }
  assert.deepEqual(balanced.classify(['agenda']).clues, []);
});
