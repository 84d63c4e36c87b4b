import { test } from 'node:test';
import assert from 'node:assert/strict';
import { receivedHeader } from '../../src/smtp/received-header.js';
import { verdictHeaders } from '../../src/smtp/verdict-headers.js';
import type { Envelope } from '../../src/core/envelope.js';

const envelope: Envelope = {
  queueId: '01JD0000000000000000000000',
  clientAddress: '::ffff:192.0.2.1',
  clientPort: 40000,
  helo: 'client.test\r\nX-Injected: yes',
  tls: { protocol: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384' },
  mailFrom: 'a@client.test',
  rcptTo: ['b@example.org'],
  direction: 'inbound',
  receivedAt: Date.UTC(2026, 10, 26, 12, 0, 0),
  size: 10,
};

test('Received header carries TLS details and cannot be injected through HELO', () => {
  const header = receivedHeader(envelope, 'mx.example.org', 'ESMTPS');
  assert.match(header, /^Received: from client\.testX-Injected:yes \(unknown \[192\.0\.2\.1\]\)\r\n\t\(using TLSv1\.3 with cipher TLS_AES_256_GCM_SHA384\)/);
  assert.match(header, /by mx\.example\.org \(Portcullis\) with ESMTPS id 01JD0000000000000000000000\r\n\tfor <b@example\.org>;/);
  assert.equal(header.split('\r\n').filter((l) => /^[^\t]/.test(l)).length, 1, 'exactly one header field');
  assert.ok(header.endsWith('+0000\r\n'));
});

test('verdict headers: score, rule, folded finding list, spam flag on tag', () => {
  const findings = Array.from({ length: 8 }, (_, i) => ({ id: `HEADER_SOMETHING_LONG_${i}`, score: 1.25, detail: 'x' }));
  const text = verdictHeaders({ action: 'tag', score: 10, rule: 'threshold:tag', findings }, envelope.queueId);
  assert.match(text, /^X-Portcullis-Verdict: tag; score=10; rule=threshold:tag; id=01JD/);
  assert.match(text, /X-Spam-Flag: YES\r\n$/);
  for (const line of text.split('\r\n')) assert.ok(line.length <= 100, line);
  assert.ok(!verdictHeaders({ action: 'accept', score: 0, rule: 'default:accept', findings: [] }, envelope.queueId).includes('X-Spam-Flag'));
});
