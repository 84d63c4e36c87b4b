/** percentile, round and formatTable used by the benchmark and evaluation reports. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatTable, percentile, round } from '../../bench/report-table.js';

test('percentile picks the nearest rank; empty input is NaN', () => {
  const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(sorted, 50), 50);
  assert.equal(percentile(sorted, 99), 99);
  assert.equal(percentile(sorted, 100), 100);
  assert.equal(percentile([7], 99), 7);
  assert.ok(Number.isNaN(percentile([], 50)));
});

test('round keeps the given digits', () => {
  assert.equal(round(1.26), 1.3);
  assert.equal(round(1.255, 2), 1.25);
  assert.equal(round(3), 3);
});

test('formatTable aligns a Markdown table to the widest cell', () => {
  assert.deepEqual(formatTable(['a', 'bb'], [[1, 'xyz'], [22, 'q']]), ['|  a |  bb |', '|---:|----:|', '|  1 | xyz |', '| 22 |   q |']);
});
