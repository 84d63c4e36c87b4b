import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { findBytes } from '../../src/mime/find-bytes.js';

test('findBytes finds what Buffer.indexOf finds, from any start (needles shorter and longer than its anchor)', () => {
  // A small alphabet makes partial matches of the anchor common.
  const bytes = fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a.map((b) => 0x61 + (b % 3))));
  fc.assert(
    fc.property(bytes, fc.integer({ min: 1, max: 9 }).chain((n) => fc.uint8Array({ minLength: n, maxLength: n })), fc.integer({ min: -5, max: 320 }), (haystack, raw, from) => {
      const needle = Buffer.from(raw.map((b) => 0x61 + (b % 3)));
      assert.equal(findBytes(haystack, needle, from), haystack.indexOf(needle, Math.max(0, from)));
    }),
    { numRuns: 2000 },
  );
});

test('findBytes: a marker at the very end, cut short by the end, and absent', () => {
  const marker = Buffer.from('=ybegin ');
  assert.equal(findBytes(Buffer.from('xx=ybegin '), marker), 2);
  assert.equal(findBytes(Buffer.from('xx=ybegin'), marker), -1);
  assert.equal(findBytes(Buffer.from('=ybeg=ybegin line'), marker, 1), 5);
  assert.equal(findBytes(Buffer.alloc(0), marker), -1);
});
