import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Finding } from '../../../src/core/finding.js';
import { impersonation } from '../../../src/scan/analyzers/impersonation.js';
import { compileKnownCorrespondents, type KnownCorrespondents } from '../../../src/scan/url/known-correspondents.js';
import { DEFAULT_PHISHING_SETTINGS, type PhishingSettings } from '../../../src/scan/url/phishing-settings.js';
import { contextFor, crlf, testEnvelope } from '../analyzer-context.js';

const settings: PhishingSettings = {
  ownDomains: ['contoso-corp.com'],
  protectedDomains: DEFAULT_PHISHING_SETTINGS.protectedDomains,
  executives: [{ name: 'Jane Smith', addresses: ['jane.smith@contoso-corp.com'] }],
};

async function check(headers: string[], mailFrom = 'bounce@sender.example', known?: KnownCorrespondents): Promise<readonly Finding[]> {
  const raw = crlf(...headers, 'Subject: hi', 'Date: Mon, 2 Mar 2026 10:00:00 +0000', '', 'body', '');
  const knownCorrespondents = known === undefined ? {} : { knownCorrespondents: { current: () => known } };
  return impersonation.analyze({ ...contextFor(raw, { ...testEnvelope, mailFrom }), ports: { phishing: settings, ...knownCorrespondents } });
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

/** What the seen-senders store would have made known: two partners and a free-mail provider. */
const correspondents = compileKnownCorrespondents(['partner-corp.example', 'globex.com', 'gmx.net', 'acme-logistics.co.uk']);

test('first contact from a look-alike of a known correspondent: FIRST_CONTACT_LOOKALIKE', async () => {
  const edit = await check(['From: Accounts <ap@partnr-corp.example>'], 'ap@partnr-corp.example', correspondents);
  assert.deepEqual(ids(edit), ['FIRST_CONTACT_LOOKALIKE']);
  assert.match(edit[0]?.detail ?? '', /partnr-corp\.example imitates partner-corp\.example \(edit\), a known correspondent; partnr-corp\.example is not known yet/);
  // Homoglyphs and a brand-style token, from the From header while MAIL FROM is a bulk sender's.
  assert.deepEqual(ids(await check(['From: ap@partner-c0rp.example'], 'bounce@esp.example', correspondents)), ['FIRST_CONTACT_LOOKALIKE']);
  assert.deepEqual(ids(await check(['From: billing@globex-invoices.com'], 'bounce@esp.example', correspondents)), ['FIRST_CONTACT_LOOKALIKE']);
  // The known name under another suffix.
  const suffix = await check(['From: ap@acme-logistics.com'], 'ap@acme-logistics.com', correspondents);
  assert.deepEqual(ids(suffix), ['FIRST_CONTACT_LOOKALIKE']);
  assert.match(suffix[0]?.detail ?? '', /has the name of acme-logistics\.co\.uk under another suffix/);
});

test('no first-contact finding once the domain is known, for unrelated or free-mail senders, or with nothing known', async () => {
  // The correspondent itself, and its subdomains.
  assert.deepEqual(ids(await check(['From: ap@partner-corp.example'], 'ap@partner-corp.example', correspondents)), []);
  assert.deepEqual(ids(await check(['From: ap@mail.partner-corp.example'], 'bounce@esp.example', correspondents)), []);
  // The look-alike once it has become known itself: two real correspondents that look alike.
  const both = compileKnownCorrespondents(['partner-corp.example', 'partnr-corp.example']);
  assert.deepEqual(ids(await check(['From: ap@partnr-corp.example'], 'ap@partnr-corp.example', both)), []);
  // New, but like nobody known.
  assert.deepEqual(ids(await check(['From: sales@northwind-traders.example'], 'sales@northwind-traders.example', correspondents)), []);
  assert.deepEqual(ids(await check(['From: bob@globalcorp.com'], 'bob@globalcorp.com', correspondents)), []);
  // A free-mail provider under another suffix is nobody's registration.
  assert.deepEqual(ids(await check(['From: bob@gmx.de'], 'bob@gmx.de', correspondents)), []);
  // No snapshot yet (a new installation, offline scans): no correspondent is known.
  assert.deepEqual(ids(await check(['From: ap@partnr-corp.example'], 'ap@partnr-corp.example')), []);
});

test('the organisation\'s own name under another suffix is a first contact; a brand\'s is not', async () => {
  assert.deepEqual(ids(await check(['From: IT <it@contoso-corp.net>'], 'it@contoso-corp.net')), ['FIRST_CONTACT_LOOKALIKE']);
  assert.deepEqual(ids(await check(['From: PayPal <service@paypal.de>'], 'service@paypal.de')), []);
});

test('a look-alike of our own domain or a brand gets SENDER_LOOKALIKE_DOMAIN only, known correspondents or not', async () => {
  const ours = compileKnownCorrespondents(['contoso-corp.com', 'rnicrosoft.com']);
  assert.deepEqual(ids(await check(['From: HR <hr@contoso-c0rp.com>'], 'hr@contoso-c0rp.com', ours)), ['SENDER_LOOKALIKE_DOMAIN']);
  assert.deepEqual(ids(await check(['From: a@shop.example'], 'bounce@rnicrosoft.com', ours)), ['SENDER_LOOKALIKE_DOMAIN']);
});
