import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chi2Q, chiSquareCombine } from '../../../src/scan/bayes/chi-square-combine.js';

test('chi2Q: the upper tail of chi-square with 2 degrees of freedom is exp(-x/2)', () => {
  assert.equal(chi2Q(0, 2), 1);
  assert.ok(Math.abs(chi2Q(4, 2) - Math.exp(-2)) < 1e-12);
  // With 4 degrees of freedom: exp(-m)(1 + m), m = x/2.
  assert.ok(Math.abs(chi2Q(6, 4) - Math.exp(-3) * 4) < 1e-12);
});

test('combining: spammy clues give near 1, hammy near 0, none or balanced 0.5', () => {
  assert.ok(chiSquareCombine(Array(20).fill(0.99)) > 0.99);
  assert.ok(chiSquareCombine(Array(20).fill(0.01)) < 0.01);
  assert.equal(chiSquareCombine([]), 0.5);
  assert.ok(Math.abs(chiSquareCombine([...Array(20).fill(0.99), ...Array(20).fill(0.01)]) - 0.5) < 0.01);
});

test('combining does not underflow with thousands of extreme clues', () => {
  const p = chiSquareCombine(Array(5000).fill(0.01));
  assert.ok(Number.isFinite(p) && p >= 0 && p < 0.001);
});
