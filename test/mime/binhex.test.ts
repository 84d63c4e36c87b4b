import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findBinHex } from '../../src/mime/binhex.js';

const ALPHABET = '!"#$%&\'()*+,-012345689@ABCDEFGHIJKLMNPQRSTUVXYZ[`abcdefhijklmpqr';

/** A reference BinHex 4.0 encoder (with run-length compression of runs, CRCs left zero). */
export function binhex(name: string, data: Buffer): string {
  const header = Buffer.alloc(1 + name.length + 1 + 4 + 4 + 2 + 4 + 4 + 2);
  header[0] = name.length;
  header.write(name, 1, 'latin1');
  header.writeUInt32BE(data.length, 1 + name.length + 1 + 10);
  const stream = Buffer.concat([header, data, Buffer.alloc(2), Buffer.alloc(2)]);
  const rle: number[] = [];
  for (let i = 0; i < stream.length; ) {
    const b = stream[i] as number;
    let run = 1;
    while (i + run < stream.length && stream[i + run] === b && run < 255) run++;
    if (b === 0x90) rle.push(0x90, 0);
    else rle.push(b);
    if (run > 2 && b !== 0x90) {
      rle.push(0x90, run);
      i += run;
    } else {
      i += 1;
    }
  }
  let bits = '';
  for (const b of rle) bits += b.toString(2).padStart(8, '0');
  while (bits.length % 6 !== 0) bits += '0';
  let chars = '';
  for (let i = 0; i < bits.length; i += 6) chars += ALPHABET[parseInt(bits.slice(i, i + 6), 2)];
  return `(This file must be converted with BinHex 4.0)\r\n:${chars.replace(/(.{64})/g, '$1\r\n')}:\r\n`;
}

const data = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(100, 0), Buffer.from([0x90, 0x90, 1, 2, 3]), Buffer.alloc(50, 0x41)]);

test('BinHex 4.0 in a text body: name and data fork, run-length expanded', () => {
  const [file] = findBinHex(Buffer.from(`Here it is:\r\n\r\n${binhex('clam.exe', data)}`, 'latin1'), 10_000);
  assert.equal(file?.name, 'clam.exe');
  assert.deepEqual(file?.bytes, data);
  assert.equal(file?.truncated, false);
});

test('run-length expansion is bounded while expanding (a BinHex bomb)', () => {
  const [file] = findBinHex(Buffer.from(binhex('bomb', Buffer.alloc(5000, 0))), 1000);
  assert.ok(file === undefined || file.bytes.length <= 1000);
});

test('garbage inside and no closing colon still decode; no marker means nothing found', () => {
  const text = binhex('a.bin', data).replace(/:\r\n$/, '').replace(/\r\n/g, ' \r\n');
  assert.deepEqual(findBinHex(Buffer.from(text, 'latin1'), 10_000)[0]?.bytes, data);
  assert.deepEqual(findBinHex(Buffer.from(':abc:'), 100), []);
});
