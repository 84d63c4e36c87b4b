import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boundedEditDistance, findLookalike, protectedDomain, skeleton, type ProtectedDomain } from '../../../src/scan/url/lookalike.js';

const protectedDomains: ProtectedDomain[] = [
  protectedDomain('paypal.com', 'paypal'),
  protectedDomain('microsoft.com', 'microsoft'),
  protectedDomain('google.com', 'google'),
  protectedDomain('ups.com', 'ups'),
  protectedDomain('example-bank.org', 'example-bank'),
];

test('skeleton folds homoglyphs, digits used as letters and rn/vv', () => {
  assert.equal(skeleton('pаypal'), skeleton('paypal')); // Cyrillic а
  assert.equal(skeleton('paypa1'), skeleton('paypal'));
  assert.equal(skeleton('rnicrosoft'), skeleton('microsoft'));
  assert.equal(skeleton('g00gle'), skeleton('google'));
  assert.notEqual(skeleton('goggle'), skeleton('google'));
  // One letter off a six-letter brand is a typo-squat.
  assert.deepEqual(findLookalike('goggle.com', 'goggle', protectedDomains), { imitates: 'google.com', how: 'edit' });
});

test('bounded edit distance', () => {
  assert.equal(boundedEditDistance('paypal', 'paypal', 1), 0);
  assert.equal(boundedEditDistance('paypall', 'paypal', 1), 1);
  assert.equal(boundedEditDistance('microsfot', 'microsoft', 2), 2);
  assert.equal(boundedEditDistance('abcdefgh', 'paypal', 1), 2);
});

test('look-alikes of protected domains: homoglyph, one edit, brand token', () => {
  assert.deepEqual(findLookalike('xn--pypal-4ve.com', 'pаypal', protectedDomains), { imitates: 'paypal.com', how: 'homoglyph' });
  assert.deepEqual(findLookalike('paypa1.com', 'paypa1', protectedDomains), { imitates: 'paypal.com', how: 'homoglyph' });
  assert.deepEqual(findLookalike('rnicrosoft.net', 'rnicrosoft', protectedDomains), { imitates: 'microsoft.com', how: 'homoglyph' });
  assert.deepEqual(findLookalike('paypall.com', 'paypall', protectedDomains), { imitates: 'paypal.com', how: 'edit' });
  assert.deepEqual(findLookalike('micrsoft.com', 'micrsoft', protectedDomains), { imitates: 'microsoft.com', how: 'edit' });
  assert.deepEqual(findLookalike('paypal-secure.com', 'paypal-secure', protectedDomains), { imitates: 'paypal.com', how: 'brand-token' });
  assert.deepEqual(findLookalike('examp1e-bank.org', 'examp1e-bank', protectedDomains), { imitates: 'example-bank.org', how: 'homoglyph' });
});

test('the brand itself, its other suffixes and unrelated names are not look-alikes', () => {
  assert.equal(findLookalike('paypal.com', 'paypal', protectedDomains), undefined);
  assert.equal(findLookalike('paypal.de', 'paypal', protectedDomains), undefined);
  assert.equal(findLookalike('google.co.uk', 'google', protectedDomains), undefined);
  assert.equal(findLookalike('example.net', 'example', protectedDomains), undefined);
  // Short labels are compared by shape only: one letter turns "ups" into other words.
  assert.equal(findLookalike('ubs.com', 'ubs', protectedDomains), undefined);
  assert.equal(findLookalike('googleplex-fans.org', 'googleplex-fans', protectedDomains), undefined);
});
