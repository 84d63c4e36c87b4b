// xz (xz-decompress, WebAssembly): decoded, bombs cancelled at the first refused chunk, damage
// reported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readXz } from '../../../src/scan/archive/xz-reader.js';
import { XZ_HELLO, XZ_ZEROS_100K } from './compressed-samples.js';
import { findingIds, readContext, textByPath } from './read-context.js';

test('a stream is decoded and named after the container', async () => {
  const result = await readXz(XZ_HELLO, readContext({}, 'data.txz'));
  assert.deepEqual(findingIds(result), []);
  assert.deepEqual(textByPath(result), { 'data.tar': 'hello xz\n' });
});

test('a bomb is cancelled at the ratio limit', async () => {
  const ctx = readContext({ ratioFloorBytes: 1024, maxRatio: 100 });
  const result = await readXz(XZ_ZEROS_100K, ctx);
  assert.deepEqual(findingIds(result), ['SCAN_LIMIT_ARCHIVE_RATIO']);
  assert.ok(ctx.budget.expandedBytes < 100_000);
});

test('damaged and truncated streams are ARCHIVE_CORRUPT', async () => {
  for (const data of [XZ_HELLO.subarray(0, 30), Buffer.concat([XZ_HELLO.subarray(0, 12), Buffer.alloc(40, 0x33)])]) {
    assert.deepEqual(findingIds(await readXz(data, readContext())), ['ARCHIVE_CORRUPT']);
  }
});
