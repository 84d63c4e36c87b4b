// The archive-contents analyzer: archives found by bytes (not names) among the message's files,
// members appended to facts.files with their container chain and sha256, nested archives
// opened by the same walk up to the depth limit, one budget per message, one name finding per
// id and archive; and the policy: shell metacharacters reject, limits and unscannable content
// quarantine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { AnalyzerContext, ScannedFile } from '../../../src/scan/analyzer.js';
import { archiveContents, createArchiveContents } from '../../../src/scan/analyzers/archive-contents.js';
import { decide } from '../../../src/policy/decide.js';
import { parseConfig } from '../../../src/config/load.js';
import { contextFor, crlf } from '../analyzer-context.js';
import { buildTar } from '../archive/tar-builder.js';
import { buildZip } from '../archive/zip-builder.js';

function file(name: string | undefined, content: Uint8Array): ScannedFile {
  return { ...(name !== undefined ? { name } : {}), container: [], content, sha256: createHash('sha256').update(content).digest('hex') };
}

function contextWith(...files: ScannedFile[]): AnalyzerContext {
  const ctx = contextFor(crlf('From: a@example.org', 'Subject: x', '', 'body', ''));
  ctx.facts.files.push(...files);
  return ctx;
}

const ids = (findings: readonly { id: string }[]): string[] => findings.map((f) => f.id).sort();

test('members are appended with container chain and sha256; nested archives are opened too', async () => {
  const inner = await buildTar([{ name: 'deep/readme.txt', content: 'deep' }]);
  const zip = buildZip([{ name: 'top.txt', content: 'top' }, { name: 'inner.tar.gz', content: gzipSync(inner) }]);
  const ctx = contextWith(file('bundle.zip', zip));
  assert.deepEqual(await archiveContents.analyze(ctx), []);
  const seen = ctx.facts.files.map((f) => [f.container.join(' > '), f.name]);
  assert.deepEqual(seen, [
    ['', 'bundle.zip'],
    ['bundle.zip', 'top.txt'],
    ['bundle.zip', 'inner.tar.gz'],
    ['bundle.zip > inner.tar.gz', 'inner.tar'],
    ['bundle.zip > inner.tar.gz > inner.tar', 'deep/readme.txt'],
  ]);
  const deep = ctx.facts.files.at(-1) as ScannedFile;
  assert.equal(Buffer.from(deep.content).toString(), 'deep');
  assert.equal(deep.sha256, createHash('sha256').update('deep').digest('hex'));
});

test('archives are found by their bytes: a zip named .pdf is opened, a .zip that is text is not', async () => {
  const ctx = contextWith(file('invoice.pdf', buildZip([{ name: '$(reboot)', content: 'x' }])), file('fake.zip', Buffer.from('just text')));
  assert.deepEqual(ids(await archiveContents.analyze(ctx)), ['ARCHIVE_MEMBER_SHELL_METACHARS']);
  assert.equal(ctx.facts.files.length, 3);
});

test('name findings: one per id and archive, counting members, names escaped in the detail', async () => {
  const zip = buildZip([
    { name: '`id`.txt', content: '1' },
    { name: 'a;rm -rf /', content: '2' },
    { name: '../x', content: '3' },
    { name: 'new\nline', content: '4' },
    { name: 'fine.txt', content: '5' },
  ]);
  const findings = await archiveContents.analyze(contextWith(file('a.zip', zip)));
  assert.deepEqual(ids(findings), ['ARCHIVE_MEMBER_CONTROL_CHARS', 'ARCHIVE_MEMBER_PATH_TRAVERSAL', 'ARCHIVE_MEMBER_SHELL_METACHARS']);
  const shell = findings.find((f) => f.id === 'ARCHIVE_MEMBER_SHELL_METACHARS');
  assert.match(shell?.detail ?? '', /^"a\.zip": 2 member name\(s\)/);
  const control = findings.find((f) => f.id === 'ARCHIVE_MEMBER_CONTROL_CHARS');
  assert.ok(!/\n/.test(control?.detail ?? '\n'), 'no raw line break in a detail');
  assert.match(control?.detail ?? '', /new\\nline/);
});

