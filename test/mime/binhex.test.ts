import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findBinHex } from '../../src/mime/binhex.js';
import { binhex } from './mime-encoders.js';


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
