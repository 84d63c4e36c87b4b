import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import { pdfContent } from '../../../src/scan/analyzers/pdf-content.js';
import { contextWithFiles } from '../office/office-samples.js';

const ids = (findings: readonly { id: string }[]): string[] => findings.map((f) => f.id).sort();

/** A PDF as text with a binary stream spliced in (latin1 keeps bytes as they are). */
function pdf(...objects: Array<string | Buffer>): Buffer {
  return Buffer.concat([Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1'), ...objects.map((o) => (typeof o === 'string' ? Buffer.from(o, 'latin1') : o)), Buffer.from('trailer\n<< /Root 1 0 R >>\n%%EOF\n')]);
}

function streamObject(number: number, dict: string, data: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${number} 0 obj\n<< ${dict} /Length ${data.length} >>\nstream\n`), data, Buffer.from('\nendstream\nendobj\n')]);
}

test('JavaScript hidden in a Flate object stream under an escaped name, Launch, URI', async () => {
  const inner = Buffer.from('5 0 6 40 << /Type /Action /S /J#61vaScript /J#53 (app.alert\\(1\\)) >> << /S /Launch /F (cmd.exe) >> << /S /URI /URI (https://phish.example/login) >>');
  const file = pdf('1 0 obj\n<< /Type /Catalog /OpenAction 5 0 R >>\nendobj\n', streamObject(2, '/Type /ObjStm /N 3 /First 8 /Filter /FlateDecode', deflateSync(inner)));
  const ctx = contextWithFiles([{ name: 'doc.pdf', content: file }]);
  const findings = await pdfContent.analyze(ctx);
  assert.deepEqual(ids(findings), ['PDF_AUTO_ACTION', 'PDF_JAVASCRIPT', 'PDF_LAUNCH']);
  assert.match(findings.find((f) => f.id === 'PDF_JAVASCRIPT')?.detail ?? '', /\/JavaScript x1, \/JS x1/);
  assert.deepEqual(ctx.facts.urls, ['https://phish.example/login']);
});

test('an embedded file is extracted with its name and pushed for recursive scanning', async () => {
  const payload = Buffer.from('PK\x03\x04 pretend zip');
  const file = pdf(
    '1 0 obj\n<< /Type /Catalog /Names << /EmbeddedFiles << /Names [(a) 3 0 R] >> >> >>\nendobj\n',
    '3 0 obj\n<< /Type /Filespec /F (invoice.zip) /EF << /F 4 0 R >> >>\nendobj\n',
    streamObject(4, '/Type /EmbeddedFile /Filter [/ASCIIHexDecode /FlateDecode]', Buffer.from(deflateSync(payload).toString('hex') + '>')),
    '5 0 obj\n<< /S /SubmitForm /F (https://collect.example/) >>\nendobj\n',
  );
  const ctx = contextWithFiles([{ name: 'doc.pdf', content: file }]);
  const findings = await pdfContent.analyze(ctx);
  assert.deepEqual(ids(findings), ['PDF_EMBEDDED_FILE', 'PDF_SUBMIT_FORM']);
  const member = ctx.facts.files[1];
  assert.equal(member?.name, 'invoice.zip');
  assert.deepEqual(member?.container, ['doc.pdf']);
  assert.deepEqual(Buffer.from(member?.content ?? []), payload);
});

test('a stream that inflates past the limit is a SCAN_LIMIT finding; encryption is reported', async () => {
  const bomb = deflateSync(Buffer.alloc(40 * 1024 * 1024));
  const findings = await pdfContent.analyze(contextWithFiles([{ name: 'bomb.pdf', content: pdf(streamObject(2, '/Type /ObjStm /Filter /FlateDecode', bomb), '9 0 obj\n<< /Filter /Standard >>\nendobj\ntrailer << /Encrypt 9 0 R >>\n') }]));
  assert.deepEqual(ids(findings), ['PDF_ENCRYPTED', 'SCAN_LIMIT_PDF']);
});

test('a benign PDF gives no findings; names inside strings are not names', async () => {
  const content = Buffer.from('BT /F1 12 Tf (Hello /JavaScript world) Tj ET');
  const file = pdf('1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n', streamObject(3, '/Filter /FlateDecode', deflateSync(content)), '4 0 obj\n<< /Title (see /JS and /Launch) >>\nendobj\n');
  assert.deepEqual(await pdfContent.analyze(contextWithFiles([{ name: 'ok.pdf', content: file }])), []);
});
