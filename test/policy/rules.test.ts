import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configSchema, type ConfigInput } from '../../src/config/schema.js';
import type { Envelope } from '../../src/core/envelope.js';
import type { Finding } from '../../src/core/finding.js';
import { decide } from '../../src/policy/decide.js';
import { effectiveRules, policyKey } from '../../src/policy/rules.js';
import { testEnvelope } from '../scan/analyzer-context.js';

const f = (id: string): Finding => ({ id, detail: id });
function policyOf(rules: NonNullable<NonNullable<ConfigInput['policy']>['rules']>, extra: Partial<NonNullable<ConfigInput['policy']>> = {}) {
  return configSchema.parse({ policy: { rules, ...extra } }).policy;
}
const env = (over: Partial<Envelope>): Envelope => ({ ...testEnvelope, ...over });

test('sender and recipient globs: address, *@domain, domain, *.subdomain, case-insensitive', () => {
  const policy = policyOf([
    { name: 'ceo', sender: 'CEO@Example.org', action: 'quarantine' },
    { name: 'partner', sender: ['*@partner.example', 'bank.example'], action: 'tag' },
    { name: 'subs', recipient: '*.example.net', action: 'reject' },
  ]);
  assert.equal(decide([], env({ mailFrom: 'ceo@EXAMPLE.ORG' }), policy).rule, 'rule:ceo');
  assert.equal(decide([], env({ mailFrom: 'x@partner.example' }), policy).rule, 'rule:partner');
  assert.equal(decide([], env({ mailFrom: 'x@bank.example' }), policy).rule, 'rule:partner');
  assert.equal(decide([], env({ mailFrom: 'x@sub.bank.example' }), policy).rule, 'default:accept');
  assert.equal(decide([], env({ mailFrom: 'x@partner.example.evil' }), policy).rule, 'default:accept');
  assert.equal(decide([], env({ rcptTo: ['a@mx.example.net'] }), policy).rule, 'rule:subs');
  assert.equal(decide([], env({ rcptTo: ['a@example.net'] }), policy).rule, 'default:accept');
});

test('a recipient condition holds only when every recipient matches; <> is the null sender', () => {
  const policy = policyOf([
    { name: 'abuse', recipient: 'abuse@example.net', findings: 'FILE_*', action: 'accept' },
    { name: 'bounces', sender: '<>', action: 'tag' },
  ]);
  assert.equal(decide([f('FILE_EXECUTABLE')], env({ rcptTo: ['abuse@example.net'] }), policy).rule, 'rule:abuse');
  // Adding a victim beside abuse@ must not let the executable through.
  const both = decide([f('FILE_EXECUTABLE')], env({ rcptTo: ['abuse@example.net', 'victim@example.net'] }), policy);
  assert.deepEqual([both.action, both.rule], ['quarantine', 'default:executable']);
  assert.equal(decide([], env({ mailFrom: '' }), policy).rule, 'rule:bounces');
  assert.equal(decide([], env({ mailFrom: 'a@b.example' }), policy).rule, 'default:accept');
});

test('direction and client network (IPv4, IPv6, IPv4-mapped)', () => {
  const policy = policyOf([
    { name: 'out-lan', direction: 'outbound', clientNetwork: ['10.0.0.0/8', '2001:db8::/32'], action: 'tag' },
  ]);
  assert.equal(decide([], env({ direction: 'outbound', clientAddress: '10.1.2.3' }), policy).rule, 'rule:out-lan');
  assert.equal(decide([], env({ direction: 'outbound', clientAddress: '::ffff:10.1.2.3' }), policy).rule, 'rule:out-lan');
  assert.equal(decide([], env({ direction: 'outbound', clientAddress: '2001:db8::5' }), policy).rule, 'rule:out-lan');
  assert.equal(decide([], env({ direction: 'inbound', clientAddress: '10.1.2.3' }), policy).rule, 'default:accept');
  assert.equal(decide([], env({ direction: 'outbound', clientAddress: '192.0.2.1' }), policy).rule, 'default:accept');
});