test('depth limit: nesting beyond maxDepth is SCAN_LIMIT_ARCHIVE_DEPTH and not opened', async () => {
  let nested: Buffer = buildZip([{ name: 'core.txt', content: 'core' }]);
  for (let level = 0; level < 4; level++) nested = buildZip([{ name: `level${level}.zip`, content: nested }]);
  const ctx = contextWith(file('matryoshka.zip', nested));
  const findings = await createArchiveContents({ maxDepth: 3 }).analyze(ctx);
  assert.deepEqual(ids(findings), ['SCAN_LIMIT_ARCHIVE_DEPTH']);
  assert.ok(!ctx.facts.files.some((f) => f.name === 'core.txt'));
  // With the default depth the same file is read to the core.
  const all = contextWith(file('matryoshka.zip', nested));
  assert.deepEqual(await archiveContents.analyze(all), []);
  assert.ok(all.facts.files.some((f) => f.name === 'core.txt'));
});

test('one budget per message: two archives together cross the expanded-bytes limit', async () => {
  const zip = buildZip([{ name: 'a.bin', content: Buffer.alloc(6000, 1), method: 0 }]);
  const analyzer = createArchiveContents({ maxExpandedBytes: 10_000 });
  assert.deepEqual(ids(await analyzer.analyze(contextWith(file('one.zip', zip)))), []);
  assert.deepEqual(ids(await analyzer.analyze(contextWith(file('one.zip', zip), file('two.zip', zip)))), ['SCAN_LIMIT_ARCHIVE_EXPANDED_BYTES']);
});

test('bombs: ratio and entries', async () => {
  const ratio = await archiveContents.analyze(contextWith(file('zeros.zip', buildZip([{ name: 'z', content: Buffer.alloc(16 * 1024 * 1024) }]))));
  assert.deepEqual(ids(ratio), ['SCAN_LIMIT_ARCHIVE_RATIO']);
  const many = buildZip(Array.from({ length: 40 }, (_, i) => ({ name: `f${i}.txt`, content: 'x', method: 0 })));
  assert.deepEqual(ids(await createArchiveContents({ maxEntries: 25 }).analyze(contextWith(file('many.zip', many)))), ['SCAN_LIMIT_ARCHIVE_ENTRIES']);
});

test('a cab is ARCHIVE_UNSUPPORTED_FORMAT, a 7z cut after its signature ARCHIVE_CORRUPT; an unnamed attachment is shown as such', async () => {
  const findings = await archiveContents.analyze(contextWith(file(undefined, Buffer.from([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c, 0, 4, 1, 2])), file('b.cab', Buffer.from('MSCF\0\0\0\0', 'latin1'))));
  assert.deepEqual(ids(findings), ['ARCHIVE_CORRUPT', 'ARCHIVE_UNSUPPORTED_FORMAT']);
  assert.match(findings[0]?.detail ?? '', /^"\(unnamed\)": the 7z structure is invalid/);
});

test('an aborted scan stops with SCAN_LIMIT_TIME', async () => {
  const ctx = contextWith(file('a.zip', buildZip([{ name: 'a', content: 'a' }])));
  const controller = new AbortController();
  controller.abort();
  const findings = await archiveContents.analyze({ ...ctx, signal: controller.signal });
  assert.deepEqual(ids(findings), ['SCAN_LIMIT_TIME']);
});

test('a limit of 0 or NaN is refused when the analyzer is built', () => {
  assert.throws(() => createArchiveContents({ maxDepth: 0 }), RangeError);
  assert.throws(() => createArchiveContents({ maxExpandedBytes: Number.NaN }), RangeError);
});

test('default policy: shell metacharacters reject; traversal, encryption, corruption, limits quarantine', () => {
  const policy = parseConfig({}, 'test').policy;
  const envelope = contextFor('x').envelope;
  const actionOf = (id: string) => decide([{ id, detail: 'x' }], envelope, policy).action;
  assert.equal(actionOf('ARCHIVE_MEMBER_SHELL_METACHARS'), 'reject');
  for (const id of ['ARCHIVE_MEMBER_PATH_TRAVERSAL', 'ARCHIVE_ENCRYPTED', 'ARCHIVE_UNSUPPORTED_FORMAT', 'ARCHIVE_CORRUPT', 'ARCHIVE_ZIP_NAME_MISMATCH', 'ARCHIVE_ZIP_OVERLAPPING_ENTRIES', 'ARCHIVE_ZIP_HIDDEN_ENTRY', 'SCAN_LIMIT_ARCHIVE_RATIO', 'SCAN_LIMIT_ARCHIVE_DEPTH', 'SCAN_LIMIT_ARCHIVE_ENTRIES', 'SCAN_LIMIT_ARCHIVE_EXPANDED_BYTES', 'SCAN_LIMIT_ARCHIVE_MEMBER_BYTES']) {
    assert.equal(actionOf(id), 'quarantine', id);
  }
  assert.equal(actionOf('ARCHIVE_MEMBER_CONTROL_CHARS'), 'tag');
});
