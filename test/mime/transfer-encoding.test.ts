import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyTransferEncoding, decodeQuotedPrintable, decodeTransferEncoding } from '../../src/mime/transfer-encoding.js';

const qp = (s: string): string => decodeQuotedPrintable(Buffer.from(s, 'latin1')).bytes.toString('latin1');

test('quoted-printable: escapes, soft breaks, broken escapes kept', () => {
  assert.equal(qp('a=3Db=\r\nc =\nd =ZZ'), 'a=bc d =ZZ');
});

test('quoted-printable variants: lowercase hex, soft break with trailing spaces, bare LF and bare CR, = at the end', () => {
  assert.equal(qp('caf=e9'), 'caf\xe9');
  assert.equal(qp('soft= \t\r\nbreak'), 'softbreak');
  assert.equal(qp('bare=\nlf and =\rcr'), 'barelf and cr');
  assert.equal(qp('ends='), 'ends');
  assert.equal(qp('=4'), '=4');
  assert.equal(qp('line\nbreaks\r\nkept'), 'line\nbreaks\r\nkept');
});

test('quoted-printable output is bounded while decoding', () => {
  const r = decodeQuotedPrintable(Buffer.from('=41=42=43=44'), 2);
  assert.equal(r.bytes.toString(), 'AB');
  assert.equal(r.truncated, true);
});

test('declared encodings are classified leniently; unknown ones are named so', () => {
  assert.equal(classifyTransferEncoding(' BASE64 '), 'base64');
  assert.equal(classifyTransferEncoding('"Quoted-Printable"'), 'quoted-printable');
  assert.equal(classifyTransferEncoding('x-uuencode'), 'uuencode');
  assert.equal(classifyTransferEncoding(undefined), 'identity');
  assert.equal(classifyTransferEncoding('8bit'), 'identity');
  assert.equal(classifyTransferEncoding('base-64'), 'unknown');
});

test('dispatch: base64 ignores line breaks; identity is bounded too', () => {
  assert.equal(decodeTransferEncoding(Buffer.from('aGVs\r\nbG8=\r\n'), 'base64', 100).bytes.toString(), 'hello');
  const raw = decodeTransferEncoding(Buffer.from('raw bytes'), 'identity', 3);
  assert.deepEqual([raw.bytes.toString(), raw.truncated], ['raw', true]);
});
