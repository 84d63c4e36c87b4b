import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeUuencodeBody, findUuencoded } from '../../src/mime/uuencode.js';
import { uuencode } from './mime-encoders.js';


const data = Buffer.from(Array.from({ length: 200 }, (_, i) => (i * 37) & 0xff));

test('uuencoded blocks inside a text body are found with their names', () => {
  const text = `Hello,\r\nsee attached.\r\n\r\n${uuencode(data, 'tool.exe')}\r\nbye\r\n${uuencode(Buffer.from('second'), 'b.txt')}\r\n`;
  const files = findUuencoded(Buffer.from(text, 'latin1'), 10_000, 10);
  assert.deepEqual(files.map((f) => f.name), ['tool.exe', 'b.txt']);
  assert.deepEqual(files[0]?.bytes, data);
  assert.equal(files[1]?.bytes.toString(), 'second');
});

test('lines with missing trailing characters (stripped spaces) still decode', () => {
  const encoded = uuencode(Buffer.from('ab\0\0\0\0'), 'z').replace(/ +$/gm, '');
  const [file] = findUuencoded(Buffer.from(encoded), 100, 1);
  assert.equal(file?.bytes.toString('latin1'), 'ab\0\0\0\0');
});

test('a missing end line ends the file at the last plausible line; the next block is still found', () => {
  const first = uuencode(Buffer.from('one'), 'a').replace(/\r\n`\r\nend$/, '');
  const text = `${first}\r\nplain text here\r\n${uuencode(Buffer.from('two'), 'b')}`;
  const files = findUuencoded(Buffer.from(text), 100, 10);
  assert.deepEqual(files.map((f) => f.bytes.toString()), ['one', 'two']);
});

test('begin-base64 (uuencode -m) blocks', () => {
  const text = `begin-base64 644 m.bin\n${Buffer.from('modern').toString('base64')}\n====\n`;
  assert.equal(findUuencoded(Buffer.from(text), 100, 1)[0]?.bytes.toString(), 'modern');
});

test('output and file count are bounded', () => {
  const text = [uuencode(data, 'a'), uuencode(data, 'b'), uuencode(data, 'c')].join('\n');
  const files = findUuencoded(Buffer.from(text), 250, 10);
  assert.equal(files.reduce((n, f) => n + f.bytes.length, 0), 250);
  assert.equal(files[1]?.truncated, true);
  assert.equal(findUuencoded(Buffer.from(text), 10_000, 2).length, 2);
});

test('a body declared x-uuencode decodes its block', () => {
  assert.deepEqual(decodeUuencodeBody(Buffer.from(uuencode(data, 'x')), 1000).bytes, data);
});
