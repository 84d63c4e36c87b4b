import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { parseMessage } from '../../src/mime/parse-message.js';
import { MAX_HEADER_BYTES, MAX_HEADER_COUNT, MAX_MIME_DEPTH, MAX_MIME_PARTS } from '../../src/core/limits.js';
import { crlf } from '../scan/analyzer-context.js';

const parse = (raw: string) => parseMessage(Buffer.from(raw, 'utf8'));

test('headers are unfolded and grouped by lower-cased name in a Map', () => {
  const { message, findings } = parse(crlf('Subject: a long', '\tsubject line', 'X-Tag: one', 'x-tag: two', '', 'body'));
  assert.deepEqual(findings, []);
  assert.equal(message.headers.get('subject')?.[0]?.value, 'a long\tsubject line');
  assert.deepEqual(message.headers.get('x-tag')?.map((f) => f.value), ['one', 'two']);
  assert.deepEqual(message.headerList.map((f) => f.name), ['Subject', 'X-Tag', 'x-tag']);
  assert.deepEqual(message.textBodies, ['body']);
  assert.ok(message.headers instanceof Map);
});

test('a __proto__ header is just another header', () => {
  const { message } = parse(crlf('__proto__: polluted', 'constructor: x', '', ''));
  assert.equal(message.headers.get('__proto__')?.[0]?.value, 'polluted');
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('LF-only line endings are read too', () => {
  const { message } = parse('From: a@example.org\nSubject: hi\n\nbody\n');
  assert.equal(message.headers.get('subject')?.[0]?.value, 'hi');
  assert.deepEqual(message.textBodies, ['body\n']);
});

test('non-UTF-8 header bytes are read as latin1', () => {
  const raw = Buffer.concat([Buffer.from('Subject: caf'), Buffer.from([0xe9]), Buffer.from('\r\n\r\n')]);
  assert.equal(parseMessage(raw).message.headers.get('subject')?.[0]?.value, 'café');
});

test('too many header fields: SCAN_LIMIT_HEADER_COUNT and the first ones kept', () => {
  const lines = Array.from({ length: MAX_HEADER_COUNT + 5 }, (_, i) => `X-N: ${i}`);
  const { message, findings } = parse(crlf(...lines, '', 'body'));
  assert.deepEqual(findings.map((f) => f.id), ['SCAN_LIMIT_HEADER_COUNT']);
  assert.equal(message.headerList.length, MAX_HEADER_COUNT);
  assert.deepEqual(message.textBodies, ['body']);
});

test('a header section over MAX_HEADER_BYTES: SCAN_LIMIT_HEADER_BYTES', () => {
  const big = 'x'.repeat(MAX_HEADER_BYTES + 10);
  const { findings } = parse(crlf('Subject: hi', `X-Big: ${big}`, '', 'body'));
  assert.deepEqual(findings.map((f) => f.id), ['SCAN_LIMIT_HEADER_BYTES']);
});

test('multipart: text, HTML (quoted-printable) and a base64 attachment with its name, size and sha256', () => {
  const pdf = Buffer.from('%PDF-1.4 pretend');
  const raw = crlf(
    'From: a@example.org',
    'Content-Type: multipart/mixed; boundary="outer"',
    '',
    'preamble',
    '--outer',
    'Content-Type: multipart/alternative; boundary=inner',
    '',
    '--inner',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: base64',
    '',
    Buffer.from('héllo text').toString('base64'),
    '--inner',
    'Content-Type: text/html; charset=iso-8859-1',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    '<p>caf=E9 soft=',
    'break</p>',
    '--inner--',
    '--outer',
    'Content-Type: application/pdf; name="report.pdf"',
    'Content-Disposition: attachment; filename*=utf-8\'\'r%C3%A9sum%C3%A9.pdf',
    'Content-Transfer-Encoding: base64',
    '',
    pdf.toString('base64'),
    '--outer--',
    'epilogue',
  );
  const { message, findings } = parse(raw);
  assert.deepEqual(findings, []);
  assert.deepEqual(message.textBodies, ['héllo text']);
  assert.deepEqual(message.htmlBodies, ['<p>café softbreak</p>']);
  assert.equal(message.attachments.length, 1);
  const [att] = message.attachments;
  assert.equal(att?.declaredName, 'résumé.pdf');
  assert.equal(att?.declaredType, 'application/pdf');
  assert.equal(att?.size, pdf.length);
  assert.equal(att?.sha256, createHash('sha256').update(pdf).digest('hex'));
  assert.equal(message.root.contentType, 'multipart/mixed');
  assert.equal(message.root.children.length, 2);
  assert.equal(message.root.children[0]?.children.length, 2);
});

function nested(depth: number): string {
  let body = crlf('Content-Type: text/plain', '', 'deep');
  for (let i = 0; i < depth; i++) {
    body = crlf(`Content-Type: multipart/mixed; boundary=b${i}`, '', `--b${i}`, body, `--b${i}--`, '');
  }
  return crlf('From: a@example.org', body);
}

test('nesting within MAX_MIME_DEPTH is followed; deeper is SCAN_LIMIT_MIME_DEPTH', () => {
  const ok = parse(nested(MAX_MIME_DEPTH));
  assert.deepEqual(ok.findings, []);
  assert.deepEqual(ok.message.textBodies, ['deep']);
  const deep = parse(nested(MAX_MIME_DEPTH + 2));
  assert.deepEqual(deep.findings.map((f) => f.id), ['SCAN_LIMIT_MIME_DEPTH']);
  assert.deepEqual(deep.message.textBodies, []);
});

test('more than MAX_MIME_PARTS parts: SCAN_LIMIT_MIME_PARTS', () => {
  const parts = Array.from({ length: MAX_MIME_PARTS + 10 }, (_, i) => crlf('--b', 'Content-Type: text/plain', '', `part ${i}`));
  const { message, findings } = parse(crlf('Content-Type: multipart/mixed; boundary=b', '', ...parts, '--b--', ''));
  assert.deepEqual(findings.map((f) => f.id), ['SCAN_LIMIT_MIME_PARTS']);
  // The root counts as one part.
  assert.equal(message.textBodies.length, MAX_MIME_PARTS - 1);
});

test('a missing close delimiter ends the last part at the end of the message', () => {
  const { message } = parse(crlf('Content-Type: multipart/mixed; boundary=b', '', '--b', '', 'only part', ''));
  assert.deepEqual(message.textBodies, ['only part\r\n']);
});

test('a boundary string inside a line is not a delimiter', () => {
  const { message } = parse(crlf('Content-Type: multipart/mixed; boundary=b', '', '--b', '', 'text --b inside', '--b--'));
  assert.deepEqual(message.textBodies, ['text --b inside']);
});
