import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMessage } from '../../src/mime/parse-message.js';
import { initialFacts } from '../../src/scan/pipeline.js';
import { MAX_SUMMARY_VALUE_CHARS, summarizeMessage } from '../../src/scan/summarize-message.js';
import { crlf } from './analyzer-context.js';

const raw = crlf(
  'From: =?utf-8?B?w4lsaXNl?= <e@example.org>',
  `Subject: ${'s'.repeat(2000)}`,
  'Message-ID: <m1@example.org>',
  'Content-Type: multipart/mixed; boundary=b',
  '',
  '--b',
  'Content-Type: application/zip; name="a.zip"',
  'Content-Transfer-Encoding: base64',
  '',
  Buffer.from('PK\x03\x04zip').toString('base64'),
  '--b--',
  '',
);

test('without facts: the attachments of the message with name, declared type, sha256 and size, never content', () => {
  const { message } = parseMessage(Buffer.from(raw));
  const summary = summarizeMessage(message);
  assert.equal(summary.fromHeader, 'Élise <e@example.org>');
  assert.equal(summary.subject?.length, MAX_SUMMARY_VALUE_CHARS);
  assert.deepEqual(summary.attachments, [{ name: 'a.zip', type: 'application/zip', sha256: message.attachments[0]?.sha256, size: 7 }]);
  assert.ok(!JSON.stringify(summary).includes('zip\\u0003'));
});

test('with facts: extracted members with their container chain and detected types', () => {
  const { message } = parseMessage(Buffer.from(raw));
  const facts = initialFacts(message);
  facts.files.push({ name: 'inner/evil.exe', container: ['a.zip'], content: new Uint8Array(3), sha256: 'f'.repeat(64), detectedType: { mime: 'application/x-msdownload', ext: 'exe', kind: 'executable' } });
  const summary = summarizeMessage(message, facts);
  assert.deepEqual(summary.attachments[1], { name: 'inner/evil.exe', detectedType: 'application/x-msdownload', sha256: 'f'.repeat(64), size: 3, container: ['a.zip'] });
  assert.equal(summary.attachments[0]?.name, 'a.zip');
  assert.equal('content' in (summary.attachments[1] ?? {}), false);
});
