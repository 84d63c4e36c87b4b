import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spamHeuristics } from '../../../src/scan/analyzers/spam-heuristics.js';
import { contextFor, crlf } from '../analyzer-context.js';

const ids = async (raw: string): Promise<string[]> => (await spamHeuristics.analyze(contextFor(raw))).map((f) => f.id).sort();
const plain = (...headers: string[]): string => crlf('From: a@example.org', 'To: b@example.net', ...headers, '', 'hello');

test('an ordinary message has no findings', async () => {
  assert.deepEqual(await ids(plain('Subject: Lunch on Friday?', 'Date: Mon, 1 Jan 2024 10:00:00 +0000', 'Message-ID: <001a01c2634f$bb54d3a0$0200a8c0@host>')), []);
});

test('forged Outlook Message-ID: the form without a plausible timestamp', async () => {
  assert.deepEqual(await ids(plain('Message-ID: <010e04e62b0d$3444d2a5$6dd85de5@muixcp>')), ['SPAM_FORGED_OUTLOOK_MESSAGE_ID']);
});

test('Date far ahead of the arrival the topmost Received records', async () => {
  const received = 'Received: from x (x [192.0.2.1]) by gw; Mon, 1 Jan 2024 10:00:00 +0000';
  assert.deepEqual(await ids(plain(received, 'Date: Wed, 3 Jan 2024 10:00:00 +0000')), ['SPAM_DATE_FUTURE']);
  assert.deepEqual(await ids(plain(received, 'Date: Mon, 1 Jan 2024 15:00:00 +0000')), []);
});

test('subject tricks', async () => {
  assert.deepEqual(await ids(plain('Subject: MAKE MONEY FAST TODAY')), ['SPAM_SUBJECT_ALL_CAPS']);
  assert.deepEqual(await ids(plain('Subject: Act now!!!')), ['SPAM_SUBJECT_PUNCTUATION']);
  assert.deepEqual(await ids(plain('Subject: =?utf-8?B?RnJlZSBtb25leQ==?=')), ['SPAM_SUBJECT_ENCODED_ASCII']);
  assert.deepEqual(await ids(plain('Subject: =?utf-8?Q?Caf=C3=A9?=')), []);
});

test('HTML-only with hidden padding, claiming Outlook', async () => {
  const filler = 'lorem ipsum dolor sit amet '.repeat(20);
  const raw = crlf('From: a@example.org', 'To: b@example.net', 'X-Mailer: Microsoft Outlook 16.0', 'Content-Type: text/html', '', `<p>Buy</p><div style="display:none">${filler}</div>`);
  assert.deepEqual(await ids(raw), ['SPAM_FORGED_OUTLOOK_HTML', 'SPAM_HTML_HIDDEN_TEXT', 'SPAM_HTML_ONLY']);
});

test('a base64 text part declared ASCII', async () => {
  const raw = crlf('From: a@example.org', 'To: b@example.net', 'Content-Type: text/plain; charset=us-ascii', 'Content-Transfer-Encoding: base64', '', Buffer.from('hello there').toString('base64'));
  assert.deepEqual(await ids(raw), ['SPAM_BASE64_TEXT']);
});
