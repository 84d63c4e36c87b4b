import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { parseMessage } from '../../src/mime/parse-message.js';
import { crlf } from '../scan/analyzer-context.js';

const exe = Buffer.from('MZ\x90\x00 hidden payload', 'latin1');
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const parse = (raw: string) => parseMessage(Buffer.from(raw, 'latin1'));
const ids = (r: ReturnType<typeof parse>): string[] => r.findings.map((f) => f.id);
const hasExe = (r: ReturnType<typeof parse>): boolean => r.message.attachments.some((a) => a.sha256 === sha(exe));

test('two Content-Type headers: both readings are scanned (first says text, last says multipart)', () => {
  const r = parse(
    crlf('From: a@example.org', 'Content-Type: text/plain', 'Content-Type: multipart/mixed; boundary=b', '', '--b', 'Content-Type: application/octet-stream; name=x.exe', 'Content-Transfer-Encoding: base64', '', exe.toString('base64'), '--b--', ''),
  );
  assert.deepEqual(ids(r), ['MIME_AMBIGUOUS_CONTENT_TYPE']);
  assert.equal(r.message.root.contentType, 'text/plain');
  assert.ok(hasExe(r));
  assert.equal(r.message.textBodies.length, 1);
});

test('two Content-Transfer-Encoding headers: base64 and 7bit readings are both scanned', () => {
  const r = parse(crlf('Content-Type: application/octet-stream; name=a.bin', 'Content-Transfer-Encoding: 7bit', 'Content-Transfer-Encoding: base64', '', exe.toString('base64')));
  assert.deepEqual(ids(r), ['MIME_AMBIGUOUS_ENCODING']);
  assert.ok(hasExe(r));
  assert.equal(r.message.attachments.length, 2);
});

test('an attachment declared 7bit whose body is base64 is also read as base64', () => {
  const body = Buffer.concat([exe, Buffer.alloc(60, 1)]).toString('base64');
  const r = parse(crlf('Content-Type: application/octet-stream; name=a.bin', 'Content-Transfer-Encoding: 8bit', '', body));
  assert.deepEqual(ids(r), ['MIME_AMBIGUOUS_ENCODING']);
  assert.equal(r.message.attachments.length, 2);
});

test('an unknown Content-Transfer-Encoding is read as is, and as base64 when it looks like it', () => {
  const r = parse(crlf('Content-Type: application/octet-stream; name=a.bin', 'Content-Transfer-Encoding: base-64', '', Buffer.concat([exe, Buffer.alloc(60)]).toString('base64')));
  assert.deepEqual(ids(r), ['MIME_AMBIGUOUS_ENCODING']);
  assert.ok(r.message.attachments.some((a) => Buffer.from(a.content.subarray(0, exe.length)).equals(exe)));
});

test('base64 data after padding: both the stopping and the continuing reading are scanned', () => {
  const body = `${Buffer.from('innocent').toString('base64')}\r\n${exe.toString('base64')}`;
  const r = parse(crlf('Content-Type: application/octet-stream; name=a.bin', 'Content-Transfer-Encoding: base64', '', body));
  assert.deepEqual(ids(r), ['MIME_AMBIGUOUS_ENCODING']);
  assert.deepEqual(r.message.attachments.map((a) => a.size).sort((x, y) => x - y), [8, 8 + exe.length]);
});

test('a repeated boundary parameter: every boundary is tried', () => {
  const r = parse(crlf('Content-Type: multipart/mixed; boundary=decoy; boundary=real', '', '--decoy', 'Content-Type: text/plain', '', 'decoy text', '--decoy--', '--real', 'Content-Type: application/octet-stream; name=x.exe', 'Content-Transfer-Encoding: base64', '', exe.toString('base64'), '--real--', ''));
  assert.ok(ids(r).includes('MIME_AMBIGUOUS_BOUNDARY'));
  assert.ok(hasExe(r));
});

test('a boundary that splits differently when matched as a prefix', () => {
  const r = parse(crlf('Content-Type: multipart/mixed; boundary=b', '', '--b', 'Content-Type: text/plain', '', 'visible', '--bX', 'Content-Type: application/octet-stream; name=x.exe', 'Content-Transfer-Encoding: base64', '', exe.toString('base64'), '--b--', ''));
  assert.deepEqual(ids(r), ['MIME_AMBIGUOUS_BOUNDARY']);
  assert.ok(hasExe(r));
  assert.deepEqual(r.message.root.children.length, 1);
});

test('a multipart without any delimiter: read as text and with a boundary guessed from the body', () => {
  const r = parse(crlf('Content-Type: multipart/mixed; boundary="missing"', '', '--other', 'Content-Type: application/octet-stream; name=x.exe', 'Content-Transfer-Encoding: base64', '', exe.toString('base64'), '--other--', ''));
  assert.deepEqual(ids(r), ['MIME_AMBIGUOUS_BOUNDARY']);
  assert.ok(hasExe(r));
  assert.equal(r.message.textBodies.length, 1);
});

test('a Content-Type without ";" before the boundary is still read as multipart', () => {
  const r = parse(crlf('Content-Type: multipart/mixed boundary="b"', '', '--b', 'Content-Type: application/octet-stream; name=x.exe', 'Content-Transfer-Encoding: base64', '', exe.toString('base64'), '--b--', ''));
  assert.ok(hasExe(r));
  assert.equal(r.message.root.contentType, 'multipart/mixed');
});

test('file names with different extensions on Content-Disposition and Content-Type: both names are kept', () => {
  const r = parse(crlf('Content-Type: application/pdf; name="invoice.pdf"', 'Content-Disposition: attachment; filename="invoice.exe"', 'Content-Transfer-Encoding: base64', '', exe.toString('base64')));
  assert.deepEqual(ids(r), ['MIME_AMBIGUOUS_FILENAME']);
  assert.deepEqual(r.message.attachments.map((a) => a.declaredName), ['invoice.exe', 'invoice.pdf']);
});

test('an ambiguity repeated in many parts is one finding', () => {
  const part = crlf('--b', 'Content-Type: text/plain', 'Content-Type: text/html', '', 'x');
  const r = parse(crlf('Content-Type: multipart/mixed; boundary=b', '', part, part, part, '--b--'));
  assert.deepEqual(ids(r), ['MIME_AMBIGUOUS_CONTENT_TYPE']);
});

test('a well-formed message has no ambiguity findings', () => {
  const r = parse(crlf('Content-Type: multipart/alternative; boundary="=_a"', '', '--=_a', 'Content-Type: text/plain', '', 'hi', '--=_a', 'Content-Type: text/html', 'Content-Transfer-Encoding: base64', '', Buffer.from('<p>hi</p>').toString('base64'), '--=_a--', ''));
  assert.deepEqual(r.findings, []);
});
