/**
 * What the main process accepts from a sandbox for a tokenize job: token lists bounded in number
 * and length, failure codes that cannot carry message text. Anything else is a misbehaving
 * sandbox (undefined), which the pool treats as a crash.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_TOKENS_PER_MESSAGE } from '../../../src/scan/bayes/tokenize-message.js';
import { MAX_TOKEN_CHARS, readWorkerMessage } from '../../../src/scan/sandbox/sandbox-protocol.js';

test('a token list within bounds is accepted', () => {
  assert.deepEqual(readWorkerMessage({ kind: 'tokens', jobId: 3, tokens: ['subject:cheap', 'url:example.com'] }), {
    kind: 'tokens',
    jobId: 3,
    tokens: ['subject:cheap', 'url:example.com'],
  });
});

test('too many tokens, an over-long or empty token, a non-string or a missing job id are refused', () => {
  const many = Array.from({ length: MAX_TOKENS_PER_MESSAGE + 1 }, (_, i) => `t${i}`);
  for (const bad of [
    { kind: 'tokens', jobId: 1, tokens: many },
    { kind: 'tokens', jobId: 1, tokens: ['x'.repeat(MAX_TOKEN_CHARS + 1)] },
    { kind: 'tokens', jobId: 1, tokens: [''] },
    { kind: 'tokens', jobId: 1, tokens: [42] },
    { kind: 'tokens', jobId: 1, tokens: 'subject:cheap' },
    { kind: 'tokens', tokens: ['a'] },
  ]) {
    assert.equal(readWorkerMessage(bad), undefined, JSON.stringify(bad).slice(0, 80));
  }
  assert.ok(readWorkerMessage({ kind: 'tokens', jobId: 1, tokens: many.slice(1) }));
});

test('a tokenize failure carries a reason and a bare code, never text', () => {
  assert.deepEqual(readWorkerMessage({ kind: 'tokenize-failed', jobId: 2, reason: 'unreadable', code: 'ERR_ACCESS_DENIED' }), {
    kind: 'tokenize-failed',
    jobId: 2,
    reason: 'unreadable',
    code: 'ERR_ACCESS_DENIED',
  });
  assert.equal(readWorkerMessage({ kind: 'tokenize-failed', jobId: 2, reason: 'unreadable', code: 'ENOENT: Subject: buy now' }), undefined);
  assert.equal(readWorkerMessage({ kind: 'tokenize-failed', jobId: 2, reason: 'other', code: 'ENOENT' }), undefined);
});
