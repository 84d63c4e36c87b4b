// The tar reader on tars built with tar-stream's pack API: members and names exactly as
// written (shell payloads included: they are strings, never commands), link targets kept for
// analysis, entry and member limits, damage; and a property test over random and mutated tars.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { readTar } from '../../../src/scan/archive/tar-reader.js';
import { findingIds, readContext, textByPath } from './read-context.js';
import { buildTar } from './tar-builder.js';

test('files, directories and hostile names are read as written', async () => {
  const tar = await buildTar([
    { name: 'docs/', type: 'directory' },
    { name: 'docs/a.txt', content: 'alpha' },
    { name: "'`echo aGk=|base64 -d|sh`.tar'", content: 'payload' },
    { name: 'x/$(touch /tmp/canary).txt', content: '' },
  ]);
  const result = await readTar(tar, readContext());
  assert.deepEqual(findingIds(result), []);
  assert.deepEqual(textByPath(result), { 'docs/': undefined, 'docs/a.txt': 'alpha', "'`echo aGk=|base64 -d|sh`.tar'": 'payload', 'x/$(touch /tmp/canary).txt': '' });
});

test('a long name (pax header) is read whole', async () => {
  const long = `${'d/'.repeat(80)}$(reboot).txt`;
  const result = await readTar(await buildTar([{ name: long, content: 'x' }]), readContext());
  assert.deepEqual(result.members.map((m) => m.path), [long]);
});

test('a symlink keeps its target among the names analysed', async () => {
  const result = await readTar(await buildTar([{ name: 'link', type: 'symlink', linkname: '../../../etc/passwd' }]), readContext());
  assert.deepEqual(result.members[0]?.names, ['link', '../../../etc/passwd']);
  assert.equal(result.members[0]?.content, undefined);
});

test('entries and member bytes are limited', async () => {
  const many = await buildTar(Array.from({ length: 30 }, (_, i) => ({ name: `f${i}`, content: 'x' })));
  const limited = await readTar(many, readContext({ maxEntries: 10 }));
  assert.deepEqual(findingIds(limited), ['SCAN_LIMIT_ARCHIVE_ENTRIES']);
  assert.equal(limited.members.length, 10);
  const big = await buildTar([{ name: 'big', content: Buffer.alloc(100_000) }, { name: 'after', content: 'x' }]);
  const refused = await readTar(big, readContext({ maxMemberBytes: 50_000 }));
  assert.deepEqual(findingIds(refused), ['SCAN_LIMIT_ARCHIVE_MEMBER_BYTES']);
  assert.equal(refused.members[0]?.content, undefined);
});

test('a truncated tar or a bad header checksum is ARCHIVE_CORRUPT after the members read so far', async () => {
  const tar = await buildTar([{ name: 'a.txt', content: 'alpha' }, { name: 'b.txt', content: 'b'.repeat(2000) }]);
  const truncated = await readTar(tar.subarray(0, 1024 + 512 + 100), readContext());
  assert.deepEqual(findingIds(truncated), ['ARCHIVE_CORRUPT']);
  assert.equal(textByPath(truncated)['a.txt'], 'alpha');
  const bad = Buffer.from(tar);
  bad[1024] = 0x41; // second header's name: checksum now wrong
  assert.deepEqual(findingIds(await readTar(bad, readContext())), ['ARCHIVE_CORRUPT']);
});

const SMALL = { maxEntries: 6, maxMemberBytes: 2000, maxExpandedBytes: 5000 };

test('property: random and mutated tars always give a bounded result, never an exception', async () => {
  const entry = fc.record({ name: fc.string({ minLength: 1, maxLength: 120 }), content: fc.uint8Array({ maxLength: 3000 }) });
  await fc.assert(
    fc.asyncProperty(fc.array(entry, { maxLength: 8 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }), fc.nat(), async (entries, flips, cut) => {
      const tar = await buildTar(entries);
      const mutated = Buffer.from(tar);
      for (const [at, byte] of flips) mutated[at % mutated.length] = byte;
      for (const data of [tar, mutated, mutated.subarray(0, cut % (mutated.length + 1))]) {
        const ctx = readContext(SMALL);
        const result = await readTar(data, ctx);
        assert.ok(ctx.budget.expandedBytes <= SMALL.maxExpandedBytes);
        assert.ok(result.members.length <= SMALL.maxEntries);
        for (const m of result.members) assert.ok((m.content?.length ?? 0) <= SMALL.maxMemberBytes);
        for (const f of result.findings) assert.match(f.id, /^(SCAN_LIMIT_ARCHIVE_|ARCHIVE_)/);
        if (data === tar && result.members.length < entries.length) assert.ok(result.findings.length > 0, 'entries dropped silently');
      }
    }),
    { numRuns: 500 },
  );
});
