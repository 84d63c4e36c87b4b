import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { dkimSign } from 'mailauth';
import { authenticationResultsHeader, senderAuth } from '../../../src/scan/analyzers/sender-auth.js';
import type { Envelope } from '../../../src/core/envelope.js';
import { contextFor, crlf, testEnvelope } from '../analyzer-context.js';
import { staticZoneResolver, type StaticZone } from '../dns/static-zone.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const dkimTxt = `v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`;

const zone: StaticZone = {
  'sender.example': { TXT: ['v=spf1 ip4:192.0.2.1 -all'] },
  'sel._domainkey.sender.example': { TXT: [dkimTxt] },
  '_dmarc.sender.example': { TXT: ['v=DMARC1; p=reject'] },
  'dead.example': 'TIMEOUT',
  '_dmarc.dead.example': 'TIMEOUT',
};

const message = (from: string): string =>
  crlf(`From: Alice <alice@${from}>`, 'To: bob@example.net', 'Subject: hello', 'Message-ID: <1@x>', 'Date: Mon, 1 Jan 2024 00:00:00 +0000', '', 'Hello.', '');

async function signed(raw: string): Promise<string> {
  const key = { signingDomain: 'sender.example', selector: 'sel', privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }) };
  // mailauth signs with signatureData; its typings also require the top-level fields.
  const result = await dkimSign(raw, { ...key, signatureData: [key] });
  assert.equal(result.errors.length, 0);
  return result.signatures + raw;
}

async function run(raw: string, envelope: Partial<Envelope>, z: StaticZone = zone) {
  const ctx = contextFor(raw, { ...testEnvelope, ...envelope });
  const resolver = staticZoneResolver(z);
  const ports = { dns: { resolver, budgetMs: 1000 }, authservId: 'mx.gateway.test' };
  const findings = await senderAuth.analyze({ ...ctx, ports });
  return { ids: findings.map((f) => f.id), findings, header: ctx.facts.authenticationResults };
}

test('aligned DKIM and SPF pass: SPF_PASS, DKIM_VALID (aligned), DMARC_PASS, and the header names us', async () => {
  const r = await run(await signed(message('sender.example')), { clientAddress: '192.0.2.1', helo: 'mail.sender.example', mailFrom: 'alice@sender.example' });
  assert.deepEqual(r.ids, ['SPF_PASS', 'DKIM_VALID', 'ARC_NONE', 'DMARC_PASS']);
  assert.match(r.findings[1]?.detail ?? '', /d=sender\.example s=sel aligned/);
  assert.match(r.header ?? '', /^Authentication-Results: mx\.gateway\.test;\r\n\tdkim=pass /);
  assert.match(r.header ?? '', /spf=pass/);
  assert.match(r.header ?? '', /dmarc=pass/);
  assert.ok(r.header?.endsWith('\r\n'));
});

test('forged From from the wrong IP without a signature: SPF_FAIL, DKIM_NONE, DMARC_FAIL and the p=reject policy', async () => {
  const r = await run(message('sender.example'), { clientAddress: '198.51.100.7', helo: 'evil.example', mailFrom: 'x@sender.example' });
  assert.deepEqual(r.ids, ['SPF_FAIL', 'DKIM_NONE', 'ARC_NONE', 'DMARC_FAIL', 'DMARC_POLICY_REJECT']);
});

test('a body altered after signing is DKIM_INVALID, and DMARC fails', async () => {
  const raw = (await signed(message('sender.example'))).replace('Hello.', 'Pay now.');
  const r = await run(raw, { clientAddress: '198.51.100.7', mailFrom: 'x@other.example' });
  assert.ok(r.ids.includes('DKIM_INVALID'));
  assert.ok(r.ids.includes('DMARC_FAIL'));
});

test('DNS timeouts are temperrors, not failures', async () => {
  const r = await run(message('dead.example'), { clientAddress: '192.0.2.9', mailFrom: 'a@dead.example' });
  assert.ok(r.ids.includes('SPF_TEMPERROR'), r.ids.join());
  assert.ok(r.ids.includes('DMARC_TEMPERROR'), r.ids.join());
  assert.ok(!r.ids.some((id) => id.endsWith('_FAIL')));
});

test('an incoming Authentication-Results header with our authserv-id is reported as forged', async () => {
  const raw = 'Authentication-Results: MX.gateway.test; dmarc=pass\r\n' + 'Authentication-Results: other.example; spf=pass\r\n' + message('sender.example');
  const r = await run(raw, { clientAddress: '192.0.2.1', mailFrom: 'alice@sender.example' });
  assert.ok(r.ids.includes('AUTH_RESULTS_FORGED'));
  const clean = await run('Authentication-Results: other.example; spf=pass\r\n' + message('sender.example'), { clientAddress: '192.0.2.1' });
  assert.ok(!clean.ids.includes('AUTH_RESULTS_FORGED'));
});

test('without a client address SPF is not evaluated; without the DNS port nothing is reported', async () => {
  const r = await run(message('sender.example'), { clientAddress: '' });
  assert.ok(!r.ids.some((id) => id.startsWith('SPF_')));
  assert.deepEqual(await senderAuth.analyze(contextFor(message('sender.example'))), []);
});

test('the header keeps every row on a folded line and cuts an overlong row to method=result', () => {
  const h = authenticationResultsHeader('mx.test', ['spf=pass smtp.mailfrom=a@b', `dkim=fail ${'x'.repeat(2000)}`]);
  assert.equal(h, 'Authentication-Results: mx.test;\r\n\tspf=pass smtp.mailfrom=a@b;\r\n\tdkim=fail\r\n');
});
