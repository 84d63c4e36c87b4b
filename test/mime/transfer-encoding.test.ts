import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeQuotedPrintable, decodeTransferEncoding } from '../../src/mime/transfer-encoding.js';

test('quoted-printable: escapes, soft breaks, broken escapes kept', () => {
  assert.equal(decodeQuotedPrintable(Buffer.from('a=3Db=\r\nc =\nd =ZZ')).toString('latin1'), 'a=bc d =ZZ');
});

test('base64 ignores line breaks and junk; unknown encodings pass through', () => {
  assert.equal(decodeTransferEncoding(Buffer.from('aGVs\r\nbG8=\r\n'), 'BASE64').toString(), 'hello');
  assert.equal(decodeTransferEncoding(Buffer.from('raw'), '8bit').toString(), 'raw');
});