test('findings globs and score bounds', () => {
  const policy = policyOf([
    { name: 'office', findings: ['OFFICE_*', 'RTF_?BJUPDATE'], scoreBelow: 8, action: 'tag' },
    { name: 'mid', scoreAtLeast: 3, scoreBelow: 5, action: 'quarantine' },
  ]);
  assert.equal(decide([f('RTF_OBJUPDATE')], testEnvelope, policy).rule, 'rule:office'); // score 5 < 8
  assert.equal(decide([f('OFFICE_VBA_AUTOEXEC')], testEnvelope, policy).rule, 'rule:office');
  // OFFICE_VBA_MACRO scores 10: not below 8, so the built-in rule decides.
  assert.equal(decide([f('OFFICE_VBA_MACRO')], testEnvelope, policy).rule, 'default:active-content');
  const mid = decide([f('HEADER_FROM_MISSING')], testEnvelope, policy); // 3
  assert.deepEqual([mid.action, mid.rule], ['quarantine', 'rule:mid']);
  assert.equal(decide([f('HEADER_FROM_MISSING'), f('HEADER_DATE_MISSING'), f('HEADER_MESSAGE_ID_MISSING')], testEnvelope, policy).rule, 'threshold:tag'); // 5: not below 5
  assert.equal(decide([f('HEADER_DATE_MISSING')], testEnvelope, policy).rule, 'default:accept'); // 1
});

test('first matching rule wins; user rules come before the built-in rules, which come before thresholds', () => {
  const policy = policyOf([
    { name: 'first', sender: '*@example.org', action: 'tag' },
    { name: 'second', sender: 'alice@example.org', action: 'reject' },
    { name: 'research', recipient: 'malware-lab@example.net', action: 'accept' },
  ]);
  assert.equal(decide([], testEnvelope, policy).rule, 'rule:first');
  const lab = decide([f('CLAMAV_INFECTED'), f('SPAM_GTUBE')], env({ mailFrom: 'x@y.example', rcptTo: ['malware-lab@example.net'] }), policy);
  assert.deepEqual([lab.action, lab.rule], ['accept', 'rule:research']);
  const other = decide([f('CLAMAV_INFECTED'), f('FILE_EXECUTABLE')], env({ mailFrom: 'x@y.example' }), policy);
  assert.deepEqual([other.action, other.rule], ['reject', 'default:malware']);
  const spam = decide([f('SPAM_GTUBE')], env({ mailFrom: 'x@y.example' }), policy);
  assert.deepEqual([spam.action, spam.rule], ['reject', 'threshold:reject']);
  assert.deepEqual(
    effectiveRules(policy).map((r) => r.verdictRule).filter((n) => !n.startsWith('default:') || n === 'default:malware' || n === 'default:accept'),
    ['rule:first', 'rule:second', 'rule:research', 'default:malware', 'threshold:reject', 'threshold:quarantine', 'threshold:tag', 'default:accept'],
  );
});

test('fail closed: no user rule can accept or tag an unfinished or partly read scan', () => {
  const policy = policyOf([
    { name: 'allow-all', action: 'accept' },
    { name: 'tag-all', action: 'tag' },
  ]);
  assert.equal(decide([], testEnvelope, policy).rule, 'rule:allow-all');
  for (const id of ['SCAN_LIMIT_TIME', 'SCAN_SANDBOX_CRASH', 'CLAMAV_UNAVAILABLE']) {
    const v = decide([f(id)], testEnvelope, policy);
    assert.deepEqual([v.action, v.rule], ['tempfail', 'default:scan-unfinished'], id);
  }
  const partly = decide([f('SCAN_LIMIT_MIME_PARTS')], testEnvelope, policy);
  assert.deepEqual([partly.action, partly.rule], ['quarantine', 'default:scan-limit']);
  // A stricter user action still applies: reject or quarantine are not an accept.
  const strict = policyOf([{ name: 'no-timeouts', findings: 'SCAN_LIMIT_TIME', action: 'reject' }]);
  assert.equal(decide([f('SCAN_LIMIT_TIME')], testEnvelope, strict).action, 'reject');
});

test('thresholds from the config are rules of the same list', () => {
  const policy = policyOf([], { thresholds: { tag: 1, quarantine: 2, reject: 3 } });
  assert.equal(decide([f('HEADER_DATE_MISSING')], testEnvelope, policy).rule, 'threshold:tag');
  assert.equal(decide([f('HEADER_FROM_MISSING')], testEnvelope, policy).rule, 'threshold:reject');
});

