import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Analyzer } from '../../src/scan/analyzer.js';
import { BUILTIN_ANALYZERS, buildAnalyzerList, orderAnalyzers } from '../../src/scan/registry.js';
import { isPortcullisError } from '../../src/core/errors.js';

const a = (name: string, ...dependsOn: string[]): Analyzer => ({ name, directions: ['inbound'], dependsOn, analyze: async () => [] });
const names = (list: readonly Analyzer[]): string[] => list.map((x) => x.name);

test('dependencies run first; otherwise list order is kept', () => {
  assert.deepEqual(names(orderAnalyzers([a('phish', 'urls'), a('gtube'), a('urls', 'html'), a('html')])), ['gtube', 'html', 'urls', 'phish']);
});

test('a cycle fails with the names in it', () => {
  assert.throws(
    () => orderAnalyzers([a('ok'), a('x', 'y'), a('y', 'z'), a('z', 'x')]),
    (err: unknown) => isPortcullisError(err, 'PORTCULLIS_ERR_ANALYZERS') && /cycle among: x, y, z/.test(err.message),
  );
});

test('a missing or disabled dependency fails with the names', () => {
  assert.throws(() => orderAnalyzers([a('x', 'nope')]), /x depends on nope/);
  assert.throws(() => orderAnalyzers([a('x', 'y'), a('y')], ['y']), /x depends on y/);
});

test('disabled analyzers are removed; an unknown name is an error; a repeated name is an error', () => {
  assert.deepEqual(names(orderAnalyzers([a('x'), a('y')], ['x'])), ['y']);
  assert.throws(() => orderAnalyzers([a('x')], ['gtueb']), /unknown analyzers: gtueb/);
  assert.throws(() => orderAnalyzers([a('x'), a('x')]), /registered twice/);
});

test('the built-in list is valid and extra analyzers come after it', () => {
  const list = buildAnalyzerList({ extra: [a('extra')], disabled: ['gtube'] });
  assert.deepEqual(names(list), [...names(BUILTIN_ANALYZERS).filter((n) => n !== 'gtube'), 'extra']);
  assert.ok(names(BUILTIN_ANALYZERS).includes('header-sanity'));
});
