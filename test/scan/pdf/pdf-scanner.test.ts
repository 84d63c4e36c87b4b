import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import fc from 'fast-check';
import { MAX_PDF_EMBEDDED_FILES, scanPdf } from '../../../src/scan/pdf/pdf-scanner.js';
import { decodeStream } from '../../../src/scan/pdf/pdf-filters.js';

const sample = Buffer.concat([
  Buffer.from('%PDF-1.5\n1 0 obj << /OpenAction << /S /JavaScript /JS (x) >> /URI (http://a.example/) >> endobj\n2 0 obj << /Type /ObjStm /Filter /FlateDecode /Length 20 >>\nstream\n'),
  deflateSync(Buffer.from('3 0 << /S /Launch /EF << /F 4 0 R >> >>')),
  Buffer.from('\nendstream endobj\n4 0 obj << /Type /EmbeddedFile /Filter /ASCII85Decode >>\nstream\n<~87cURD]i,"Ebo80~>\nendstream endobj\ntrailer << /Root 1 0 R >>'),
]);

test('ASCII85 and ASCIIHex decode; unknown filters are unsupported', () => {
  const a85 = decodeStream(Buffer.from('<~87cURD]i,"Ebo80~>'), ['ASCII85Decode'], 1024);
  assert.equal(a85.status === 'ok' ? Buffer.from(a85.bytes).toString() : '', 'Hello World!');
  const hex = decodeStream(Buffer.from('48 65 6C6C 6F>'), ['AHx'], 1024);
  assert.equal(hex.status === 'ok' ? Buffer.from(hex.bytes).toString() : '', 'Hello');
  assert.equal(decodeStream(Buffer.from('zzzz'), ['A85'], 8).status, 'limit');
  assert.equal(decodeStream(Buffer.from('x'), ['LZWDecode'], 8).status, 'unsupported');
});

test('the sample is read whole: names, URI and the embedded file', () => {
  const scan = scanPdf(sample);
  assert.deepEqual([...scan.names.keys()].sort(), ['EmbeddedFile', 'JS', 'JavaScript', 'Launch', 'ObjStm', 'OpenAction']);
  assert.deepEqual(scan.uris, ['http://a.example/']);
  assert.equal(Buffer.from(scan.embeddedFiles[0]?.content ?? []).toString(), 'Hello World!');
});

test('property: mutated and random PDFs always give a result, limits are reported', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat({ max: sample.length - 1 }), fc.integer({ min: 0, max: 255 })), { maxLength: 16 }),
      fc.uint8Array({ maxLength: 600 }),
      (mutations, tail) => {
        const bytes = Buffer.concat([sample, tail]);
        for (const [at, value] of mutations) bytes[at] = value;
        const scan = scanPdf(bytes);
        assert.ok(scan.embeddedFiles.length <= MAX_PDF_EMBEDDED_FILES);
        assert.ok(Array.isArray(scan.limits) && scan.undecodable >= 0);
      },
    ),
    { numRuns: 1500 },
  );
});
