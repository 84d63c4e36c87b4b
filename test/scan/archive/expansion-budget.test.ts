// The expansion budget: each limit refuses the first chunk that would cross it and counts
// nothing then; limits are shared by every meter of one budget; a falsy limit is an error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_ARCHIVE_LIMITS, ExpansionBudget, resolveArchiveLimits } from '../../../src/scan/archive/expansion-budget.js';

test('a limit that is 0, NaN, negative or infinite is refused, never "off"', () => {
  for (const bad of [0, Number.NaN, -1, Number.POSITIVE_INFINITY]) {
    assert.throws(() => resolveArchiveLimits({ maxEntries: bad }), RangeError);
    assert.throws(() => resolveArchiveLimits({ maxRatio: bad }), RangeError);
  }
  assert.deepEqual(resolveArchiveLimits(), DEFAULT_ARCHIVE_LIMITS);
});

test('entries: the one past the limit is refused', () => {
  const budget = new ExpansionBudget(resolveArchiveLimits({ maxEntries: 2 }));
  assert.equal(budget.takeEntry('x'), undefined);
  assert.equal(budget.takeEntry('x'), undefined);
  assert.equal(budget.takeEntry('x')?.id, 'SCAN_LIMIT_ARCHIVE_ENTRIES');
  assert.equal(budget.entries, 2);
});

test('member bytes: the crossing chunk is refused and not counted', () => {
  const budget = new ExpansionBudget(resolveArchiveLimits({ maxMemberBytes: 100, maxRatio: 1000 }));
  const meter = budget.meter('x', 50);
  assert.equal(meter.add(60), undefined);
  assert.equal(meter.add(41)?.id, 'SCAN_LIMIT_ARCHIVE_MEMBER_BYTES');
  assert.equal(meter.bytes, 60);
  assert.equal(budget.expandedBytes, 60);
  assert.equal(meter.add(40), undefined);
});

test('expanded bytes are shared by all members of the message', () => {
  const budget = new ExpansionBudget(resolveArchiveLimits({ maxExpandedBytes: 100, maxMemberBytes: 80, ratioFloorBytes: 1000 }));
  assert.equal(budget.meter('a', 80).add(80), undefined);
  const second = budget.meter('b', 80);
  assert.equal(second.remaining(), 20);
  assert.equal(second.add(21)?.id, 'SCAN_LIMIT_ARCHIVE_EXPANDED_BYTES');
});

test('ratio: only above the floor, against the compressed size', () => {
  const budget = new ExpansionBudget(resolveArchiveLimits({ maxRatio: 10, ratioFloorBytes: 1000 }));
  assert.equal(budget.meter('small', 1).add(1000), undefined, 'at the floor, any ratio is ordinary');
  const bomb = budget.meter('bomb', 200);
  assert.equal(bomb.add(2000), undefined);
  assert.equal(bomb.add(1)?.id, 'SCAN_LIMIT_ARCHIVE_RATIO');
  assert.equal(bomb.check(0), undefined, 'check counts nothing');
  assert.equal(budget.meter('declared', 10).check(5000)?.id, 'SCAN_LIMIT_ARCHIVE_RATIO');
});

test('remaining() is the tightest limit, so a one-shot decoder can be capped exactly', () => {
  const budget = new ExpansionBudget(resolveArchiveLimits({ maxMemberBytes: 500, maxExpandedBytes: 10_000, maxRatio: 10, ratioFloorBytes: 100 }));
  assert.equal(budget.meter('x', 20).remaining(), 200);
  assert.equal(budget.meter('x', 1000).remaining(), 500);
  const meter = budget.meter('x', 20);
  assert.ok(meter.add(meter.remaining() + 1));
});
