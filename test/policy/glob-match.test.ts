import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { globMatch } from '../../src/policy/glob-match.js';

test('literal, * and ? globs', () => {
  assert.equal(globMatch('ceo@example.org', 'ceo@example.org'), true);
  assert.equal(globMatch('ceo@example.org', 'ceo@example.org.evil'), false);
  assert.equal(globMatch('*@example.org', 'anyone@example.org'), true);
  assert.equal(globMatch('*@example.org', '@example.org'), true);
  assert.equal(globMatch('*@example.org', 'a@sub.example.org'), false);
  assert.equal(globMatch('*.example.org', 'mail.example.org'), true);
  assert.equal(globMatch('*.example.org', 'example.org'), false);
  assert.equal(globMatch('*.example.org', 'evilexample.org'), false);
  assert.equal(globMatch('OFFICE_*', 'OFFICE_VBA_MACRO'), true);
  assert.equal(globMatch('OFFICE_*', 'RTF_OFFICE_X'), false);
  assert.equal(globMatch('a?c', 'abc'), true);
  assert.equal(globMatch('a?c', 'ac'), false);
  assert.equal(globMatch('*', ''), true);
  assert.equal(globMatch('', ''), true);
  assert.equal(globMatch('', 'a'), false);
  assert.equal(globMatch('a*b*c', 'axxbyyc'), true);
  assert.equal(globMatch('a*b*c', 'axxbyy'), false);
});

test('regular-expression characters are literals', () => {
  assert.equal(globMatch('a.b', 'axb'), false);
  assert.equal(globMatch('a+b', 'a+b'), true);
  assert.equal(globMatch('(x)|y', 'y'), false);
  assert.equal(globMatch('[ab]', 'a'), false);
});

test('a pathological pattern stays fast (no backtracking blow-up)', () => {
  const started = performance.now();
  assert.equal(globMatch('*a*a*a*a*a*a*a*a*a*a*b', 'a'.repeat(5000)), false);
  assert.ok(performance.now() - started < 1000);
});

test('agrees with an escaped regular expression on generated inputs', () => {
  const alphabet = fc.constantFrom('a', 'b', '*', '?', '.', '@');
  const textAlphabet = fc.constantFrom('a', 'b', '.', '@', '*');
  fc.assert(
    fc.property(fc.string({ unit: alphabet, maxLength: 8 }), fc.string({ unit: textAlphabet, maxLength: 10 }), (pattern, text) => {
      const source = [...pattern].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('');
      assert.equal(globMatch(pattern, text), new RegExp(`^${source}$`, 's').test(text), `${pattern} ~ ${text}`);
    }),
    { numRuns: 2000 },
  );
});
