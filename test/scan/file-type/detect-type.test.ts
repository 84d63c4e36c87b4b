import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { detectType, UNKNOWN_TYPE } from '../../../src/scan/file-type/detect-type.js';
import {
  chmFile, compoundFile, elfFile, enc, HTA_SAMPLE, HTA_SCRIPT_ONLY, HTML_PAGE, isoFile, lnkFile, machOFile, MSI_CLSID, oneNoteFile,
  pdfFile, peFile, pngFile, PROSE, SCRIPTS, udfFile, zipFile,
} from './samples.js';

test('PE files are executables, DLLs told from EXEs', async () => {
  assert.deepEqual(await detectType(peFile()), { mime: 'application/x-msdownload', ext: 'exe', kind: 'executable' });
  assert.deepEqual(await detectType(peFile(true)), { mime: 'application/x-msdownload', ext: 'dll', kind: 'executable' });
});

test('"MZ" at the start of text is not a DOS program; with binary header words it is', async () => {
  assert.equal((await detectType(enc('MZ-2 engine manual, chapter one.\n'))).kind, 'text');
  const dos = new Uint8Array(64);
  dos.set([0x4d, 0x5a, 0x90, 0, 3, 0, 0, 0]);
  assert.deepEqual(await detectType(dos), { mime: 'application/x-dosexec', ext: 'exe', kind: 'executable' });
});

test('ELF and every Mach-O magic are executables; a Java class too, told from a fat binary', async () => {
  assert.equal((await detectType(elfFile())).ext, 'elf');
  for (const magic of [[0xfe, 0xed, 0xfa, 0xce], [0xfe, 0xed, 0xfa, 0xcf], [0xce, 0xfa, 0xed, 0xfe], [0xcf, 0xfa, 0xed, 0xfe],
    [0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 2], [0xbe, 0xba, 0xfe, 0xca, 2, 0, 0, 0], [0xca, 0xfe, 0xba, 0xbf, 0, 0, 0, 1]]) {
    assert.deepEqual(await detectType(machOFile(magic)), { mime: 'application/x-mach-binary', ext: 'macho', kind: 'executable' }, magic.join(','));
  }
  assert.deepEqual(await detectType(machOFile([0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 0x34])), { mime: 'application/java-vm', ext: 'class', kind: 'executable' });
});

test('LNK, OneNote, CHM', async () => {
  assert.deepEqual(await detectType(lnkFile()), { mime: 'application/x-ms-shortcut', ext: 'lnk', kind: 'executable' });
  assert.deepEqual(await detectType(oneNoteFile()), { mime: 'application/onenote', ext: 'one', kind: 'document' });
  assert.deepEqual(await detectType(chmFile()), { mime: 'application/vnd.ms-htmlhelp', ext: 'chm', kind: 'executable' });
});

test('ISO9660 at 0x8001 and UDF volume recognition are disk images', async () => {
  assert.deepEqual(await detectType(isoFile()), { mime: 'application/x-iso9660-image', ext: 'iso', kind: 'disk-image' });
  assert.deepEqual(await detectType(udfFile()), { mime: 'application/x-udf-image', ext: 'udf', kind: 'disk-image' });
  const vhd = new Uint8Array(1024);
  vhd.set(enc('conectix'), 512);
  assert.equal((await detectType(vhd)).ext, 'vhd');
  const floppy = new Uint8Array(1024);
  floppy.set(enc('FAT12   '), 0x36);
  floppy.set([0x55, 0xaa], 510);
  assert.deepEqual(await detectType(floppy), { mime: 'application/x-raw-disk-image', ext: 'img', kind: 'disk-image' });
});

test('an OLE file is a document unless its root CLSID says MSI', async () => {
  assert.deepEqual(await detectType(compoundFile(MSI_CLSID)), { mime: 'application/x-msi', ext: 'msi', kind: 'executable' });
  assert.deepEqual(await detectType(compoundFile()), { mime: 'application/x-cfb', ext: 'cfb', kind: 'document' });
  assert.equal((await detectType(compoundFile([0x06, 0x09, 0x02, 0x00]))).ext, 'doc');
});

test('zips holding a Java manifest, dex code or an MSIX manifest are executables; a plain zip is an archive', async () => {
  assert.deepEqual(await detectType(zipFile([['a.txt', 'x'], ['META-INF/MANIFEST.MF', 'Manifest-Version: 1.0\n']])), { mime: 'application/java-archive', ext: 'jar', kind: 'executable' });
  assert.equal((await detectType(zipFile([['AndroidManifest.xml', '<x/>'], ['classes.dex', 'dex\n035']]))).ext, 'apk');
  assert.equal((await detectType(zipFile([['AppxManifest.xml', '<x/>']]))).ext, 'msix');
  assert.deepEqual(await detectType(zipFile([['report.txt', 'hello'], ['docs/META-INF/MANIFEST.MF', 'nested, not a jar']])), { mime: 'application/zip', ext: 'zip', kind: 'archive' });
});

