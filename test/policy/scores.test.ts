import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SCORES, scoreOf } from '../../src/policy/scores.js';

test('defaults, overrides, unknown ids', () => {
  assert.equal(scoreOf('SPAM_GTUBE', {}), DEFAULT_SCORES.get('SPAM_GTUBE'));
  assert.equal(scoreOf('SPAM_GTUBE', { SPAM_GTUBE: 7 }), 7);
  assert.equal(scoreOf('NO_SUCH_ID', {}), 0);
  assert.equal(scoreOf('constructor', {}), 0);
});
