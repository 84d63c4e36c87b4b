import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decompressOvba } from '../../../src/scan/office/ovba-decompress.js';
import { compressLiteral } from './office-samples.js';

test('a copy token repeats earlier output ([MS-OVBA] 2.4.1.3.19)', () => {
  // literals a b c, then a copy of offset 3, length 6: token (2 << 12) | 3.
  const container = Uint8Array.from([0x01, 0x05, 0xb0, 0x08, 0x61, 0x62, 0x63, 0x03, 0x20]);
  const result = decompressOvba(container, 0, 1024);
  assert.equal(result.status, 'complete');
  assert.equal(Buffer.from(result.bytes).toString(), 'abcabcabc');
});

test('the output limit stops decompression and says so', () => {
  const result = decompressOvba(compressLiteral(Buffer.alloc(10_000, 0x41)), 0, 5000);
  assert.equal(result.status, 'limit');
  assert.equal(result.bytes.length, 5000);
  assert.throws(() => decompressOvba(Uint8Array.of(1), 0, 0), RangeError);
});

test('property: literal containers round-trip', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 9000 }), (data) => {
      const result = decompressOvba(compressLiteral(data), 0, 1 << 20);
      assert.equal(result.status, 'complete');
      assert.deepEqual(Buffer.from(result.bytes), Buffer.from(data));
    }),
    { numRuns: 500 },
  );
});

test('property: arbitrary bytes always give a result within the limit, never an exception', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 2048 }), fc.integer({ min: 1, max: 70_000 }), (data, limit) => {
      const input = Uint8Array.from([0x01, ...data]);
      const result = decompressOvba(input, 0, limit);
      assert.ok(result.bytes.length <= limit);
      assert.ok(['complete', 'malformed', 'limit'].includes(result.status));
    }),
    { numRuns: 1500 },
  );
});
