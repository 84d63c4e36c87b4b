import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AnalyzerContext } from '../../../src/scan/analyzer.js';
import type { Finding } from '../../../src/core/finding.js';
import { htmlContent } from '../../../src/scan/analyzers/html-content.js';
import { phishingLinks } from '../../../src/scan/analyzers/phishing-links.js';
import { urls } from '../../../src/scan/analyzers/urls.js';
import { DEFAULT_PHISHING_SETTINGS, type PhishingSettings } from '../../../src/scan/url/phishing-settings.js';
import { contextFor, crlf } from '../analyzer-context.js';

function message(from: string, contentType: 'text/plain' | 'text/html', body: string): string {
  return crlf(`From: ${from}`, 'To: bob@example.net', 'Subject: notice', 'Date: Mon, 2 Mar 2026 10:00:00 +0000', 'Message-ID: <1@x.example>', 'MIME-Version: 1.0', `Content-Type: ${contentType}; charset=utf-8`, '', body, '');
}

async function scan(raw: string, settings: PhishingSettings = DEFAULT_PHISHING_SETTINGS): Promise<{ findings: readonly Finding[]; ctx: AnalyzerContext }> {
  const ctx: AnalyzerContext = { ...contextFor(raw), ports: { phishing: settings } };
  await htmlContent.analyze(ctx);
  await urls.analyze(ctx);
  return { findings: await phishingLinks.analyze(ctx), ctx };
}

const ids = (findings: readonly Finding[]): string[] => findings.map((f) => f.id).sort();

test('link text showing paypal.com while the link goes elsewhere: URL_TEXT_HREF_MISMATCH', async () => {
  const { findings } = await scan(message('PayPal <service@paypal.com>', 'text/html', '<p>Log in:</p><a href="http://secure-login.example.net/pp">https://www.paypal.com/signin</a>'));
  assert.ok(ids(findings).includes('URL_TEXT_HREF_MISMATCH'));
  assert.match(findings.find((f) => f.id === 'URL_TEXT_HREF_MISMATCH')?.detail ?? '', /links to secure-login\.example\.net/);
});

test('IP-literal hosts, also in decimal and hex forms, from text and HTML', async () => {
  const text = await scan(message('a@shop.example', 'text/plain', 'Go to http://3232235777/login or http://0x7f.1/x now'));
  assert.deepEqual(ids(text.findings), ['URL_IP_LITERAL']);
  assert.match(text.findings[0]?.detail ?? '', /192\.168\.1\.1 \(written 3232235777\); 127\.0\.0\.1 \(written 0x7f\.1\)/);
  const html = await scan(message('a@shop.example', 'text/html', '<a href="http://198.51.100.9/bank/">Your bank</a>'));
  assert.deepEqual(ids(html.findings), ['URL_IP_LITERAL']);
});

test('a domain in the userinfo: URL_USERINFO_TRICK; plain credentials in an ftp URL are not', async () => {
  const { findings } = await scan(message('a@shop.example', 'text/plain', 'Sign in: https://www.bank.com@evil.example/login'));
  assert.ok(ids(findings).includes('URL_USERINFO_TRICK'));
  assert.match(findings.find((f) => f.id === 'URL_USERINFO_TRICK')?.detail ?? '', /www\.bank\.com@evil\.example/);
  const ftp = await scan(message('a@shop.example', 'text/plain', 'Files at ftp://anonymous@ftp.shop-example.com/pub'));
  assert.deepEqual(ids(ftp.findings), []);
});

test('punycode look-alike of a protected brand: URL_PUNYCODE and URL_LOOKALIKE_DOMAIN', async () => {
  const { findings } = await scan(message('a@shop.example', 'text/html', '<a href="https://xn--pypal-4ve.com/login">Verify</a>'));
  assert.deepEqual(ids(findings), ['URL_LOOKALIKE_DOMAIN', 'URL_PUNYCODE']);
  assert.match(findings.find((f) => f.id === 'URL_LOOKALIKE_DOMAIN')?.detail ?? '', /pаypal\.com imitates paypal\.com \(homoglyph\)/);
});

test('look-alikes of the organisation\'s own domain and of a configured brand', async () => {
  const settings: PhishingSettings = { ownDomains: ['contoso-corp.com'], protectedDomains: ['fabrikam.example'], executives: [] };
  const { findings } = await scan(message('a@shop.example', 'text/plain', 'http://contoso-c0rp.com/hr and http://fabrikarn.example/pay'), settings);
  const detail = findings.find((f) => f.id === 'URL_LOOKALIKE_DOMAIN')?.detail ?? '';
  assert.match(detail, /contoso-c0rp\.com imitates contoso-corp\.com/);
  assert.match(detail, /fabrikarn\.example imitates fabrikam\.example/);
});

