import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decide } from '../../src/policy/decide.js';
import { configSchema } from '../../src/config/schema.js';
import type { Finding } from '../../src/core/finding.js';
import { testEnvelope } from '../scan/analyzer-context.js';

const policy = configSchema.parse({}).policy;
const f = (id: string, weight?: number): Finding => (weight === undefined ? { id, detail: id } : { id, detail: id, weight });

test('no findings: accept by default', () => {
  assert.deepEqual(decide([], testEnvelope, policy), { action: 'accept', score: 0, rule: 'default:accept', findings: [] });
});

test('GTUBE rejects with the default thresholds', () => {
  const v = decide([f('SPAM_GTUBE')], testEnvelope, policy);
  assert.equal(v.action, 'reject');
  assert.equal(v.rule, 'threshold:reject');
  assert.ok(v.score >= policy.thresholds.reject);
});

test('scores times weights are summed; thresholds pick tag and quarantine', () => {
  const tagged = decide([f('HEADER_FROM_MISSING'), f('HEADER_DATE_MISSING'), f('HEADER_MESSAGE_ID_MISSING')], testEnvelope, policy);
  assert.equal(tagged.score, 5);
  assert.equal(tagged.rule, 'threshold:tag');
  const weighted = decide([f('HEADER_FROM_MISSING', 0.5)], testEnvelope, policy);
  assert.equal(weighted.findings[0]?.score, 1.5);
  const quarantined = decide([f('HEADER_FROM_MISSING')], testEnvelope, { ...policy, scores: { HEADER_FROM_MISSING: 12 } });
  assert.deepEqual([quarantined.action, quarantined.score, quarantined.rule], ['quarantine', 12, 'threshold:quarantine']);
});

test('unknown ids score 0 but are kept in the verdict', () => {
  const v = decide([f('TEST_UNKNOWN_THING')], testEnvelope, policy);
  assert.deepEqual(v.findings, [{ id: 'TEST_UNKNOWN_THING', detail: 'TEST_UNKNOWN_THING', score: 0 }]);
  assert.equal(v.action, 'accept');
});

test('scan failures are decisive tempfails, whatever the score', () => {
  for (const id of ['SCAN_LIMIT_TIME', 'SCAN_LIMIT_MEMORY', 'SCAN_SANDBOX_CRASH', 'SCAN_OVERLOADED', 'SCAN_ANALYZER_ERROR', 'SCAN_INPUT_UNREADABLE']) {
    const v = decide([f('SPAM_GTUBE'), f(id)], testEnvelope, policy);
    assert.deepEqual([v.action, v.rule], ['tempfail', 'default:scan-unfinished'], id);
  }
});

test('other scan limits quarantine; tempfail outranks quarantine', () => {
  const q = decide([f('SCAN_LIMIT_MIME_DEPTH')], testEnvelope, policy);
  assert.deepEqual([q.action, q.rule], ['quarantine', 'default:scan-limit']);
  const t = decide([f('SCAN_LIMIT_MIME_PARTS'), f('SCAN_LIMIT_TIME')], testEnvelope, policy);
  assert.deepEqual([t.action, t.rule], ['tempfail', 'default:scan-unfinished']);
});

test('a config override can lower a default score, never remove a decisive id', () => {
  const v = decide([f('SPAM_GTUBE'), f('SCAN_LIMIT_HEADER_COUNT')], testEnvelope, { ...policy, scores: { SPAM_GTUBE: 0, SCAN_LIMIT_HEADER_COUNT: 0 } });
  assert.deepEqual([v.action, v.score], ['quarantine', 0]);
});
