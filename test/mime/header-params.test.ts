import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseHeaderParams } from '../../src/mime/header-params.js';

test('value and parameters, quoted or not, with ; inside quotes', () => {
  const p = parseHeaderParams('Multipart/Mixed; boundary="a;b"; CHARSET=utf-8');
  assert.equal(p.value, 'multipart/mixed');
  assert.equal(p.params.get('boundary'), 'a;b');
  assert.equal(p.params.get('charset'), 'utf-8');
});

test('RFC 2231 continuations and charsets', () => {
  const p = parseHeaderParams("attachment; filename*0*=utf-8''na%C3%AF; filename*1*=ve.txt");
  assert.equal(p.params.get('filename'), 'naïve.txt');
});
