// URLs as a hunt field (DESIGN.md invariant 9): from the scan facts into the summary, across the
// sandbox boundary (validated), and into the tracking row and back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TrackingLog } from '../../../src/observe/tracking.js';
import { createLogger } from '../../../src/observe/logger.js';
import type { MessageSummary } from '../../../src/observe/tracking-event.js';
import { openDatabase } from '../../../src/store/database.js';
import { readWorkerMessage } from '../../../src/scan/sandbox/sandbox-protocol.js';
import { MAX_SUMMARY_URLS, MAX_SUMMARY_URL_CHARS, summarizeMessage } from '../../../src/scan/summarize-message.js';
import { htmlContent } from '../../../src/scan/analyzers/html-content.js';
import { urls } from '../../../src/scan/analyzers/urls.js';
import { contextFor, crlf } from '../analyzer-context.js';

test('the summary carries the collected URLs, bounded in count and length', async () => {
  const long = `https://long.example/${'a'.repeat(1500)}`;
  const many = Array.from({ length: MAX_SUMMARY_URLS + 20 }, (_, i) => `https://h${i}.example/`).join(' ');
  const ctx = contextFor(crlf('From: a@shop.example', 'Subject: x', 'Content-Type: text/html', '', `<a href="${long}">x</a><a href="https://one.example/">y</a> ${many}`, ''));
  await htmlContent.analyze(ctx);
  await urls.analyze(ctx);
  const summary = summarizeMessage(ctx.message, ctx.facts);
  assert.equal(summary.urls?.length, MAX_SUMMARY_URLS);
  assert.equal(summary.urls?.[0]?.length, MAX_SUMMARY_URL_CHARS);
  assert.equal(summary.urls?.[1], 'https://one.example/');
  assert.equal(summarizeMessage(contextFor(crlf('From: a@b.example', '', 'no links', '')).message, contextFor('x').facts).urls, undefined);
});

test('a sandbox reply with URLs is accepted; too many, too long or non-string URLs make it malformed', () => {
  const reply = (summaryUrls: unknown): unknown => ({ kind: 'result', jobId: 1, findings: [], summary: { attachments: [], urls: summaryUrls } });
  const ok = readWorkerMessage(reply(['https://a.example/']));
  assert.ok(ok?.kind === 'result');
  assert.deepEqual(ok.summary.urls, ['https://a.example/']);
  assert.equal(readWorkerMessage(reply(Array.from({ length: MAX_SUMMARY_URLS + 1 }, () => 'https://a.example/'))), undefined);
  assert.equal(readWorkerMessage(reply(['x'.repeat(MAX_SUMMARY_URL_CHARS + 1)])), undefined);
  assert.equal(readWorkerMessage(reply([42])), undefined);
  assert.equal(readWorkerMessage(reply('https://a.example/')), undefined);
});

test('the tracking row keeps the URLs and a search returns them', async () => {
  const db = await openDatabase({ dataDir: ':memory:' });
  try {
    const tracking = new TrackingLog(db, { logger: createLogger({ level: 'fatal' }) });
    const base: MessageSummary = {
      queueId: 'Q-URLS', receivedAt: 1000, node: 'n', direction: 'inbound', clientAddress: '192.0.2.1', helo: 'h', mailFrom: 'a@b.example',
      rcptTo: ['c@d.example'], size: 10, action: 'tag', score: 5, rule: 'threshold', findings: [],
    };
    tracking.message({ ...base, urls: ['https://evil.example/login', 'http://192.0.2.5/'] });
    tracking.message({ ...base, queueId: 'Q-NONE' });
    await tracking.flush();
    const [withUrls] = await tracking.search({ queueId: 'Q-URLS' });
    assert.deepEqual(withUrls?.message?.urls, ['https://evil.example/login', 'http://192.0.2.5/']);
    const [without] = await tracking.search({ queueId: 'Q-NONE' });
    assert.equal(without?.message?.urls, undefined);
    await tracking.close();
  } finally {
    await db.destroy();
  }
});
