import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Analyzer, AnalyzerContext } from '../../src/scan/analyzer.js';
import { runPipeline } from '../../src/scan/pipeline.js';
import { crlf, testEnvelope } from './analyzer-context.js';

const raw = Buffer.from(
  crlf(
    'Received: from helo.example (relay.example.net [198.51.100.9]) by mx.example.org',
    'From: =?utf-8?Q?Al=C3=AFce?= <alice@example.org>',
    'Subject: =?utf-8?B?aMOpbGxv?=',
    'Message-ID: <m1@example.org>',
    'Content-Type: multipart/mixed; boundary=b',
    '',
    '--b',
    '',
    'text',
    '--b',
    'Content-Type: application/zip; name=a.zip',
    '',
    'PK',
    '--b--',
  ),
);
const signal = new AbortController().signal;

function analyzer(name: string, analyze: (ctx: AnalyzerContext) => Promise<ReturnType<typeof Array.prototype.slice>>, directions: Analyzer['directions'] = ['inbound']): Analyzer {
  return { name, directions, dependsOn: [], analyze };
}

test('analyzers run in order for the envelope direction and share facts; the summary is filled', async () => {
  const seen: string[] = [];
  const first = analyzer('first', async (ctx) => {
    seen.push('first');
    ctx.facts.urls.push('https://example.org/');
    return [{ id: 'TEST_FIRST', detail: 'one' }];
  });
  const second = analyzer('second', async (ctx) => {
    seen.push(`second:${ctx.facts.urls?.length}`);
    return [];
  });
  const outbound = analyzer('outbound-only', async () => {
    seen.push('outbound');
    return [];
  }, ['outbound']);
  const result = await runPipeline(raw, testEnvelope, [first, outbound, second], signal);
  assert.deepEqual(seen, ['first', 'second:1']);
  assert.deepEqual(result.findings.map((f) => f.id), ['TEST_FIRST']);
  assert.deepEqual(result.summary, {
    messageId: '<m1@example.org>',
    subject: 'héllo',
    fromHeader: 'Alïce <alice@example.org>',
    attachments: [{ name: 'a.zip', type: 'application/zip', sha256: result.summary.attachments[0]?.sha256, size: 2 }],
    urls: ['https://example.org/'],
  });
});

test('an analyzer that throws gives SCAN_ANALYZER_ERROR naming it; the others still run', async () => {
  const broken = analyzer('broken', async () => {
    throw new Error('boom');
  });
  const after = analyzer('after', async () => [{ id: 'TEST_AFTER', detail: '' }]);
  const result = await runPipeline(raw, testEnvelope, [broken, after], signal);
  assert.deepEqual(result.findings.map((f) => f.id), ['SCAN_ANALYZER_ERROR', 'TEST_AFTER']);
  assert.match(result.findings[0]?.detail ?? '', /analyzer broken failed: Error: boom/);
});

test('a malformed finding id is an analyzer error, not a silent zero', async () => {
  const sloppy = analyzer('sloppy', async () => [{ id: 'lowercase', detail: '' }]);
  const result = await runPipeline(raw, testEnvelope, [sloppy], signal);
  assert.deepEqual(result.findings.map((f) => f.id), ['SCAN_ANALYZER_ERROR']);
});

test('an aborted signal stops the remaining analyzers with SCAN_LIMIT_TIME', async () => {
  const controller = new AbortController();
  const slow = analyzer('slow', async () => {
    controller.abort();
    return [];
  });
  const never = analyzer('never', async () => [{ id: 'TEST_NEVER', detail: '' }]);
  const result = await runPipeline(raw, testEnvelope, [slow, never], controller.signal);
  assert.deepEqual(result.findings.map((f) => f.id), ['SCAN_LIMIT_TIME']);
  assert.match(result.findings[0]?.detail ?? '', /not run: never/);
});

test('without a client address, the client comes from the topmost Received header', async () => {
  let client = '';
  const probe = analyzer('probe', async (ctx) => {
    client = `${ctx.envelope.clientAddress} ${ctx.envelope.helo} ${ctx.envelope.clientHostname}`;
    return [];
  });
  await runPipeline(raw, { ...testEnvelope, clientAddress: '', helo: '' }, [probe], signal);
  assert.equal(client, '198.51.100.9 helo.example relay.example.net');
  await runPipeline(raw, testEnvelope, [probe], signal);
  assert.equal(client.split(' ')[0], testEnvelope.clientAddress);
});
