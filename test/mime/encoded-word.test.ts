import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeEncodedWords } from '../../src/mime/encoded-word.js';

test('B and Q encoded words are decoded, adjacent ones joined', () => {
  assert.equal(decodeEncodedWords('=?utf-8?B?aMOpbGxv?= world'), 'héllo world');
  assert.equal(decodeEncodedWords('=?ISO-8859-1?Q?caf=E9_au_lait?='), 'café au lait');
  assert.equal(decodeEncodedWords('=?utf-8?Q?a?= =?utf-8?Q?b?='), 'ab');
  assert.equal(decodeEncodedWords('plain =?utf-8?Q?x?= text'), 'plain x text');
});

test('malformed words and unknown charsets do not throw', () => {
  assert.equal(decodeEncodedWords('=?utf-8?X?abc?='), '=?utf-8?X?abc?=');
  assert.equal(decodeEncodedWords('=?no-such-charset?Q?ok?='), 'ok');
});