test('scripts of each kind are found by content', async () => {
  const expected: Record<keyof typeof SCRIPTS, string> = {
    shell: 'sh', python: 'py', powershell: 'ps1', vbscript: 'vbs', jscript: 'js', javascript: 'js', batch: 'bat', batchAfterRemarks: 'bat', registry: 'reg',
  };
  for (const [name, text] of Object.entries(SCRIPTS) as [keyof typeof SCRIPTS, string][]) {
    const type = await detectType(enc(text));
    assert.equal(type.kind, 'script', name);
    assert.equal(type.ext, expected[name], name);
  }
  assert.equal((await detectType(enc(SCRIPTS.jscript))).mime, 'text/jscript');
});

test('a UTF-16 PowerShell script with a BOM is still a script', async () => {
  const body = new Uint8Array(Buffer.from(SCRIPTS.powershell, 'utf16le'));
  const type = await detectType(new Uint8Array([0xff, 0xfe, ...body]));
  assert.equal(type.ext, 'ps1');
});

test('a script padded with blanks past the sniffed head is still found by its tail', async () => {
  const padded = enc(`${' '.repeat(300 * 1024)}\n${SCRIPTS.vbscript}`);
  assert.equal((await detectType(padded)).ext, 'vbs');
});

test('HTA: the HTA:APPLICATION element, or HTML whose script drives WScript', async () => {
  assert.deepEqual(await detectType(enc(HTA_SAMPLE)), { mime: 'application/hta', ext: 'hta', kind: 'script' });
  assert.equal((await detectType(enc(HTA_SCRIPT_ONLY))).ext, 'hta');
});

test('ordinary text, HTML, PDF, PNG and ZIP are never executable or script', async () => {
  const cases: [string, Uint8Array, string][] = [
    ['prose', enc(PROSE), 'text'],
    ['html', enc(HTML_PAGE), 'document'],
    ['pdf', pdfFile(), 'document'],
    ['png', pngFile(), 'image'],
    ['zip', zipFile([['a.txt', 'hello']]), 'archive'],
    ['csv', enc('name,amount\nalice,12\nbob,7\n'), 'text'],
    ['json', enc('{"a": [1, 2, 3], "b": {"c": "d"}}\n'), 'text'],
  ];
  for (const [name, bytes, kind] of cases) {
    const type = await detectType(bytes);
    assert.equal(type.kind, kind, `${name}: ${JSON.stringify(type)}`);
  }
  assert.equal((await detectType(enc(HTML_PAGE))).mime, 'text/html');
});

test('unknown bytes and empty input are application/octet-stream', async () => {
  assert.deepEqual(await detectType(new Uint8Array(0)), UNKNOWN_TYPE);
  assert.deepEqual(await detectType(new Uint8Array([0x00, 0x01, 0x02, 0x03, 0xfe, 0x00, 0x10])), UNKNOWN_TYPE);
});

test('detectType never rejects on random bytes or on known magics with random tails', async () => {
  const magics = [peFile().subarray(0, 0x84), [0x7f, 0x45, 0x4c, 0x46], [0xca, 0xfe, 0xba, 0xbe], lnkFile().subarray(0, 20), compoundFile(MSI_CLSID).subarray(0, 0x40),
    [0x50, 0x4b, 0x03, 0x04], [0x50, 0x4b, 0x05, 0x06], [0x1f, 0x8b, 0x08], enc('%PDF-'), enc('ITSF'), [0x89, 0x50, 0x4e, 0x47], [0xff, 0xfe], enc('<html>')];
  const input = fc.oneof(
    fc.uint8Array({ maxLength: 4096 }),
    fc.tuple(fc.constantFrom(...magics), fc.uint8Array({ maxLength: 2048 })).map(([m, tail]) => new Uint8Array([...m, ...tail])),
    fc.string({ maxLength: 2000 }).map(enc),
  );
  await fc.assert(
    fc.asyncProperty(input, async (bytes) => {
      const type = await detectType(bytes);
      assert.equal(typeof type.mime, 'string');
      assert.ok(['executable', 'script', 'archive', 'document', 'image', 'text', 'disk-image', 'other'].includes(type.kind));
    }),
    { numRuns: 2000 },
  );
});
