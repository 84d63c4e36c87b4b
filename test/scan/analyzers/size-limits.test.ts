import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LARGE_HEADER_BYTES, LARGE_MESSAGE_BYTES, MAX_LINE_OCTETS, sizeLimits } from '../../../src/scan/analyzers/size-limits.js';
import { contextFor, crlf } from '../analyzer-context.js';

test('an ordinary message has no size findings', async () => {
  assert.deepEqual(await sizeLimits.analyze(contextFor(crlf('Subject: t', '', 'x'.repeat(MAX_LINE_OCTETS)))), []);
});

test('lines over 998 octets are counted, with the first and the longest', async () => {
  const [f, ...rest] = await sizeLimits.analyze(contextFor(crlf('Subject: t', '', 'ok', 'y'.repeat(MAX_LINE_OCTETS + 1), 'z'.repeat(2000))));
  assert.equal(rest.length, 0);
  assert.equal(f?.id, 'SIZE_LINE_TOO_LONG');
  assert.match(f?.detail ?? '', /^2 line\(s\).*first at line 4.*longest 2000$/);
});

test('a large header section and a large message', async () => {
  const headers = Array.from({ length: Math.ceil(LARGE_HEADER_BYTES / 50) + 1 }, (_, i) => `X-H${i}: ${'v'.repeat(40)}`);
  const body = ('a'.repeat(99) + '\r\n').repeat(Math.ceil(LARGE_MESSAGE_BYTES / 101) + 1);
  const ids = (await sizeLimits.analyze(contextFor(crlf(...headers, '', body)))).map((f) => f.id);
  assert.deepEqual(ids, ['SIZE_MESSAGE_LARGE', 'SIZE_HEADER_LARGE']);
});
