import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Finding } from '../../../src/core/finding.js';
import { impersonation } from '../../../src/scan/analyzers/impersonation.js';
import { DEFAULT_PHISHING_SETTINGS, type PhishingSettings } from '../../../src/scan/url/phishing-settings.js';
import { contextFor, crlf, testEnvelope } from '../analyzer-context.js';

const settings: PhishingSettings = {
  ownDomains: ['contoso-corp.com'],
  protectedDomains: DEFAULT_PHISHING_SETTINGS.protectedDomains,
  executives: [{ name: 'Jane Smith', addresses: ['jane.smith@contoso-corp.com'] }],
};

async function check(headers: string[], mailFrom = 'bounce@sender.example'): Promise<readonly Finding[]> {
  const raw = crlf(...headers, 'Subject: hi', 'Date: Mon, 2 Mar 2026 10:00:00 +0000', '', 'body', '');
  return impersonation.analyze({ ...contextFor(raw, { ...testEnvelope, mailFrom }), ports: { phishing: settings } });
}
const ids = (findings: readonly Finding[]): string[] => findings.map((f) => f.id).sort();

test('an executive\'s name from another address, in either name order', async () => {
  const a = await check(['From: "Jane Smith" <jane.smith.ceo@gmail.com>']);
  assert.deepEqual(ids(a), ['FROM_DISPLAY_NAME_IMPERSONATION']);
  assert.match(a[0]?.detail ?? '', /claims executive Jane Smith from jane\.smith\.ceo@gmail\.com/);
  assert.deepEqual(ids(await check(['From: "Smith, Jane" <ceo-office@mail.example>'])), ['FROM_DISPLAY_NAME_IMPERSONATION']);
  assert.deepEqual(ids(await check(['From: "Jane Smith" <Jane.Smith@contoso-corp.com>'])), []);
  assert.deepEqual(ids(await check(['From: "Janet Smithers" <janet@mail.example>'])), []);
});

test('a brand in the display name from a domain that is not the brand\'s', async () => {
  const f = await check(['From: =?utf-8?q?PayPal_Service?= <alerts@secure-notice.example>']);
  assert.deepEqual(ids(f), ['FROM_DISPLAY_NAME_IMPERSONATION']);
  assert.match(f[0]?.detail ?? '', /claims paypal\.com/);
  // Short brand names must be a whole word: "groups" is not UPS.
  assert.deepEqual(ids(await check(['From: "UPS Delivery" <track@parcel-notice.example>'])), ['FROM_DISPLAY_NAME_IMPERSONATION']);
  assert.deepEqual(ids(await check(['From: "Hiking groups" <list@hikers.example>'])), []);
});

test('benign: brands writing from their own domains and name-bearing domains', async () => {
  assert.deepEqual(ids(await check(['From: "PayPal" <service@paypal.de>'])), []);
  assert.deepEqual(ids(await check(['From: "Microsoft account team" <account-security-noreply@accountprotection.microsoft.com>'])), []);
  assert.deepEqual(ids(await check(['From: "Yahoo! Groups" <notify@yahoogroups.com>'])), []);
  // A newsletter about a brand that names its own sender.
  assert.deepEqual(ids(await check(['From: "Lockergnome Apple Core" <subscriptions@lockergnome.com>'])), []);
});

test('Reply-To to a free-mail address, and to another domain', async () => {
  const free = await check(['From: Billing <billing@vendor.example>', 'Reply-To: vendor.billing@gmail.com']);
  assert.deepEqual(ids(free), ['REPLY_TO_FREEMAIL']);
  assert.deepEqual(ids(await check(['From: Billing <billing@vendor.example>', 'Reply-To: billing@other-vendor.example'])), ['REPLY_TO_MISMATCH']);
  assert.deepEqual(ids(await check(['From: Billing <billing@vendor.example>', 'Reply-To: help@support.vendor.example'])), []);
  // From one free-mail provider to another: only a mismatch (REPLY_TO_FREEMAIL is for a business sender).
  assert.deepEqual(ids(await check(['From: Bob <bob@gmail.com>', 'Reply-To: bob@yahoo.com'])), ['REPLY_TO_MISMATCH']);
  assert.deepEqual(ids(await check(['From: Bob <bob@gmail.com>', 'Reply-To: bob.other@gmail.com'])), []);
});

test('a sender domain that looks like the organisation\'s or a brand\'s: SENDER_LOOKALIKE_DOMAIN', async () => {
  const own = await check(['From: HR <hr@contoso-c0rp.com>']);
  assert.deepEqual(ids(own), ['SENDER_LOOKALIKE_DOMAIN']);
  assert.match(own[0]?.detail ?? '', /contoso-c0rp\.com imitates contoso-corp\.com/);
  assert.deepEqual(ids(await check(['From: a@shop.example'], 'bounce@rnicrosoft.com')), ['SENDER_LOOKALIKE_DOMAIN']);
  assert.deepEqual(ids(await check(['From: HR <hr@contoso-corp.com>'])), []);
  assert.deepEqual(ids(await check(['From: Alerts <alerts@accounts.google.com>'])), []);
});
