// The zip reader on zips built in the test: members and names as written, stored, deflate and
// bzip2 members, the central directory checked against the local headers (name mismatch,
// overlapping entries, hidden entries), encryption, unsupported methods, lying sizes, bombs
// (ratio, member size, entries), damage; and a property test: random and mutated zips always
// give a result, never an exception, never more decoded bytes than the limits allow unreported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { deflateRawSync } from 'node:zlib';
import { readZip } from '../../../src/scan/archive/zip-reader.js';
import { BZIP2_HELLO } from './compressed-samples.js';
import { findingIds, readContext, textByPath } from './read-context.js';
import { buildZip } from './zip-builder.js';

test('stored and deflated members are read with their names', async () => {
  const zip = buildZip([
    { name: 'a.txt', content: 'alpha', method: 0 },
    { name: 'dir/', content: '', method: 0 },
    { name: 'dir/b.txt', content: 'beta '.repeat(100) },
  ]);
  const result = await readZip(zip, readContext());
  assert.deepEqual(findingIds(result), []);
  assert.deepEqual(textByPath(result), { 'a.txt': 'alpha', 'dir/': undefined, 'dir/b.txt': 'beta '.repeat(100) });
  assert.ok(result.members.every((m) => m.namedByArchive));
});

test('a bzip2 member (method 12) is decoded', async () => {
  const zip = buildZip([{ name: 'b.txt', content: 'hello bzip2\n', method: 12, data: BZIP2_HELLO }]);
  assert.deepEqual(textByPath(await readZip(zip, readContext())), { 'b.txt': 'hello bzip2\n' });
});

test('names are kept raw: control bytes stay control characters, ".." is not refused', async () => {
  const zip = buildZip([
    { name: Buffer.from('a\nb.txt', 'latin1'), content: 'x' },
    { name: '../../etc/cron.d/x', content: 'y' },
    { name: 'back\\slash\\..\\x', content: 'z' },
  ]);
  const result = await readZip(zip, readContext());
  assert.deepEqual(findingIds(result), []);
  assert.ok(result.members.some((m) => m.names.includes('a\nb.txt')));
  assert.ok(result.members.some((m) => m.path === '../../etc/cron.d/x' && m.content !== undefined));
  assert.ok(result.members.some((m) => m.names.includes('back\\slash\\..\\x')), 'the backslash spelling is analysed too');
});

test('a local header name different from the central one is ARCHIVE_ZIP_NAME_MISMATCH, and both names are analysed', async () => {
  const zip = buildZip([{ name: 'invoice.pdf', localName: '$(id).pdf', content: 'x' }]);
  const result = await readZip(zip, readContext());
  assert.deepEqual(findingIds(result), ['ARCHIVE_ZIP_NAME_MISMATCH']);
  assert.deepEqual(result.members[0]?.names.includes('$(id).pdf'), true);
});

test('entries sharing compressed data (the overlapping zip bomb) are ARCHIVE_ZIP_OVERLAPPING_ENTRIES', async () => {
  const zip = buildZip([{ name: 'a', content: 'same data' }, { name: 'a', content: 'same data', pointTo: 0 }]);
  const ids = findingIds(await readZip(zip, readContext()));
  assert.ok(ids.includes('ARCHIVE_ZIP_OVERLAPPING_ENTRIES'), ids.join());
});

test('a local entry the central directory does not list is ARCHIVE_ZIP_HIDDEN_ENTRY', async () => {
  const zip = buildZip([{ name: 'shown.txt', content: 'ok' }, { name: 'hidden.exe', content: 'MZ', hidden: true }]);
  const result = await readZip(zip, readContext());
  assert.deepEqual(findingIds(result), ['ARCHIVE_ZIP_HIDDEN_ENTRY']);
  assert.deepEqual(Object.keys(textByPath(result)), ['shown.txt']);
});

test('encrypted members are ARCHIVE_ENCRYPTED, with their names kept and no content', async () => {
  // Traditional PKWARE encryption: a 12-byte header precedes the (encrypted) data.
  const zip = buildZip([
    { name: 'secret.doc', content: 'abc', method: 0, flags: 0x1, data: Buffer.alloc(15, 0x55) },
    { name: 'plain.txt', content: 'p' },
  ]);
  const result = await readZip(zip, readContext());
  assert.deepEqual(findingIds(result), ['ARCHIVE_ENCRYPTED']);
  assert.deepEqual(textByPath(result), { 'secret.doc': undefined, 'plain.txt': 'p' });
  assert.match(result.findings[0]?.detail ?? '', /secret\.doc/);
});

test('a compression method that cannot be decoded is ARCHIVE_UNSUPPORTED_FORMAT, named', async () => {
  const result = await readZip(buildZip([{ name: 'x.bin', content: 'x', method: 14, data: Buffer.from('lzma?') }]), readContext());
  assert.deepEqual(findingIds(result), ['ARCHIVE_UNSUPPORTED_FORMAT']);
  assert.match(result.findings[0]?.detail ?? '', /LZMA/);
});