test('the schema refuses regular expressions, bad networks, duplicate names and unknown keys', () => {
  const bad: unknown[] = [
    [{ name: 'x', sender: 'a b@example.org', action: 'tag' }],
    [{ name: 'x', findings: 'OFFICE_.+', action: 'tag' }],
    [{ name: 'x', clientNetwork: '10.0.0.0/33', action: 'tag' }],
    [{ name: 'x', action: 'drop' }],
    [{ name: 'x', regex: '.*', action: 'tag' }],
    [{ name: 'x', action: 'tag' }, { name: 'x', action: 'reject' }],
    [{ name: '', action: 'tag' }],
  ];
  for (const rules of bad) assert.equal(configSchema.safeParse({ policy: { rules } }).success, false, JSON.stringify(rules));
  const ok = configSchema.parse({ policy: { rules: [{ name: 'lists', sender: ['*@A.example'], recipient: 'b.example', clientNetwork: '10.0.0.1', findings: 'X_*', action: 'tag' }] } });
  assert.deepEqual(ok.policy.rules[0], { name: 'lists', sender: ['*@a.example'], recipient: ['b.example'], clientNetwork: ['10.0.0.1'], findings: ['X_*'], action: 'tag' });
});

test('policyKey: equal for recipients that match the same recipient rules', () => {
  const config = configSchema.parse({
    policy: {
      rules: [
        { name: 'vip', recipient: ['ceo@example.org', 'cfo@example.org'], action: 'quarantine' },
        { name: 'sales', recipient: '*@sales.example.org', direction: 'inbound', action: 'tag' },
        { name: 'lan-only', recipient: 'ops@example.org', clientNetwork: '10.0.0.0/8', action: 'accept' },
        { name: 'no-recipient', sender: '*@x.example', action: 'reject' },
      ],
    },
  });
  const key = (r: string, dir: 'inbound' | 'outbound' = 'inbound', client = '192.0.2.1') => policyKey(config, r, dir, client);
  assert.equal(key('ceo@example.org'), key('CFO@example.org'));
  assert.equal(key('alice@example.org'), key('bob@example.org'));
  assert.notEqual(key('ceo@example.org'), key('alice@example.org'));
  assert.notEqual(key('a@sales.example.org'), key('alice@example.org'));
  assert.equal(key('a@sales.example.org', 'outbound'), key('alice@example.org', 'outbound'));
  assert.notEqual(key('alice@example.org', 'outbound'), key('alice@example.org', 'inbound'));
  // ops@ is special only for clients inside 10/8.
  assert.equal(key('ops@example.org'), key('alice@example.org'));
  assert.notEqual(key('ops@example.org', 'inbound', '10.0.0.9'), key('alice@example.org', 'inbound', '10.0.0.9'));
  // With no recipient rules at all, every recipient of a direction shares one key.
  const plain = configSchema.parse({});
  assert.equal(policyKey(plain, 'a@x.example', 'inbound', '192.0.2.1'), policyKey(plain, 'b@y.example', 'inbound', '192.0.2.1'));
});

test('the examples of docs/policy.md parse and decide as the text says', async () => {
  const { readFileSync } = await import('node:fs');
  const { parse } = await import('yaml');
  const doc = readFileSync(new URL('../../../docs/policy.md', import.meta.url), 'utf8');
  const blocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
  assert.ok(blocks.length >= 2);
  for (const block of blocks) configSchema.parse(parse(block));
  const policy = configSchema.parse(parse(blocks[blocks.length - 1]!)).policy;
  const macro = decide([f('OFFICE_VBA_MACRO')], env({ mailFrom: 'x@partner.example', rcptTo: ['ceo@example.org'] }), policy);
  assert.deepEqual([macro.action, macro.rule], ['reject', 'rule:vip-no-macros']);
  const partner = decide([f('OFFICE_VBA_MACRO')], env({ mailFrom: 'x@partner.example', rcptTo: ['ann@example.org'] }), policy);
  assert.deepEqual([partner.action, partner.rule], ['tag', 'rule:partner-macros']);
  const bounce = decide([f('HEADER_FROM_MISSING'), f('HEADER_FROM_DUPLICATE')], env({ mailFrom: '' }), policy);
  assert.equal(bounce.rule, 'rule:backscatter');
});
