import { test } from 'node:test';
import assert from 'node:assert/strict';
import { displayName, fileNameFacts } from '../../../src/scan/file-type/file-name-facts.js';

test('the real extension and the one before it, cleaned of blanks and case', () => {
  assert.deepEqual(fileNameFacts('Invoice.PDF.exe'), { extension: 'exe', previousExtension: 'pdf', rightToLeftOverride: false, invisible: [] });
  assert.deepEqual(fileNameFacts('photo.jpeg'), { extension: 'jpeg', rightToLeftOverride: false, invisible: [] });
  assert.deepEqual(fileNameFacts('README'), { rightToLeftOverride: false, invisible: [] });
  assert.equal(fileNameFacts('dir/sub.d/archive.tar.gz').previousExtension, 'tar');
});

test('a right-to-left override is seen and does not hide the real extension', () => {
  const facts = fileNameFacts('invoice\u202Efdp.exe');
  assert.equal(facts.rightToLeftOverride, true);
  assert.equal(facts.extension, 'exe');
});

test('zero-width, bidi and control characters, and blanks before the extension, are named', () => {
  assert.deepEqual(fileNameFacts('re\u200Bport.pdf').invisible, ['U+200B']);
  assert.deepEqual(fileNameFacts('a\u2066b\u0007.txt').invisible, ['U+2066', 'U+0007']);
  const padded = fileNameFacts('scan.doc      .js');
  assert.deepEqual(padded.invisible, ['6 blanks before the extension']);
  assert.equal(padded.extension, 'js');
  assert.equal(padded.previousExtension, 'doc');
  assert.deepEqual(fileNameFacts('two  words.pdf').invisible, []);
});

test('displayName escapes what would reorder or hide text in a verdict', () => {
  assert.equal(displayName('invoice\u202Efdp.exe'), '"invoice\\u202efdp.exe"');
  assert.equal(displayName('a\u0000b'), '"a\\u0000b"');
});
