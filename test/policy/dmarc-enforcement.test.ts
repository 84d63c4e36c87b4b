// DMARC enforcement through decide(): the built-in rules dmarc-reject and dmarc-quarantine, the
// policy.dmarc.enforce switch, and the trusted-ARC-sealer exception (policy/trusted-arc-sealer.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configSchema } from '../../src/config/schema.js';
import type { Finding } from '../../src/core/finding.js';
import { decide } from '../../src/policy/decide.js';
import { arcSealerOf } from '../../src/policy/trusted-arc-sealer.js';
import { testEnvelope } from '../scan/analyzer-context.js';

const policyOf = (policy: object) => configSchema.parse({ policy }).policy;
const defaults = policyOf({});
const reject: Finding = { id: 'DMARC_POLICY_REJECT', detail: 'p=reject for bank.example' };
const quarantine: Finding = { id: 'DMARC_POLICY_QUARANTINE', detail: 'p=quarantine for shop.example' };
const arcPass = (sealer: string): Finding => ({ id: 'ARC_PASS', detail: `i=1 d=${sealer} cv=none` });

test('p=reject rejects and p=quarantine quarantines inbound mail by default, whatever the score', () => {
  const r = decide([reject], testEnvelope, defaults);
  assert.deepEqual([r.action, r.rule], ['reject', 'default:dmarc-reject']);
  assert.ok(r.score < defaults.thresholds.reject, 'decided by the rule, not the threshold');
  const q = decide([quarantine], testEnvelope, defaults);
  assert.deepEqual([q.action, q.rule], ['quarantine', 'default:dmarc-quarantine']);
});

test('DMARC enforcement is for inbound mail only', () => {
  const v = decide([reject], { ...testEnvelope, direction: 'outbound' }, defaults);
  assert.notEqual(v.rule, 'default:dmarc-reject');
  assert.equal(v.action, 'tag');
});

test('policy.dmarc.enforce: false leaves only the scores', () => {
  const policy = policyOf({ dmarc: { enforce: false } });
  const v = decide([reject], testEnvelope, policy);
  assert.equal(v.rule, 'threshold:tag');
  assert.equal(decide([quarantine], testEnvelope, policy).rule, 'threshold:tag');
});

test('a trusted forwarder whose ARC seal passed suspends enforcement; the verdict says why', () => {
  const policy = policyOf({ trustedArcSealers: ['Lists.Example.org'] });
  const v = decide([reject, arcPass('lists.example.org')], testEnvelope, policy);
  assert.notEqual(v.action, 'reject');
  const trusted = v.findings.find((f) => f.id === 'ARC_TRUSTED_SEALER');
  assert.ok(trusted, 'ARC_TRUSTED_SEALER explains the verdict');
  assert.match(trusted.detail, /lists\.example\.org/);
  assert.equal(trusted.score, 0);
  assert.equal(decide([quarantine, arcPass('lists.example.org')], testEnvelope, policy).action, 'tag');
});

test('an untrusted sealer, a look-alike subdomain or a seal that did not pass changes nothing', () => {
  const policy = policyOf({ trustedArcSealers: ['lists.example.org'] });
  assert.equal(decide([reject, arcPass('evil.example')], testEnvelope, policy).action, 'reject');
  assert.equal(decide([reject, arcPass('evil.lists.example.org')], testEnvelope, policy).action, 'reject');
  assert.equal(decide([reject, { id: 'ARC_FAIL', detail: 'd=lists.example.org' }], testEnvelope, policy).action, 'reject');
  // Trusted sealer configured elsewhere: no exception under the default policy.
  assert.equal(decide([reject, arcPass('lists.example.org')], testEnvelope, defaults).action, 'reject');
});

test('a user rule can still override the built-in DMARC rule, and unlessFindings works in user rules', () => {
  const policy = policyOf({
    rules: [{ name: 'partner', sender: '*@partner.example', findings: 'DMARC_POLICY_REJECT', unlessFindings: 'CLAMAV_*', action: 'tag' }],
  });
  const partner = { ...testEnvelope, mailFrom: 'a@partner.example' };
  assert.equal(decide([reject], partner, policy).rule, 'rule:partner');
  assert.equal(decide([reject, { id: 'CLAMAV_INFECTED', detail: 'x' }], partner, policy).rule, 'default:malware');
});

test('arcSealerOf reads d= first, else the first domain name', () => {
  assert.equal(arcSealerOf('i=2 d=Forwarder.Example cv=pass'), 'forwarder.example');
  assert.equal(arcSealerOf('sealed by lists.example.org (i=1)'), 'lists.example.org');
  assert.equal(arcSealerOf('no domain here'), undefined);
});
