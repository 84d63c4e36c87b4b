import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findYenc } from '../../src/mime/yenc.js';

/** A reference yEnc encoder: escapes NUL, LF, CR and '='. */
function yencode(data: Buffer, name: string): Buffer {
  const out: number[] = [...Buffer.from(`=ybegin line=128 size=${data.length} name=${name}\r\n`)];
  let col = 0;
  for (const byte of data) {
    const c = (byte + 42) & 0xff;
    if (c === 0 || c === 0x0a || c === 0x0d || c === 0x3d) out.push(0x3d, (c + 64) & 0xff);
    else out.push(c);
    if (++col >= 64) {
      out.push(0x0d, 0x0a);
      col = 0;
    }
  }
  out.push(...Buffer.from(`\r\n=yend size=${data.length}\r\n`));
  return Buffer.from(out);
}

const data = Buffer.from(Array.from({ length: 300 }, (_, i) => i & 0xff));

test('yEnc blocks in a body decode to the original bytes with their names', () => {
  const body = Buffer.concat([Buffer.from('text before\r\n'), yencode(data, 'payload.exe'), yencode(Buffer.from('x'), 'x.txt')]);
  const files = findYenc(body, 10_000, 10);
  assert.deepEqual(files.map((f) => f.name), ['payload.exe', 'x.txt']);
  assert.deepEqual(files[0]?.bytes, data);
});

test('=ypart lines are skipped and a missing =yend ends at the end of the body', () => {
  const encoded = yencode(data, 'p.bin').toString('latin1').replace('\r\n', '\r\n=ypart begin=1 end=300\r\n').replace(/\r\n=yend.*$/s, '');
  const [file] = findYenc(Buffer.from(encoded, 'latin1'), 10_000, 1);
  assert.deepEqual(file?.bytes, data);
});

test('output is bounded while decoding', () => {
  const [file] = findYenc(yencode(data, 'big'), 100, 1);
  assert.equal(file?.bytes.length, 100);
  assert.equal(file?.truncated, true);
});
