// 7z and rar through libarchive in WebAssembly, on the committed fixtures of
// test/fixtures/archives (made by its make-fixtures.sh): members and names, encrypted members
// and encrypted headers, damage, the limits (declared and while decoding), a zip inside a 7z
// expanded by the archive-contents analyzer, `portcullis scan` on a message with a 7z attached
// (so inside real sandbox processes under the permission model); and a property test: mutated
// and truncated archives and random bytes after the signatures always give a bounded result.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import type { ScannedFile } from '../../../src/scan/analyzer.js';
import { createArchiveContents } from '../../../src/scan/analyzers/archive-contents.js';
import type { ArchiveReadResult } from '../../../src/scan/archive/archive-read-result.js';
import { readArchive } from '../../../src/scan/archive/read-archive.js';
import { runScan, type ScanIo } from '../../../src/cli/scan.js';
import { projectRoot } from '../../helpers/project-root.js';
import { contextFor, crlf } from '../analyzer-context.js';
import { findingIds, readContext } from './read-context.js';

const FIXTURES = join(projectRoot(import.meta.url), 'test', 'fixtures', 'archives');
const fixture = (name: string): Buffer => readFileSync(join(FIXTURES, name));
const SHELL_NAME = '`echo aWQ= | base64 -d | sh`.txt';
const NOTE = 'not a threat, only a member with a crafted name\n';
const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');
/** The members' paths and contents' sha256 ('' for a member without content), sorted by path. */
const listing = (result: ArchiveReadResult): Array<[string, string]> =>
  result.members.map((m): [string, string] => [m.path, m.content ? sha256(m.content) : '']).sort(([a], [b]) => a.localeCompare(b));

const read = (name: string, limits = {}): Promise<ArchiveReadResult> => readArchive(name.endsWith('.7z') ? '7z' : 'rar', fixture(name), readContext(limits, name));

test('7z (LZMA2), RAR 4 and RAR5 give the same members, names and bytes', async () => {
  const expected = await read('lzma2.7z');
  assert.deepEqual(findingIds(expected), []);
  const exe = expected.members.find((m) => m.path === 'setup.exe');
  assert.equal(exe?.content?.length, 512);
  assert.equal(Buffer.from(exe?.content ?? []).subarray(0, 2).toString(), 'MZ');
  assert.equal(Buffer.from(expected.members.find((m) => m.path === SHELL_NAME)?.content ?? []).toString(), NOTE);
  assert.deepEqual(
    expected.members.map((m) => m.names),
    expected.members.map((m) => [m.path]),
  );
  for (const name of ['rar4-stored.rar', 'rar5-stored.rar']) {
    const result = await read(name);
    assert.deepEqual(findingIds(result), [], name);
    assert.deepEqual(listing(result), listing(expected), name);
  }
});

