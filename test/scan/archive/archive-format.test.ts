// Archive detection by bytes, never by name: each format's magic, zips with data prepended
// (found by their end record), v7 tars by checksum, and ordinary files left alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { detectArchiveFormat } from '../../../src/scan/archive/archive-format.js';
import { BZIP2_HELLO, XZ_HELLO } from './compressed-samples.js';
import { buildTar } from './tar-builder.js';
import { buildZip } from './zip-builder.js';

test('each supported format is recognised by its bytes', async () => {
  assert.equal(detectArchiveFormat(buildZip([{ name: 'a.txt', content: 'a' }])), 'zip');
  assert.equal(detectArchiveFormat(buildZip([])), 'zip');
  assert.equal(detectArchiveFormat(await buildTar([{ name: 'a.txt', content: 'a' }])), 'tar');
  assert.equal(detectArchiveFormat(gzipSync('x')), 'gzip');
  assert.equal(detectArchiveFormat(BZIP2_HELLO), 'bzip2');
  assert.equal(detectArchiveFormat(XZ_HELLO), 'xz');
});

test('formats only recognised: 7z, rar 4 and 5, cab, ace, arj, cpio', () => {
  assert.equal(detectArchiveFormat(Buffer.from([0x60, 0xea, 0x2a, 0x00, 0x1e, 0x07, 0x01, 0x00, 0x10])), 'arj');
  assert.equal(detectArchiveFormat(Buffer.from('070701000000000000', 'latin1')), 'cpio');
  assert.equal(detectArchiveFormat(Buffer.from('070707000000000000', 'latin1')), 'cpio');
  const binary = Buffer.alloc(40);
  binary.writeUInt16LE(0x71c7, 0);
  binary.writeUInt16LE(9, 20);
  assert.equal(detectArchiveFormat(binary), 'cpio');
  assert.equal(detectArchiveFormat(Buffer.from([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c, 0, 4])), '7z');
  assert.equal(detectArchiveFormat(Buffer.from('Rar!\x1a\x07\x00', 'latin1')), 'rar');
  assert.equal(detectArchiveFormat(Buffer.from('Rar!\x1a\x07\x01\x00', 'latin1')), 'rar');
  assert.equal(detectArchiveFormat(Buffer.from('MSCF\0\0\0\0xxxx', 'latin1')), 'cab');
  assert.equal(detectArchiveFormat(Buffer.from('\0\0\0\0\0\0\0**ACE**', 'latin1')), 'ace');
});

test('a zip behind other data (a GIF+zip polyglot) is found by its end record', () => {
  const zip = buildZip([{ name: 'a.txt', content: 'a' }]);
  assert.equal(detectArchiveFormat(Buffer.concat([Buffer.from('GIF89a'), Buffer.alloc(1000, 7), zip])), 'zip');
  // An end-record signature that does not end the file is not a zip.
  assert.equal(detectArchiveFormat(Buffer.concat([Buffer.from('GIF89a'), zip, Buffer.from('trailing')])), undefined);
});

test('an old v7 tar (no magic) is recognised by its header checksum', async () => {
  const tar = await buildTar([{ name: 'old.txt', content: 'x' }]);
  tar.fill(0, 257, 265); // remove "ustar\0" + version
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : (tar[i] as number);
  tar.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  assert.equal(detectArchiveFormat(tar), 'tar');
  tar[0] = (tar[0] as number) ^ 1; // checksum now wrong
  assert.equal(detectArchiveFormat(tar), undefined);
});

test('ordinary files and short inputs are not archives', () => {
  for (const data of [Buffer.from('%PDF-1.7\n'), Buffer.from('hello'), Buffer.alloc(0), Buffer.from('PK'), Buffer.from('BZh9xxxxxx'), Buffer.alloc(2048)]) {
    assert.equal(detectArchiveFormat(data), undefined, data.subarray(0, 8).toString('latin1'));
  }
});
