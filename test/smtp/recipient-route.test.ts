import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/load.js';
import { routeRecipient } from '../../src/smtp/recipient-route.js';
import { domainOf } from '../../src/core/address.js';
import { policyKey } from '../../src/policy/rules.js';
import { NetworkList } from '../../src/smtp/network-list.js';

const withDomains = parseConfig({ domains: [{ name: 'Example.org', downstream: 'smtp://10.0.0.5:25' }] }, 'test');
const embedded = parseConfig({}, 'test');

test('embedded defaults: every recipient goes to the local mailbox as inbound', () => {
  assert.deepEqual(routeRecipient(embedded, { recipient: 'anyone@anywhere.test', mayRelay: false }), { kind: 'local', direction: 'inbound' });
});

test('accepted domain is inbound whoever sends, case-insensitively', () => {
  const route = routeRecipient(withDomains, { recipient: 'User@EXAMPLE.ORG', mayRelay: false });
  assert.equal(route.kind, 'inbound');
});

test('other domains: outbound only for clients that may relay, else denied (no open relay)', () => {
  assert.equal(routeRecipient(withDomains, { recipient: 'x@other.test', mayRelay: true }).kind, 'outbound');
  assert.equal(routeRecipient(withDomains, { recipient: 'x@other.test', mayRelay: false }).kind, 'denied');
  assert.equal(routeRecipient(withDomains, { recipient: 'x@example.org.evil.test', mayRelay: false }).kind, 'denied');
  assert.equal(routeRecipient(withDomains, { recipient: 'x@sub.example.org', mayRelay: false }).kind, 'denied');
});

test('policy keys differ between inbound and outbound recipients', () => {
  const inbound = routeRecipient(withDomains, { recipient: 'a@example.org', mayRelay: true });
  const outbound = routeRecipient(withDomains, { recipient: 'a@other.test', mayRelay: true });
  assert.ok(inbound.kind !== 'denied' && outbound.kind !== 'denied');
  assert.notEqual(policyKey(withDomains, 'a@example.org', inbound.direction, '127.0.0.1'), policyKey(withDomains, 'a@other.test', outbound.direction, '127.0.0.1'));
});

test('domainOf takes the last @ and drops a trailing dot', () => {
  assert.equal(domainOf('"a@b"@Example.ORG.'), 'example.org');
  assert.equal(domainOf('postmaster'), '');
});

test('trusted networks match IPv4, IPv6 and IPv4-mapped addresses', () => {
  const list = new NetworkList(['127.0.0.0/8', '::1/128', '192.0.2.7']);
  assert.ok(list.contains('127.1.2.3'));
  assert.ok(list.contains('::ffff:127.0.0.1'));
  assert.ok(list.contains('::1'));
  assert.ok(list.contains('192.0.2.7'));
  assert.ok(!list.contains('192.0.2.8'));
  assert.ok(!list.contains('10.0.0.1'));
  assert.ok(!list.contains('not-an-ip'));
});