test('encrypted members are ARCHIVE_ENCRYPTED, listed by name without content', async () => {
  for (const name of ['encrypted.7z', 'rar4-encrypted.rar', 'rar5-encrypted.rar']) {
    const result = await read(name);
    assert.deepEqual(findingIds(result), ['ARCHIVE_ENCRYPTED'], name);
    assert.match(result.findings[0]?.detail ?? '', /1 member\(s\), e\.g\. "(src\/)?setup\.exe" encrypted/, name);
    assert.deepEqual(
      result.members.map((m) => [m.path.replace(/^src\//, ''), m.content]),
      [['setup.exe', undefined]],
      name,
    );
  }
});

test('encrypted headers are ARCHIVE_ENCRYPTED, with no member to show', async () => {
  for (const name of ['encrypted-headers.7z', 'rar4-encrypted-headers.rar', 'rar5-encrypted-headers.rar']) {
    const result = await read(name);
    assert.deepEqual(findingIds(result), ['ARCHIVE_ENCRYPTED'], name);
    assert.match(result.findings[0]?.detail ?? '', /headers are encrypted/, name);
    assert.deepEqual(result.members, [], name);
  }
});

test('damaged and truncated archives are ARCHIVE_CORRUPT, never a clean empty result', async () => {
  const damaged = await read('corrupt.7z');
  assert.deepEqual([...new Set(findingIds(damaged))], ['ARCHIVE_CORRUPT']);
  assert.match(damaged.findings[0]?.detail ?? '', /cannot be decoded/);
  for (const name of ['lzma2.7z', 'rar4-stored.rar', 'rar5-stored.rar']) {
    const whole = fixture(name);
    for (const cut of [12, 40, whole.length - 30]) {
      const result = await readArchive(name.endsWith('.7z') ? '7z' : 'rar', whole.subarray(0, cut), readContext());
      assert.ok(findingIds(result).includes('ARCHIVE_CORRUPT'), `${name} cut at ${cut}: ${findingIds(result).join()}`);
    }
  }
});

test('limits: a declared size over a limit is refused before decoding; entries are counted', async () => {
  const ctx = readContext();
  const bomb = await readArchive('7z', fixture('zeros.7z'), ctx);
  assert.deepEqual(findingIds(bomb), ['SCAN_LIMIT_ARCHIVE_RATIO']);
  assert.equal(ctx.budget.expandedBytes, 0);
  assert.deepEqual(
    bomb.members.map((m) => [m.path, m.content]),
    [['zeros', undefined]],
  );
  const big = await read('zeros.7z', { maxRatio: 10_000, maxMemberBytes: 1024 * 1024 });
  assert.deepEqual(findingIds(big), ['SCAN_LIMIT_ARCHIVE_MEMBER_BYTES']);
  const fits = await read('zeros.7z', { maxRatio: 10_000 });
  assert.deepEqual([findingIds(fits), fits.members[0]?.content?.length], [[], 2 * 1024 * 1024]);
  for (const name of ['lzma2.7z', 'rar5-stored.rar']) {
    const few = await read(name, { maxEntries: 1 });
    assert.deepEqual([findingIds(few), few.members.length], [['SCAN_LIMIT_ARCHIVE_ENTRIES'], 1], name);
  }
});

test('limits: a member that holds more than it declares is metered while it decodes', async () => {
  const ctx = readContext({ maxMemberBytes: 1000 });
  const result = await readArchive('rar', fixture('rar4-understated-size.rar'), ctx);
  assert.deepEqual(findingIds(result), ['SCAN_LIMIT_ARCHIVE_MEMBER_BYTES']);
  assert.equal(ctx.budget.expandedBytes, 0, 'the refused block is not counted');
  const whole = await read('rar4-understated-size.rar');
  assert.deepEqual([findingIds(whole), whole.members[0]?.content?.length], [[], 8192]);
});

test('a RAR5 member of undeclared size, which libarchive cannot read, is ARCHIVE_CORRUPT', async () => {
  const result = await read('rar5-unknown-size.rar');
  assert.deepEqual(findingIds(result), ['ARCHIVE_CORRUPT']);
  assert.match(result.findings[0]?.detail ?? '', /unknown unpacked size/);
});

test('a zip inside a 7z is expanded by archive-contents, names analysed on the way', async () => {
  const ctx = contextFor(crlf('From: a@example.org', 'Subject: x', '', 'body', ''));
  const outer = fixture('nested.7z');
  ctx.facts.files.push({ name: 'bundle.7z', container: [], content: outer, sha256: sha256(outer) });
  assert.deepEqual(await createArchiveContents().analyze(ctx), []);
  const seen = ctx.facts.files.map((f: ScannedFile) => [f.container.join(' > '), f.name, f.content.length]);
  assert.deepEqual(seen, [
    ['', 'bundle.7z', outer.length],
    ['bundle.7z', 'docs.zip', 148],
    ['bundle.7z > docs.zip', 'invoice.exe', 512],
  ]);

  const shell = contextFor(crlf('From: a@example.org', 'Subject: x', '', 'body', ''));
  const rar = fixture('rar5-stored.rar');
  shell.facts.files.push({ name: 'a.rar', container: [], content: rar, sha256: sha256(rar) });
  const findings = await createArchiveContents().analyze(shell);
  assert.deepEqual(findingIds({ members: [], findings }), ['ARCHIVE_MEMBER_SHELL_METACHARS']);
  assert.match(findings[0]?.detail ?? '', /backtick command substitution/);
});

test('portcullis scan: the .exe inside a 7z attachment is found by its true type, in the sandbox', async () => {
  const lines: string[] = [];
  const io: ScanIo = { out: (l) => lines.push(l), err: () => undefined };
  const code = await runScan([join(FIXTURES, '7z-attachment.eml')], { direction: 'inbound', json: true }, io);
  assert.equal(code, 0);
  const verdict = JSON.parse(lines[0] ?? '{}') as { action: string; findings: Array<{ id: string; detail: string }> };
  const exe = verdict.findings.find((f) => f.id === 'FILE_EXECUTABLE');
  assert.match(exe?.detail ?? '', /"files\.7z" > "setup\.exe" is executable/);
  assert.ok(verdict.findings.some((f) => f.id === 'ARCHIVE_MEMBER_SHELL_METACHARS'));
  assert.notEqual(verdict.action, 'accept');
});

/** Limits small enough that mutated fixtures reach them. */
const SMALL = { maxEntries: 8, maxMemberBytes: 4096, maxExpandedBytes: 8192, maxRatio: 20, ratioFloorBytes: 512 };

function assertBounded(result: ArchiveReadResult, expanded: number): void {
  const kept = result.members.reduce((sum, m) => sum + (m.content?.length ?? 0), 0);
  assert.ok(kept <= SMALL.maxExpandedBytes && expanded <= SMALL.maxExpandedBytes, `kept ${kept}, counted ${expanded}`);
  for (const m of result.members) assert.ok((m.content?.length ?? 0) <= SMALL.maxMemberBytes);
  assert.ok(result.members.length <= SMALL.maxEntries);
  for (const f of result.findings) assert.match(f.id, /^(SCAN_LIMIT_ARCHIVE_|ARCHIVE_)/);
}

test('property: mutated and truncated 7z and rar archives always give a bounded result, never an exception', async () => {
  const samples = ['lzma2.7z', 'nested.7z', 'zeros.7z', 'encrypted.7z', 'rar4-stored.rar', 'rar5-stored.rar', 'rar5-encrypted.rar'].map((name) => ({ name, data: fixture(name) }));
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...samples), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }), fc.nat(), async ({ name, data }, flips, cut) => {
      const mutated = Buffer.from(data);
      for (const [at, byte] of flips) mutated[at % mutated.length] = byte;
      for (const bytes of [mutated, mutated.subarray(0, cut % (mutated.length + 1))]) {
        const ctx = readContext(SMALL);
        const result = await readArchive(name.endsWith('.7z') ? '7z' : 'rar', bytes, ctx);
        assertBounded(result, ctx.budget.expandedBytes);
      }
    }),
    { numRuns: 150 },
  );
});

test('property: arbitrary bytes after a 7z or rar signature give a result, never an exception', async () => {
  const signatures = [
    { format: '7z' as const, magic: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c] },
    { format: 'rar' as const, magic: [0x52, 0x61, 0x72, 0x21, 0x1a, 0x07, 0x00] },
    { format: 'rar' as const, magic: [0x52, 0x61, 0x72, 0x21, 0x1a, 0x07, 0x01, 0x00] },
  ];
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...signatures), fc.uint8Array({ maxLength: 300 }), async ({ format, magic }, tail) => {
      const ctx = readContext(SMALL);
      const result = await readArchive(format, Buffer.concat([Buffer.from(magic), tail]), ctx);
      assertBounded(result, ctx.budget.expandedBytes);
      // Random bytes are never a clean, empty archive.
      if (result.members.length === 0) assert.ok(result.findings.length > 0, 'nothing read and nothing said');
    }),
    { numRuns: 150 },
  );
});
