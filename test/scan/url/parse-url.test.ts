import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseUrl, registrableParts } from '../../../src/scan/url/parse-url.js';

test('a plain https URL: host, registrable domain and label', () => {
  const url = parseUrl('https://accounts.google.co.uk/signin?x=1');
  assert.equal(url?.scheme, 'https');
  assert.equal(url?.host, 'accounts.google.co.uk');
  assert.equal(url?.hostKind, 'domain');
  assert.equal(url?.registrableDomain, 'google.co.uk');
  assert.equal(url?.registrableLabel, 'google');
  assert.equal(url?.userinfo, '');
});

test('IPv4 written as decimal, hex and octal resolves to the dotted address, and the written form is kept', () => {
  for (const [input, host, written] of [
    ['http://3232235777/', '192.168.1.1', '3232235777'],
    ['http://0x7f.1/login', '127.0.0.1', '0x7f.1'],
    ['http://0177.0.0.1/', '127.0.0.1', '0177.0.0.1'],
    ['http://198.51.100.7:8080/a', '198.51.100.7', '198.51.100.7'],
  ] as const) {
    const url = parseUrl(input);
    assert.equal(url?.hostKind, 'ipv4', input);
    assert.equal(url?.host, host, input);
    assert.equal(url?.writtenHost, written, input);
    assert.equal(url?.registrableDomain, undefined, input);
  }
  assert.equal(parseUrl('http://[2001:db8::1]/')?.hostKind, 'ipv6');
});

test('userinfo before the host is separated from the host the browser visits', () => {
  const url = parseUrl('https://www.bank.com@evil.example/login');
  assert.equal(url?.userinfo, 'www.bank.com');
  assert.equal(url?.host, 'evil.example');
  assert.equal(parseUrl('https://user:secret@host.example/')?.userinfo, 'user:secret');
});

test('a Unicode host becomes punycode, with the Unicode form kept for display', () => {
  const url = parseUrl('https://pаypal.com/'); // Cyrillic а
  assert.equal(url?.host, 'xn--pypal-4ve.com');
  assert.equal(url?.unicodeHost, 'pаypal.com');
});

test('schemes without a host, and strings that are no URL', () => {
  assert.equal(parseUrl('javascript:alert(1)')?.scheme, 'javascript');
  assert.equal(parseUrl('javascript:alert(1)')?.hostKind, 'none');
  assert.equal(parseUrl('data:text/html;base64,PGgxPg==')?.scheme, 'data');
  assert.equal(parseUrl('not a url'), undefined);
  assert.equal(parseUrl('http://a b.example/'), undefined);
  assert.equal(parseUrl(''), undefined);
});

test('a trailing dot is the same host', () => {
  assert.equal(parseUrl('http://-.-./')?.host, '-.-');
  assert.equal(parseUrl('https://paypal.com./x')?.registrableDomain, 'paypal.com');
});

test('registrable parts: private suffixes count as their own sites; IPs and bare words have none', () => {
  assert.deepEqual(registrableParts('evil.blogspot.com'), { domain: 'evil.blogspot.com', label: 'evil' });
  assert.equal(registrableParts('192.0.2.1'), undefined);
});

test('property: parseUrl never throws, and a result is self-consistent', () => {
  const hostish = fc.stringMatching(/^[a-z0-9.\-@:[\]%]{0,40}$/);
  const input = fc.oneof(
    fc.string({ maxLength: 200 }),
    fc.string({ unit: 'grapheme', maxLength: 100 }),
    fc.tuple(fc.constantFrom('http://', 'https://', 'ftp://', 'javascript:', 'data:', '//', 'HTTP://'), hostish, fc.string({ maxLength: 40 })).map(([s, h, p]) => `${s}${h}/${p}`),
  );
  fc.assert(
    fc.property(input, (s) => {
      const url = parseUrl(s);
      if (url === undefined) return true;
      assert.ok(url.scheme.length > 0);
      if (url.hostKind === 'ipv4') assert.match(url.host, /^\d+\.\d+\.\d+\.\d+$/);
      if (url.registrableDomain !== undefined) assert.ok(url.host.endsWith(url.registrableDomain));
      return true;
    }),
    { numRuns: 1000 },
  );
});
