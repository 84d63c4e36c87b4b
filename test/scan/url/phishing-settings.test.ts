// The phishing configuration, from YAML keys to the sandboxes: the schema's `phishing` section,
// phishingSettings(), and `portcullis scan` (real sandbox processes) applying configured
// executives and accepted domains.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configSchema } from '../../../src/config/schema.js';
import { runScan, type ScanIo } from '../../../src/cli/scan.js';
import { DEFAULT_PROTECTED_DOMAINS } from '../../../src/scan/url/known-domains.js';
import { phishingSettings } from '../../../src/scan/url/phishing-settings.js';

const downstream = 'smtp://127.0.0.1:2526';

test('phishing config: defaults, additions to the built-in list, executives in lower case, bad keys refused', () => {
  const defaults = phishingSettings(configSchema.parse({}));
  assert.deepEqual(defaults, { ownDomains: [], protectedDomains: DEFAULT_PROTECTED_DOMAINS, executives: [] });
  const config = configSchema.parse({
    domains: [{ name: 'Contoso-Corp.com', downstream }],
    phishing: { protectedDomains: ['fabrikam.example'], executives: [{ name: 'Jane Smith', addresses: ['Jane.Smith@Contoso-Corp.com'] }] },
  });
  const settings = phishingSettings(config);
  assert.deepEqual(settings.ownDomains, ['contoso-corp.com']);
  assert.ok(settings.protectedDomains.includes('paypal.com') && settings.protectedDomains.includes('fabrikam.example'));
  assert.deepEqual(settings.executives, [{ name: 'Jane Smith', addresses: ['jane.smith@contoso-corp.com'] }]);
  const own = phishingSettings(configSchema.parse({ phishing: { builtinProtectedDomains: false, protectedDomains: ['fabrikam.example'] } }));
  assert.deepEqual(own.protectedDomains, ['fabrikam.example']);
  assert.equal(configSchema.safeParse({ phishing: { executives: [{ name: 'Jane Smith', addresses: ['not an address'] }] } }).success, false);
  assert.equal(configSchema.safeParse({ phishing: { protectedDomains: ['not a domain'] } }).success, false);
  assert.equal(configSchema.safeParse({ phishing: { brands: [] } }).success, false);
});

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'portcullis-phishing-settings-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('portcullis scan: the configured executive and accepted domain reach the sandbox', async () => {
  writeFileSync(join(dir, 'portcullis.yaml'), [
    `dataDir: ${JSON.stringify(join(dir, 'data'))}`, 'scan:', '  timeoutMs: 10000',
    'domains:', '  - name: contoso-corp.com', '    downstream: smtp://127.0.0.1:2526',
    'phishing:', '  executives:', '    - name: Jane Smith', '      addresses: [jane.smith@contoso-corp.com]', '',
  ].join('\n'));
  const mail = join(dir, 'mail');
  const message = (from: string): string => [`From: ${from}`, 'To: bob@contoso-corp.com', 'Subject: wire transfer', 'Date: Mon, 2 Mar 2026 10:00:00 +0000', 'Message-ID: <1@x.example>', '', 'Please pay today.', ''].join('\r\n');
  mkdirSync(mail);
  writeFileSync(join(mail, 'ceo-fraud.eml'), message('"Jane Smith" <jane.smith.ceo@c0ntoso-corp.com>'));
  writeFileSync(join(mail, 'real-ceo.eml'), message('"Jane Smith" <jane.smith@contoso-corp.com>'));
  const lines: string[] = [];
  const io: ScanIo = { out: (l) => lines.push(l), err: () => undefined };
  assert.equal(await runScan([mail], { config: join(dir, 'portcullis.yaml'), direction: 'inbound', json: true }, io), 0);
  const byFile = new Map(lines.map((l) => JSON.parse(l) as { file: string; findings: { id: string }[] }).map((v) => [v.file.split('/').at(-1), v.findings.map((f) => f.id)]));
  assert.ok(byFile.get('ceo-fraud.eml')?.includes('FROM_DISPLAY_NAME_IMPERSONATION'));
  assert.ok(byFile.get('ceo-fraud.eml')?.includes('SENDER_LOOKALIKE_DOMAIN'));
  assert.ok(!byFile.get('real-ceo.eml')?.includes('FROM_DISPLAY_NAME_IMPERSONATION'));
  assert.ok(!byFile.get('real-ceo.eml')?.includes('SENDER_LOOKALIKE_DOMAIN'));
});
