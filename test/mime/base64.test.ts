import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
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

/** `text` as bytes at every alignment: the fast path reads 32-bit words from the first aligned address. */
function atOffsets(text: string): Buffer[] {
  return [0, 1, 2, 3].map((offset) => {
    const backing = Buffer.alloc(offset + text.length);
    backing.write(text, offset, 'latin1');
    return backing.subarray(offset);
  });
}

test('well-formed base64 in any line length, break and alignment decodes exactly (fast path)', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 600 }),
      fc.integer({ min: 1, max: 90 }),
      fc.constantFrom('\r\n', '\n', '\r'),
      fc.boolean(),
      fc.constantFrom('', '\r\n', '\n\n'),
      (bytes, lineLength, lineBreak, keepPadding, trailer) => {
        const encoded = Buffer.from(bytes).toString('base64');
        const body = keepPadding ? encoded : encoded.replace(/=+$/, '');
        const lines = body.match(new RegExp(`.{1,${lineLength}}`, 'g')) ?? [];
        for (const input of atOffsets(lines.join(lineBreak) + trailer)) {
          const r = decodeBase64(input, 10_000);
          assert.deepEqual(r.bytes, Buffer.from(bytes));
          assert.equal(r.junk, 0);
          assert.equal(r.truncated, false);
          assert.equal(r.stopAtPadding, undefined);
        }
      },
    ),
    { numRuns: 1500 },
  );
});

test('a body over several fast-path slices with lines that are not whole quanta decodes exactly', () => {
  const payload = Buffer.alloc(300_000);
  for (let i = 0; i < payload.length; i++) payload[i] = (i * 7919) & 0xff;
  // 77-character lines: a slice boundary falls where the character count is not a multiple of 4.
  const text = (payload.toString('base64').match(/.{1,77}/g) ?? []).join('\r\n');
  for (const input of atOffsets(text)) assert.deepEqual(decodeBase64(input, 1_000_000).bytes, payload);
  // One junk character deep inside, after several slices were written: the lenient reading instead.
  const junky = `${text.slice(0, 200_001)}!${text.slice(200_001)}`;
  const r = decodeBase64(Buffer.from(junky, 'latin1'), 1_000_000);
  assert.equal(r.junk, 1);
  assert.deepEqual(r.bytes, payload);
});

test('padding inside, three pads or a pad between line breaks leave the fast path and read as before', () => {
  assert.equal(decode('aGVsbG8=\r\n=').bytes.toString(), 'hello');
  assert.equal(decode('aGVsbG8===').bytes.toString(), 'hello');
  assert.equal(decode('aGVs\r\nbG8=\r\n').bytes.toString(), 'hello');
  assert.equal(decode('\r\n==').bytes.length, 0);
  assert.equal(decode('').bytes.length, 0);
});
