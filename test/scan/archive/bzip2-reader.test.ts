// bzip2 (seek-bzip): decoded, multi-stream, bombs stopped by the metering sink, damage and
// truncation reported (seek-bzip alone would read past the end forever).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readBzip2 } from '../../../src/scan/archive/bzip2-reader.js';
import { BZIP2_HELLO, BZIP2_TWO_STREAMS, BZIP2_ZEROS_100K } from './compressed-samples.js';
import { findingIds, readContext, textByPath } from './read-context.js';

test('a stream is decoded and named after the container', () => {
  const result = readBzip2(BZIP2_HELLO, readContext({}, 'notes.txt.bz2'));
  assert.deepEqual(findingIds(result), []);
  assert.deepEqual(textByPath(result), { 'notes.txt': 'hello bzip2\n' });
});

test('concatenated streams are all decoded', () => {
  assert.deepEqual(textByPath(readBzip2(BZIP2_TWO_STREAMS, readContext({}, 'x.tbz2'))), { 'x.tar': 'a\nb\n' });
});

test('a bomb stops at the ratio limit, within one chunk', () => {
  const ctx = readContext({ ratioFloorBytes: 1024, maxRatio: 100 });
  const result = readBzip2(BZIP2_ZEROS_100K, ctx);
  assert.deepEqual(findingIds(result), ['SCAN_LIMIT_ARCHIVE_RATIO']);
  assert.equal(result.members.length, 0);
  assert.ok(ctx.budget.expandedBytes < 100_000);
});

test('truncated and damaged streams are ARCHIVE_CORRUPT, never a hang', () => {
  for (const data of [BZIP2_HELLO.subarray(0, 20), Buffer.concat([BZIP2_HELLO.subarray(0, 30), Buffer.alloc(20, 0xaa)]), Buffer.from('BZh91AY&SY')]) {
    assert.deepEqual(findingIds(readBzip2(data, readContext())), ['ARCHIVE_CORRUPT']);
  }
});
