import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LinkifyIt } from 'linkify-it';
import { findTextUrls, textIsUrl } from '../../../src/scan/url/find-text-urls.js';
import { readHtmlLinks } from '../../../src/scan/url/read-html-links.js';

test('text URLs: schemes, fuzzy links, IP links and userinfo; e-mail addresses and version numbers are not links', () => {
  assert.deepEqual(findTextUrls('upgrade to 1.67.2.1 today', 10), []);
  const found = findTextUrls('See www.shop-example.com and https://www.bank.com@evil.example/x, http://192.0.2.5/a or paypal.com/login. Mail bob@example.org', 10);
  assert.deepEqual(found, ['http://www.shop-example.com', 'https://www.bank.com@evil.example/x', 'http://192.0.2.5/a', 'http://paypal.com/login']);
  assert.deepEqual(findTextUrls('a.com b.com c.com', 2), ['http://a.com', 'http://b.com']);
  assert.deepEqual(findTextUrls('nothing here', 0), []);
});

test('only lines that can hold a link are searched, and the links found are those of the whole text', () => {
  // The same options as find-text-urls.ts, over the whole text at once.
  const whole = new LinkifyIt({ fuzzyLink: true, fuzzyIP: false, fuzzyEmail: false, urlAuth: true, maxLength: 2048 });
  const text = [
    'Hello,', 'write to MAILTO:root@localhost or see', '//cdn.example.net/a.js and http://localhost:8080/x', 'HTTPS://Bank.EXAMPLE/login',
    'plain words, no link here', 'www.a and ftp://192.0.2.7/f', '(see <https://x.example/p?q=1>)', 'user:pw@host.example/path', 'end.',
  ].join('\n');
  const expected = (whole.match(text) ?? []).map((m) => m.url);
  assert.ok(expected.length >= 6, expected.join(' '));
  assert.deepEqual(findTextUrls(text, 100), expected);
  assert.deepEqual(findTextUrls(`${'filler line without links\n'.repeat(300)}${text}`, 100), expected);
});

test('textIsUrl: an anchor text that reads as a link, and one that does not', () => {
  assert.equal(textIsUrl(' https://www.paypal.com/signin '), 'https://www.paypal.com/signin');
  assert.equal(textIsUrl('www.paypal.com.'), 'http://www.paypal.com');
  assert.equal(textIsUrl('Click here'), undefined);
  assert.equal(textIsUrl('Visit www.paypal.com now'), undefined);
});

test('HTML links keep their visible text; script and style are not text', () => {
  // A <head> never closed (browsers close it at <body>) hides nothing.
  assert.deepEqual(readHtmlLinks('<html><head><meta charset="utf-8"><body><a href="http://x.example/">www.paypal.com</a>').links, [{ href: 'http://x.example/', text: 'www.paypal.com' }]);
  const read = readHtmlLinks('<html><head><style>a{}</style><script>var x="y"</script></head><body><p>Dear customer</p><a href="http://evil.example/">https://www.paypal.com/</a><a href="https://x.example/"><img alt="Log in"></a><a name="top">no href</a></body></html>');
  assert.deepEqual(read.links, [
    { href: 'http://evil.example/', text: 'https://www.paypal.com/' },
    { href: 'https://x.example/', text: 'Log in' },
  ]);
  assert.equal(read.text, 'Dear customer https://www.paypal.com/ Log in no href');
});

test('long texts: only lines that may hold a link are searched, and every link is still found', () => {
  const filler = 'Portcullis relay benchmark body text, the same for every line.'.padEnd(76, '=');
  const lines = Array.from({ length: 400 }, () => filler);
  lines[10] = 'see https://login.bank.example/verify?id=1 today';
  lines[200] = 'or visit www.example.com/account, or mail a@b.c';
  lines[399] = 'the end: xn--pypal-4ve.com/x';
  const found = findTextUrls(lines.join('\r\n'), 10);
  assert.deepEqual(found, ['https://login.bank.example/verify?id=1', 'http://www.example.com/account', 'http://xn--pypal-4ve.com/x']);
});
