import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ScannedFile } from '../../../src/scan/analyzer.js';
import type { Finding } from '../../../src/core/finding.js';
import { fileTypes, MAX_FILES_IN_DETAIL } from '../../../src/scan/analyzers/file-types.js';
import { decide } from '../../../src/policy/decide.js';
import { configSchema } from '../../../src/config/schema.js';
import { contextFor, crlf, testEnvelope } from '../analyzer-context.js';
import { enc, HTA_SAMPLE, isoFile, lnkFile, oneNoteFile, pdfFile, peFile, pngFile, PROSE, SCRIPTS, zipFile } from '../file-type/samples.js';

const policy = configSchema.parse({}).policy;

function file(name: string | undefined, content: Uint8Array, extra: Partial<ScannedFile> = {}): ScannedFile {
  return { ...(name === undefined ? {} : { name }), container: [], content, sha256: '0'.repeat(64), ...extra };
}

async function run(...files: ScannedFile[]): Promise<{ findings: readonly Finding[]; files: readonly ScannedFile[] }> {
  const ctx = contextFor(crlf('Subject: t', '', 'x'));
  ctx.facts.files.length = 0;
  ctx.facts.files.push(...files);
  return { findings: await fileTypes.analyze(ctx), files: ctx.facts.files };
}

const ids = (findings: readonly Finding[]): string[] => findings.map((f) => f.id).sort();

test('benign names and types give nothing, and the detected type is recorded on each file', async () => {
  const { findings, files } = await run(
    file('report.final.pdf', pdfFile(), { declaredType: 'application/octet-stream' }),
    file('photo.jpeg', pngFile(), { declaredType: 'image/jpeg' }),
    file('archive.tar.gz', new Uint8Array([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3])),
    file('notes.txt', enc(PROSE), { declaredType: 'text/plain' }),
    file('page.html', enc('<html><body><p>hi</p></body></html>'), { declaredType: 'text/plain' }),
    file('data.zip', zipFile([['a.txt', 'a']]), { declaredType: 'application/zip' }),
  );
  assert.deepEqual(findings, []);
  assert.deepEqual(files.map((f) => f.detectedType?.ext), ['pdf', 'png', 'gz', 'txt', 'html', 'zip']);
});

test('an executable by true type whatever its name, with the mismatch and the container chain', async () => {
  const { findings } = await run(file('holiday.jpg', peFile(), { container: ['photos.zip', 'inner.tar'] }));
  assert.deepEqual(ids(findings), ['FILE_EXECUTABLE', 'FILE_TYPE_MISMATCH']);
  const exe = findings.find((f) => f.id === 'FILE_EXECUTABLE');
  assert.equal(exe?.detail, '"photos.zip" > "inner.tar" > "holiday.jpg" is executable application/x-msdownload (.exe)');
  assert.match(findings.find((f) => f.id === 'FILE_TYPE_MISMATCH')?.detail ?? '', /named \.jpg \(image\) but is executable/);
});

test('double extension and RTLO names, with the dangerous extension', async () => {
  const { findings } = await run(file('invoice.pdf.exe', peFile()), file('scan.doc      .js', enc(SCRIPTS.jscript)), file('invoice\u202Efdp.scr', peFile()));
  assert.deepEqual(ids(findings), ['FILE_DOUBLE_EXTENSION', 'FILE_EXECUTABLE', 'FILE_EXTENSION_DANGEROUS', 'FILE_NAME_INVISIBLE_CHARS', 'FILE_NAME_RTLO', 'FILE_SCRIPT']);
  const rtlo = findings.find((f) => f.id === 'FILE_NAME_RTLO');
  assert.match(rtlo?.detail ?? '', /invoice\\u202efdp\.scr/);
  assert.doesNotMatch(rtlo?.detail ?? '', /\u202e/);
  assert.match(findings.find((f) => f.id === 'FILE_DOUBLE_EXTENSION')?.detail ?? '', /"invoice\.pdf\.exe" poses as \.pdf but ends in \.exe; "scan\.doc {6}\.js" poses as \.doc but ends in \.js/);
});

test('a dangerous extension is reported even when the bytes are not recognised', async () => {
  const { findings } = await run(file('setup.exe', new Uint8Array([0, 1, 2, 3, 0xfe, 0, 9])));
  assert.deepEqual(ids(findings), ['FILE_EXTENSION_DANGEROUS']);
});

test('LNK, HTA, OneNote and disk images have their own ids instead of the generic kind', async () => {
  const { findings } = await run(file('doc.lnk', lnkFile()), file('a.hta', enc(HTA_SAMPLE)), file('notes.one', oneNoteFile()), file('invoice.iso', isoFile()));
  assert.deepEqual(ids(findings), ['FILE_DISK_IMAGE', 'FILE_EXTENSION_DANGEROUS', 'FILE_HTA', 'FILE_LNK', 'FILE_ONENOTE']);
  assert.match(findings.find((f) => f.id === 'FILE_EXTENSION_DANGEROUS')?.detail ?? '', /"doc\.lnk".*"a\.hta".*"notes\.one".*"invoice\.iso"/);
});

test('a declared type that disagrees in a way that matters is a mismatch; a generic one is not', async () => {
  const declaredPdf = await run(file(undefined, zipFile([['a.txt', 'a']]), { declaredType: 'application/pdf' }));
  assert.deepEqual(ids(declaredPdf.findings), ['FILE_TYPE_MISMATCH']);
  assert.match(declaredPdf.findings[0]?.detail ?? '', /^\(unnamed\) is declared "application\/pdf" \(document\) but is archive application\/zip/);
  assert.deepEqual((await run(file(undefined, pdfFile(), { declaredType: 'application/octet-stream' }))).findings, []);
  assert.deepEqual((await run(file('a.docx', zipFile([['word/document.xml', '<w/>']])))).findings, []);
});

test('one finding per id, listing at most MAX_FILES_IN_DETAIL files', async () => {
  const many = Array.from({ length: MAX_FILES_IN_DETAIL + 3 }, (_, i) => file(`f${i}.pdf.exe`, new Uint8Array([0, 1])));
  const { findings } = await run(...many);
  const double = findings.filter((f) => f.id === 'FILE_DOUBLE_EXTENSION');
  assert.equal(double.length, 1);
  assert.match(double[0]?.detail ?? '', / and 3 more$/);
});

test('default policy: true-type executables and scripts quarantine; one name trick tags; two quarantine', async () => {
  const exe = await run(file('a.txt', peFile()));
  assert.equal(decide(exe.findings, testEnvelope, policy).action, 'quarantine');
  assert.equal(decide((await run(file('x.txt', enc(SCRIPTS.powershell)))).findings, testEnvelope, policy).action, 'quarantine');
  const rtlo = await run(file('photo\u202Egnp.txt', enc(PROSE)));
  assert.deepEqual(ids(rtlo.findings), ['FILE_NAME_RTLO']);
  assert.equal(decide(rtlo.findings, testEnvelope, policy).action, 'tag');
  const two = await run(file('photo\u202Egnp.txt', enc(PROSE)), file('b.pdf', zipFile([['a', 'b']])));
  assert.equal(decide(two.findings, testEnvelope, policy).action, 'quarantine');
});
