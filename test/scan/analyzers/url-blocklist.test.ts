import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_URIBL_DOMAINS, urlBlocklist, urlDomains } from '../../../src/scan/analyzers/url-blocklist.js';
import { buildAnalyzerList } from '../../../src/scan/registry.js';
import { runPipeline } from '../../../src/scan/pipeline.js';
import { sandboxPoolOptions } from '../../../src/scan/sandbox/pool-options.js';
import { configSchema } from '../../../src/config/schema.js';
import type { UriblZone } from '../../../src/scan/analyzer.js';
import { contextFor, crlf, testEnvelope } from '../analyzer-context.js';
import { staticZoneResolver, type StaticZone } from '../dns/static-zone.js';

const zones: readonly UriblZone[] = [
  { zone: 'uribl.test', score: 4 },
  { zone: 'dbl.test', score: 2.5 },
];

const dnsZone: StaticZone = {
  'evil.example.uribl.test': { A: ['127.0.0.2'] },
  'evil.example.dbl.test': { A: ['127.0.1.2'] },
  'quota.example.uribl.test': { A: ['127.255.255.254'] },
  'ads.example.uribl.test': { A: ['198.51.100.1'] },
  'slow.example.uribl.test': 'TIMEOUT',
};

async function run(body: string, uribl: readonly UriblZone[] = zones, z: StaticZone = dnsZone) {
  const ctx = contextFor(crlf('From: a@example.org', 'To: b@example.net', 'Subject: hi', '', body, ''));
  ctx.facts.urls.push(...body.split(/\s+/).filter((w) => w.includes('://')));
  const resolver = staticZoneResolver(z);
  const findings = await urlBlocklist.analyze({ ...ctx, ports: { dns: { resolver, budgetMs: 1000 }, uribl } });
  return { findings, queries: resolver.queries };
}

test('a listed registrable domain reports URIBL_LISTED per zone, weighted by the zone, naming domain, zone and code', async () => {
  const r = await run('see https://login.evil.example/x and https://good.example/');
  assert.deepEqual(
    r.findings.map((f) => [f.id, f.detail, f.weight]),
    [
      ['URIBL_LISTED', 'evil.example listed in uribl.test (127.0.0.2)', 4],
      ['URIBL_LISTED', 'evil.example listed in dbl.test (127.0.1.2)', 2.5],
    ],
  );
  // The registrable domain is asked, not the host; every domain in every zone.
  assert.deepEqual([...r.queries].sort(), ['A evil.example.dbl.test', 'A evil.example.uribl.test', 'A good.example.dbl.test', 'A good.example.uribl.test']);
});

test('127.255.255.x error codes, non-loopback answers, NXDOMAIN and timeouts are not listings', async () => {
  const r = await run('https://quota.example/ https://ads.example/ https://slow.example/ https://clean.example/');
  assert.deepEqual(r.findings, []);
  assert.equal(r.queries.length, 8);
});

test('no zones configured or no DNS: nothing is asked', async () => {
  const r = await run('https://evil.example/', []);
  assert.deepEqual(r.findings, []);
  assert.deepEqual(r.queries, []);
  const ctx = contextFor(crlf('Subject: x', '', 'https://evil.example/', ''));
  ctx.facts.urls.push('https://evil.example/');
  assert.deepEqual(await urlBlocklist.analyze({ ...ctx, ports: { uribl: zones } }), []);
});

test('at most MAX_URIBL_DOMAINS distinct domains; IP hosts and URLs without a host are not asked', () => {
  const many = Array.from({ length: 50 }, (_, i) => `https://a.d${i}.example/ https://b.d${i}.example/`).flatMap((s) => s.split(' '));
  const domains = urlDomains(['http://192.0.2.7/', 'mailto:x@evil.example', ...many]);
  assert.equal(domains.length, MAX_URIBL_DOMAINS);
  assert.deepEqual(domains.slice(0, 2), ['d0.example', 'd1.example']);
});

test('through the pipeline with the built-in analyzers: a link in an HTML body is looked up and scored', async () => {
  const raw = Buffer.from(
    crlf('From: a@example.org', 'To: b@example.net', 'Subject: hi', 'MIME-Version: 1.0', 'Content-Type: text/html', '', '<p><a href="https://www.evil.example/pay">invoice</a></p>', ''),
  );
  const resolver = staticZoneResolver(dnsZone);
  const result = await runPipeline(raw, testEnvelope, buildAnalyzerList(), new AbortController().signal, { dns: { resolver, budgetMs: 1000 }, uribl: zones.slice(0, 1) });
  const listed = result.findings.filter((f) => f.id === 'URIBL_LISTED');
  assert.deepEqual(listed.map((f) => f.detail), ['evil.example listed in uribl.test (127.0.0.2)']);
  assert.ok(resolver.queries.includes('A evil.example.uribl.test'));
});

test('reputation.uribl reaches the sandbox ports through sandboxPoolOptions', () => {
  const config = configSchema.parse({ reputation: { uribl: [{ zone: 'multi.uribl.test' }] } });
  const options = sandboxPoolOptions(config, { size: 1, readablePaths: [] });
  assert.deepEqual(options.ports?.uribl, [{ zone: 'multi.uribl.test', score: 5 }]);
});
