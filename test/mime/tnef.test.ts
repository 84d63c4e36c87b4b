import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isTnef, readTnef } from '../../src/mime/tnef.js';
import { buildTnef } from './mime-encoders.js';


const exe = Buffer.from('MZ pretend executable');

test('files inside TNEF are extracted with their names; the long MAPI name wins over the 8.3 title', () => {
  const tnef = buildTnef([
    { title: 'REPORT~1.EXE', longName: 'quarterly report.pdf.exe', data: exe },
    { title: 'notes.txt', data: Buffer.from('notes') },
    { title: 'props.bin', data: Buffer.from('data in MAPI props'), dataInProps: true },
  ]);
  assert.equal(isTnef(tnef), true);
  const r = readTnef(tnef, 10_000, 10);
  assert.equal(r.complete, true);
  assert.deepEqual(r.files.map((f) => f.name), ['quarterly report.pdf.exe', 'notes.txt', 'props.bin']);
  assert.deepEqual(r.files[0]?.bytes, exe);
  assert.equal(r.files[2]?.bytes.toString(), 'data in MAPI props');
});

test('a truncated or lying stream keeps what was read and says it is incomplete', () => {
  const tnef = buildTnef([{ title: 'a.exe', data: exe }, { title: 'b.exe', data: Buffer.alloc(100, 1) }]);
  const cut = readTnef(tnef.subarray(0, tnef.length - 60), 10_000, 10);
  assert.equal(cut.complete, false);
  assert.deepEqual(cut.files.map((f) => f.name), ['a.exe']);
  const lying = Buffer.from(tnef);
  lying.writeUInt32LE(0xfffffff0, 6 + 1 + 4);
  assert.equal(readTnef(lying, 10_000, 10).complete, false);
  assert.equal(readTnef(Buffer.from('not tnef at all'), 10_000, 10).files.length, 0);
});

test('member count and output are bounded', () => {
  const tnef = buildTnef(Array.from({ length: 5 }, (_, i) => ({ title: `f${i}`, data: Buffer.alloc(50, i) })));
  assert.equal(readTnef(tnef, 10_000, 2).files.length, 2);
  const small = readTnef(tnef, 120, 10);
  assert.equal(small.files.reduce((n, f) => n + f.bytes.length, 0), 120);
  assert.equal(small.complete, false);
});

test('a TNEF attached message inside TNEF is opened too', () => {
  const inner = buildTnef([{ title: 'inner.exe', data: exe }]);
  const outer = buildTnef([{ title: 'Untitled Attachment', data: inner }]);
  assert.deepEqual(readTnef(outer, 10_000, 10).files.map((f) => f.name), ['Untitled Attachment', 'inner.exe']);
});
