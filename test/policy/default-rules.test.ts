import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ACTIONS } from '../../src/core/verdict.js';
import { DEFAULT_RULES, FAIL_CLOSED_RULES } from '../../src/policy/default-rules.js';
import { DEFAULT_SCORES } from '../../src/policy/scores.js';

test('built-in rules have unique names and are ordered most severe first', () => {
  const names = DEFAULT_RULES.map((r) => r.name);
  assert.equal(new Set(names).size, names.length);
  const severity = (a: string) => ['tempfail', 'reject', 'quarantine', 'tag', 'accept'].indexOf(a);
  for (let i = 1; i < DEFAULT_RULES.length; i++) {
    assert.ok(severity(DEFAULT_RULES[i - 1]!.action) <= severity(DEFAULT_RULES[i]!.action), DEFAULT_RULES[i]!.name);
  }
  for (const rule of DEFAULT_RULES) {
    assert.ok(ACTIONS.includes(rule.action));
    assert.ok(rule.findings && rule.findings.length > 0, `${rule.name} decides on findings only`);
  }
});

test('the documented defaults: malware rejects, executables, macros, encrypted archives and limits quarantine', () => {
  const ruleFor = (id: string) => DEFAULT_RULES.find((r) => r.findings?.includes(id))?.name;
  assert.equal(ruleFor('CLAMAV_INFECTED'), 'malware');
  assert.equal(ruleFor('HASH_BLOCKLISTED'), 'malware');
  assert.equal(ruleFor('FILE_EXECUTABLE'), 'executable');
  assert.equal(ruleFor('FILE_SCRIPT'), 'executable');
  assert.equal(ruleFor('OFFICE_VBA_MACRO'), 'active-content');
  assert.equal(ruleFor('ARCHIVE_ENCRYPTED'), 'archive-unscannable');
  assert.equal(ruleFor('CLAMAV_UNAVAILABLE'), 'scan-unfinished');
  assert.deepEqual(FAIL_CLOSED_RULES.map((r) => r.name), ['scan-unfinished', 'scan-limit']);
});

test('every literal id of a built-in rule outside the SCAN_ family has a default score', () => {
  for (const rule of DEFAULT_RULES) {
    for (const id of rule.findings ?? []) {
      if (id.startsWith('SCAN_') || id.includes('*')) continue;
      assert.ok(DEFAULT_SCORES.has(id), `${id} (${rule.name}) has no default score`);
    }
  }
});
