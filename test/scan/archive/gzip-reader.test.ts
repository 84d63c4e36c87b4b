// gzip: the member is decoded and named (FNAME, else after the container), bombs stop at the
// limit inside zlib (maxOutputLength), damage keeps what decoded before it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { gzipHeaderName, readGzip } from '../../../src/scan/archive/gzip-reader.js';
import { findingIds, readContext, textByPath } from './read-context.js';

/** A gzip stream with an FNAME field (Node's gzip writes none): flags bit 3 and the name after the header. */
function gzipNamed(content: string, name: string): Buffer {
  const plain = gzipSync(content);
  const header = Buffer.from(plain.subarray(0, 10));
  header[3] = 0x08;
  return Buffer.concat([header, Buffer.from(`${name}\0`, 'latin1'), plain.subarray(10)]);
}

test('a member is decoded and named after the container when the header has no name', () => {
  const result = readGzip(gzipSync('hello gzip'), readContext({}, 'logs.tar.gz'));
  assert.deepEqual(findingIds(result), []);
  assert.deepEqual(textByPath(result), { 'logs.tar': 'hello gzip' });
  assert.equal(result.members[0]?.namedByArchive, false);
  assert.deepEqual(Object.keys(textByPath(readGzip(gzipSync('x'), readContext()))), ['(gzip content)']);
});

test('the FNAME field names the member and is analysed as an archive name', () => {
  const data = gzipNamed('x', '`id`.txt');
  assert.equal(gzipHeaderName(data), '`id`.txt');
  const result = readGzip(data, readContext({}, 'a.gz'));
  assert.equal(result.members[0]?.path, '`id`.txt');
  assert.equal(result.members[0]?.namedByArchive, true);
});

test('a gzip bomb stops at the ratio limit without decoding it all', () => {
  const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024));
  const ctx = readContext();
  const result = readGzip(bomb, ctx);
  assert.deepEqual(findingIds(result), ['SCAN_LIMIT_ARCHIVE_RATIO']);
  assert.equal(result.members.length, 0);
  assert.equal(ctx.budget.expandedBytes, 0);
});

test('member and message limits cap the output too', () => {
  const data = gzipSync(Buffer.alloc(10_000, 7));
  assert.deepEqual(findingIds(readGzip(data, readContext({ maxMemberBytes: 5000, maxRatio: 1e6 }))), ['SCAN_LIMIT_ARCHIVE_MEMBER_BYTES']);
  assert.deepEqual(findingIds(readGzip(data, readContext({ maxExpandedBytes: 5000, maxRatio: 1e6 }))), ['SCAN_LIMIT_ARCHIVE_EXPANDED_BYTES']);
});

test('a truncated stream is ARCHIVE_CORRUPT and keeps what decoded before the damage', () => {
  const text = Array.from({ length: 2000 }, (_, i) => `line ${i}\n`).join('');
  const data = gzipSync(text);
  const result = readGzip(data.subarray(0, Math.floor(data.length / 2)), readContext());
  assert.deepEqual(findingIds(result), ['ARCHIVE_CORRUPT']);
  const partial = textByPath(result)['(gzip content)'] ?? '';
  assert.ok(partial.length > 0 && text.startsWith(partial), 'a prefix of the original');
  assert.deepEqual(findingIds(readGzip(Buffer.from([0x1f, 0x8b, 0x08, 0, 1, 2, 3]), readContext())), ['ARCHIVE_CORRUPT']);
});
