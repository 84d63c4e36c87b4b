/**
 * Property tests (fast-check) over the pure decoders: base64, quoted-printable, uuencode, yEnc,
 * BinHex and TNEF. Random and mutated inputs: always a result, never an exception, output never
 * beyond `maxOutput`, and round trips where an encoder exists.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeBase64 } from '../../src/mime/base64.js';
import { decodeBinHex, findBinHex } from '../../src/mime/binhex.js';
import { readTnef } from '../../src/mime/tnef.js';
import { decodeQuotedPrintable } from '../../src/mime/transfer-encoding.js';
import { decodeUuencodeBody, findUuencoded } from '../../src/mime/uuencode.js';
import { findYenc } from '../../src/mime/yenc.js';
import { binhex, buildTnef, uuencode } from './mime-encoders.js';

const bytes = fc.uint8Array({ maxLength: 1500 });
const max = fc.integer({ min: 1, max: 3000 });

test('base64: round trip through any line breaking and junk; bounded output', () => {
  fc.assert(
    fc.property(bytes, fc.integer({ min: 1, max: 100 }), (data, width) => {
      const encoded = Buffer.from(data).toString('base64').replace(new RegExp(`(.{${width}})`, 'g'), '$1\r\n*');
      assert.deepEqual(decodeBase64(Buffer.from(encoded), data.length + 1).bytes, Buffer.from(data));
    }),
    { numRuns: 300 },
  );
  fc.assert(fc.property(bytes, max, (data, limit) => assert.ok(decodeBase64(data, limit).bytes.length <= limit)), { numRuns: 300 });
});

test('quoted-printable: never larger than the input or the limit', () => {
  fc.assert(
    fc.property(bytes, max, (data, limit) => {
      const r = decodeQuotedPrintable(data, limit);
      assert.ok(r.bytes.length <= Math.min(limit, data.length));
    }),
    { numRuns: 300 },
  );
});

test('uuencode: round trip, and random or mutated blocks stay bounded', () => {
  fc.assert(
    fc.property(bytes, (data) => assert.deepEqual(decodeUuencodeBody(Buffer.from(uuencode(Buffer.from(data), 'f')), 5000).bytes, Buffer.from(data))),
    { numRuns: 200 },
  );
  fc.assert(
    fc.property(bytes, fc.nat(), fc.integer({ min: 0, max: 255 }), max, (data, at, byte, limit) => {
      const text = Buffer.from(`junk\r\n${uuencode(Buffer.from(data), 'x')}`, 'latin1');
      if (text.length > 0) text[at % text.length] = byte;
      const files = findUuencoded(text, limit, 5);
      assert.ok(files.reduce((n, f) => n + f.bytes.length, 0) <= limit);
    }),
    { numRuns: 200 },
  );
});

test('yEnc: random bodies with a header stay bounded', () => {
  fc.assert(
    fc.property(bytes, max, (data, limit) => {
      const body = Buffer.concat([Buffer.from('=ybegin line=128 name=a\r\n'), Buffer.from(data)]);
      const files = findYenc(body, limit, 5);
      assert.ok(files.reduce((n, f) => n + f.bytes.length, 0) <= limit);
    }),
    { numRuns: 300 },
  );
});

test('BinHex: round trip, and mutated or random data stays bounded', () => {
  fc.assert(fc.property(bytes, (data) => assert.deepEqual(findBinHex(Buffer.from(binhex('n', Buffer.from(data)), 'latin1'), 10_000)[0]?.bytes, Buffer.from(data))), { numRuns: 200 });
  fc.assert(
    fc.property(bytes, max, (data, limit) => {
      const file = decodeBinHex(data, 0, limit);
      assert.ok(file === undefined || file.bytes.length <= limit);
    }),
    { numRuns: 300 },
  );
});

test('TNEF: mutated streams never throw and stay bounded', () => {
  const seed = buildTnef([{ title: 'a.exe', longName: 'long.exe', data: Buffer.alloc(64, 1) }, { title: 'b', data: Buffer.alloc(32, 2), dataInProps: true }]);
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }), max, fc.integer({ min: 1, max: 5 }), (edits, limit, files) => {
      const buf = Buffer.from(seed);
      for (const [at, byte] of edits) buf[at % buf.length] = byte;
      const r = readTnef(buf, limit, files);
      assert.ok(r.files.length <= files);
      assert.ok(r.files.reduce((n, f) => n + f.bytes.length, 0) <= limit);
    }),
    { numRuns: 300 },
  );
  fc.assert(fc.property(bytes, (data) => void readTnef(Buffer.concat([Buffer.from([0x78, 0x9f, 0x3e, 0x22, 0, 0]), Buffer.from(data)]), 4000, 10)), { numRuns: 200 });
});
