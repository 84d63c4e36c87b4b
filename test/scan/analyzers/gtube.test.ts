import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GTUBE, gtube } from '../../../src/scan/analyzers/gtube.js';
import { contextFor, crlf } from '../analyzer-context.js';

const ids = async (raw: string): Promise<string[]> => (await gtube.analyze(contextFor(raw))).map((f) => f.id);

test('GTUBE in the raw body', async () => {
  assert.deepEqual(await ids(crlf('Subject: t', '', `x ${GTUBE} y`)), ['SPAM_GTUBE']);
});

test('GTUBE hidden by base64 is found in the decoded body', async () => {
  const raw = crlf('Content-Type: text/plain', 'Content-Transfer-Encoding: base64', '', Buffer.from(GTUBE).toString('base64'));
  assert.ok(!raw.includes(GTUBE));
  const [f] = await gtube.analyze(contextFor(raw));
  assert.equal(f?.id, 'SPAM_GTUBE');
  assert.match(f?.detail ?? '', /decoded text/);
});

test('no GTUBE, or a mangled one: no finding', async () => {
  assert.deepEqual(await ids(crlf('Subject: t', '', 'hello')), []);
  assert.deepEqual(await ids(crlf('Subject: t', '', GTUBE.slice(0, -1))), []);
});