test('ratio bomb: a big member of zeros stops at the ratio limit, without decoding it all', async () => {
  const zip = buildZip([{ name: 'zeros.bin', content: Buffer.alloc(20 * 1024 * 1024) }]);
  const ctx = readContext();
  const result = await readZip(zip, ctx);
  assert.deepEqual(findingIds(result), ['SCAN_LIMIT_ARCHIVE_RATIO']);
  assert.equal(result.members[0]?.content, undefined);
  assert.ok(ctx.budget.expandedBytes <= 1024 * 1024, `decoded ${ctx.budget.expandedBytes}`);
});

test('a member that lies about its size is refused while decoding (declared small, actually big)', async () => {
  const content = Buffer.alloc(3 * 1024 * 1024, 0x61);
  const zip = buildZip([{ name: 'liar.txt', content, declaredSize: 10 }]);
  const ctx = readContext({ maxRatio: 1e6 });
  const result = await readZip(zip, ctx);
  assert.deepEqual(findingIds(result), ['ARCHIVE_CORRUPT']);
  assert.equal(result.members[0]?.content, undefined);
});

test('member size: a declared size over the limit is refused before decoding', async () => {
  const ctx = readContext({ maxMemberBytes: 1000, maxRatio: 1e6 });
  const result = await readZip(buildZip([{ name: 'big', content: Buffer.alloc(5000, 1) }]), ctx);
  assert.deepEqual(findingIds(result), ['SCAN_LIMIT_ARCHIVE_MEMBER_BYTES']);
  assert.equal(ctx.budget.expandedBytes, 0);
});

test('many entries: reading stops at the entry limit', async () => {
  const zip = buildZip(Array.from({ length: 50 }, (_, i) => ({ name: `f${i}`, content: 'x', method: 0 })));
  const result = await readZip(zip, readContext({ maxEntries: 20 }));
  assert.deepEqual(findingIds(result), ['SCAN_LIMIT_ARCHIVE_ENTRIES']);
  assert.equal(result.members.length, 20);
});

test('damage: a truncated zip and a corrupt deflate stream are ARCHIVE_CORRUPT', async () => {
  const zip = buildZip([{ name: 'a.txt', content: 'hello '.repeat(50) }]);
  assert.deepEqual(findingIds(await readZip(zip.subarray(0, zip.length - 10), readContext())), ['ARCHIVE_CORRUPT']);
  const broken = buildZip([{ name: 'a.txt', content: 'hello', data: Buffer.from([0xff, 0xff, 0xff, 0xff]) }]);
  assert.deepEqual(findingIds(await readZip(broken, readContext())), ['ARCHIVE_CORRUPT']);
});

/** Limits small enough that random zips reach them. */
const SMALL = { maxEntries: 8, maxMemberBytes: 4096, maxExpandedBytes: 8192, maxRatio: 20, ratioFloorBytes: 512 };

const entryArb = fc.record({
  name: fc.oneof(fc.string({ maxLength: 20 }), fc.uint8Array({ maxLength: 20 })),
  content: fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.nat(6000).map((n) => Buffer.alloc(n))),
  method: fc.constantFrom(0, 8, 8, 12, 99),
  flags: fc.constantFrom(0, 0, 0, 1, 0x800),
});

function assertBounded(result: Awaited<ReturnType<typeof readZip>>, expanded: number): void {
  const kept = result.members.reduce((sum, m) => sum + (m.content?.length ?? 0), 0);
  assert.ok(kept <= SMALL.maxExpandedBytes, `kept ${kept}`);
  assert.ok(expanded <= SMALL.maxExpandedBytes);
  for (const m of result.members) assert.ok((m.content?.length ?? 0) <= SMALL.maxMemberBytes);
  if (result.members.length > SMALL.maxEntries) assert.fail('more members than entries allowed');
  for (const f of result.findings) assert.match(f.id, /^(SCAN_LIMIT_ARCHIVE_|ARCHIVE_)/);
  // Never silent: a file member without content is explained by a finding.
  if (result.members.some((m) => m.content === undefined && !m.path.endsWith('/'))) assert.ok(result.findings.length > 0, 'unread member without a finding');
}

test('property: random zips, and random mutations of valid zips, always give a bounded result', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(entryArb, { maxLength: 10 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }), fc.nat(), async (entries, flips, cut) => {
      const zip = buildZip(entries.map((e) => (e.method === 12 || e.method === 99 ? { ...e, data: deflateRawSync(e.content) } : e)));
      const mutated = Buffer.from(zip);
      for (const [at, byte] of flips) mutated[at % mutated.length] = byte;
      for (const data of [zip, mutated, mutated.subarray(0, cut % (mutated.length + 1))]) {
        const ctx = readContext(SMALL);
        const result = await readZip(data, ctx);
        assertBounded(result, ctx.budget.expandedBytes);
        // Entries that were not all read are always explained.
        if (data === zip && result.members.length < entries.length) assert.ok(result.findings.length > 0, 'entries dropped silently');
      }
    }),
    { numRuns: 500 },
  );
});

test('property: arbitrary bytes after a zip signature give a result, never an exception', async () => {
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), async (tail) => {
      const data = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), tail]);
      const ctx = readContext(SMALL);
      assertBounded(await readZip(data, ctx), ctx.budget.expandedBytes);
    }),
    { numRuns: 1000 },
  );
});
