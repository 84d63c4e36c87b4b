import { test } from 'node:test';
import assert from 'node:assert/strict';
import { headerSanity, isValidDate } from '../../../src/scan/analyzers/header-sanity.js';
import { contextFor, crlf } from '../analyzer-context.js';

async function ids(...headers: string[]): Promise<string[]> {
  return (await headerSanity.analyze(contextFor(crlf(...headers, '', 'body')))).map((f) => f.id).sort();
}

const FROM = 'From: Alice <alice@example.org>';
const DATE = 'Date: Mon, 3 Mar 2025 10:00:00 +0000';
const MID = 'Message-ID: <abc@example.org>';

test('a well-formed header section has no findings', async () => {
  assert.deepEqual(await ids(FROM, DATE, MID), []);
});

test('missing From, Date, Message-ID', async () => {
  assert.deepEqual(await ids('Subject: x'), ['HEADER_DATE_MISSING', 'HEADER_FROM_MISSING', 'HEADER_MESSAGE_ID_MISSING']);
});

test('duplicates', async () => {
  assert.deepEqual(await ids(FROM, FROM, DATE, DATE, MID, MID), ['HEADER_DATE_DUPLICATE', 'HEADER_FROM_DUPLICATE', 'HEADER_MESSAGE_ID_DUPLICATE']);
});

test('malformed From, unparseable Date, malformed Message-ID', async () => {
  assert.deepEqual(await ids('From: Alice <alice>', 'Date: yesterday', 'Message-ID: abc'), [
    'HEADER_DATE_INVALID',
    'HEADER_FROM_MALFORMED',
    'HEADER_MESSAGE_ID_MALFORMED',
  ]);
});

test('the detail quotes a bounded part of the header', async () => {
  const long = `From: ${'x'.repeat(5000)}`;
  const [f] = await headerSanity.analyze(contextFor(crlf(long, DATE, MID, '', '')));
  assert.equal(f?.id, 'HEADER_FROM_MALFORMED');
  assert.ok((f?.detail.length ?? 0) < 200);
});

test('RFC 5322 dates, with obsolete zones and comments', () => {
  for (const ok of ['Mon, 3 Mar 2025 10:00:00 +0000', '3 Mar 2025 10:00 GMT', 'Tue, 04 Mar 25 23:59:60 -0800 (PST)', 'Wed, 5 Mar 2025 01:02:03 EST']) {
    assert.ok(isValidDate(ok), ok);
  }
  for (const bad of ['', '2025-03-03T10:00:00Z', 'Mon, 32 Mar 2025 10:00:00 +0000', 'Mon, 3 Foo 2025 10:00:00 +0000', '3 Mar 2025 25:00:00 +0000', '3 Mar 2025 10:00:00 +00']) {
    assert.ok(!isValidDate(bad), bad);
  }
});