test('host verdicts kept between messages belong to the settings they were made with', async () => {
  const text = 'http://contoso-c0rp.com/hr and http://contoso-corp.com.example-login.net/';
  const own: PhishingSettings = { ownDomains: ['contoso-corp.com'], protectedDomains: [], executives: [] };
  for (let i = 0; i < 2; i++) {
    // The second message finds the hosts' verdicts kept from the first.
    assert.deepEqual(ids((await scan(message('a@shop.example', 'text/plain', text), own)).findings), ['URL_BRAND_SUBDOMAIN', 'URL_LOOKALIKE_DOMAIN']);
  }
  const other: PhishingSettings = { ownDomains: ['fabrikam.example'], protectedDomains: [], executives: [] };
  assert.deepEqual(ids((await scan(message('a@shop.example', 'text/plain', text), other)).findings), []);
});

test('a protected domain in front of another site: URL_BRAND_SUBDOMAIN', async () => {
  const { findings } = await scan(message('a@shop.example', 'text/plain', 'https://www.paypal.com.account-check.example/'));
  assert.deepEqual(ids(findings), ['URL_BRAND_SUBDOMAIN']);
});

test('shorteners, free hosting, javascript: and data: links', async () => {
  const { findings } = await scan(
    message('a@shop.example', 'text/html', '<a href="https://bit.ly/3xYz">doc</a> <a href="https://invoice-view.web.app/">view</a> <a href="javascript:alert(1)">run</a> <a href="data:text/html;base64,PGgxPg==">open</a>'),
  );
  assert.deepEqual(ids(findings), ['URL_DATA', 'URL_FREE_HOSTING', 'URL_JAVASCRIPT', 'URL_SHORTENER']);
});

test('credential lure with a link away from the sender: PHISH_CREDENTIAL_LURE', async () => {
  const { findings } = await scan(message('Support <it@corp-mail.example>', 'text/html', '<p>Your mailbox is almost full. Verify your account to avoid suspension.</p><a href="https://quota-restore.example.org/">Restore</a>'));
  assert.deepEqual(ids(findings), ['PHISH_CREDENTIAL_LURE']);
});

test('benign: a PayPal mail from paypal.com linking to paypal.com, with lure-like wording', async () => {
  const { findings } = await scan(message('PayPal <service@paypal.com>', 'text/html', '<p>Please confirm your identity.</p><a href="https://www.paypal.com/signin">https://www.paypal.com/signin</a> <a href="https://www.paypal.com/us/help">Help</a>'));
  assert.deepEqual(ids(findings), []);
});

test('benign: accounts.google.com text with a google.com link, and paypal.de text to paypal.com', async () => {
  const { findings } = await scan(message('Google <no-reply@accounts.google.com>', 'text/html', '<a href="https://www.google.com/accounts/recovery">accounts.google.com</a> <a href="https://www.paypal.com/de/">www.paypal.de</a>'));
  assert.deepEqual(ids(findings), []);
});

test('benign: a newsletter whose shown addresses go through tracking redirects', async () => {
  const body = [
    '<a href="https://shopnews.us5.list-manage.com/track/click?u=1&id=2">www.outdoor-shop.com</a>',
    '<a href="https://click.outdoor-shop.com/?q=3">www.outdoor-shop.com/sale</a>',
    '<a href="https://r.mail-relay.example/c?url=https%3A%2F%2Fwww.partner-store.com%2F">www.partner-store.com</a>',
  ].join('\n');
  const { findings } = await scan(message('Outdoor Shop <news@outdoor-shop.com>', 'text/html', body));
  assert.deepEqual(ids(findings), []);
});

test('URLs are collected once each from text and HTML bodies, with link texts kept', async () => {
  const raw = crlf(
    'From: a@shop.example', 'Subject: x', 'MIME-Version: 1.0', 'Content-Type: multipart/alternative; boundary="b"', '',
    '--b', 'Content-Type: text/plain', '', 'See www.shop-example.com and https://docs.shop-example.com/a', '',
    '--b', 'Content-Type: text/html', '', '<a href="https://docs.shop-example.com/a">docs</a><a href="javascript:void(0)">x</a>', '',
    '--b--', '',
  );
  const { ctx } = await scan(raw);
  assert.deepEqual([...ctx.facts.urls].sort(), ['http://www.shop-example.com', 'https://docs.shop-example.com/a', 'javascript:void(0)']);
  assert.deepEqual(ctx.facts.links, [{ href: 'https://docs.shop-example.com/a', text: 'docs' }, { href: 'javascript:void(0)', text: 'x' }]);
});
