import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LARGE_HEADER_BYTES, LARGE_MESSAGE_BYTES, MAX_LINE_OCTETS, longLineStats, sizeLimits, type LongLineStats } from '../../../src/scan/analyzers/size-limits.js';
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

/** The definition, line by line: the oracle for longLineStats. */
function naiveLongLines(raw: Uint8Array): LongLineStats {
  let count = 0;
  let longest = 0;
  let firstLine = 0;
  let line = 1;
  for (let pos = 0; pos < raw.length; line++) {
    let nl = raw.indexOf(0x0a, pos);
    if (nl === -1) nl = raw.length;
    const length = nl > pos && raw[nl - 1] === 0x0d ? nl - 1 - pos : nl - pos;
    if (length > MAX_LINE_OCTETS) {
      if (count === 0) firstLine = line;
      count++;
      longest = Math.max(longest, length);
    }
    pos = nl + 1;
  }
  return { count, longest, firstLine };
}

test('longLineStats agrees with the line-by-line definition (lengths around the limit, CRLF, bare LF and CR, no final newline)', () => {
  const lineLength = fc.oneof(fc.integer({ min: 0, max: 80 }), fc.integer({ min: MAX_LINE_OCTETS - 3, max: MAX_LINE_OCTETS + 3 }), fc.integer({ min: 0, max: 3000 }));
  const ending = fc.constantFrom('\r\n', '\n', '\r', '');
  const message = fc.array(fc.tuple(lineLength, ending), { maxLength: 40 }).map((lines) => Buffer.from(lines.map(([n, end]) => 'x'.repeat(n) + end).join(''), 'latin1'));
  fc.assert(
    fc.property(message, (raw) => {
      assert.deepEqual(longLineStats(raw), naiveLongLines(raw));
    }),
    { numRuns: 2000 },
  );
});
