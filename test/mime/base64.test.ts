import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeBase64, looksLikeBase64 } from '../../src/mime/base64.js';

const payload = Buffer.from('MZ\x90\x00 a payload with every byte \x00\xff\x7f', 'latin1');
const b64 = payload.toString('base64');
const decode = (s: string, max = 1000) => decodeBase64(Buffer.from(s, 'latin1'), max);

test('irregular line lengths decode to the same bytes', () => {
  const irregular = [b64.slice(0, 3), b64.slice(3, 20), b64.slice(20, 21), b64.slice(21)].join('\r\n');
  assert.deepEqual(decode(irregular).bytes, payload);
});

test('whitespace and junk inside are skipped and counted', () => {
  const junky = `${b64.slice(0, 8)} \t!*${b64.slice(8, 16)}\u00e9${b64.slice(16)}`;
  const r = decode(junky);
  assert.deepEqual(r.bytes, payload);
  assert.equal(r.junk, 3);
});

test('missing padding is completed and extra padding ignored', () => {
  assert.equal(decode('aGVsbG8').bytes.toString(), 'hello');
  assert.equal(decode('aGVsbA').bytes.toString(), 'hell');
  assert.equal(decode('aGVsbG8=====').bytes.toString(), 'hello');
  // A single dangling character carries no whole byte.
  assert.equal(decode('aGVsbA==Z').bytes.toString(), 'hell');
});

test('data after padding is decoded too, and the stop-at-padding reading is reported', () => {
  const r = decode(`${Buffer.from('first').toString('base64')}\r\n${Buffer.from('second').toString('base64')}`);
  assert.equal(r.bytes.toString(), 'firstsecond');
  assert.equal(r.stopAtPadding, 5);
  assert.equal(decode('aGVsbG8=').stopAtPadding, undefined);
});

test('output is bounded while decoding', () => {
  const r = decode(Buffer.alloc(300, 7).toString('base64'), 100);
  assert.equal(r.bytes.length, 100);
  assert.equal(r.truncated, true);
  assert.throws(() => decode('aGVs', 0), RangeError);
});

test('looksLikeBase64 tells a base64 body from text', () => {
  assert.equal(looksLikeBase64(Buffer.from(Buffer.alloc(120, 1).toString('base64').replace(/(.{76})/g, '$1\r\n'))), true);
  assert.equal(looksLikeBase64(Buffer.from('Hello there, this is a normal sentence.')), false);
  assert.equal(looksLikeBase64(Buffer.from('short')), false);
});
