import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { buildDsn, dsnStatus, needsDsn, readHeaderSection } from '../../src/deliver/dsn.js';
import type { SpoolRecord } from '../../src/spool/spool-store.js';

const original: SpoolRecord = {
  version: 1,
  envelope: {
    queueId: '01JCZ8Q6X7W1N3V4B5C6D7E8F9',
    clientAddress: '192.0.2.1',
    clientPort: 25000,
    helo: 'client.test',
    mailFrom: 'alice@example.net',
    rcptTo: ['bob@example.org', 'carol@example.org'],
    direction: 'inbound',
    receivedAt: Date.UTC(2026, 0, 2, 3, 4, 5),
    size: 100,
  },
  prependHeaders: '',
  verdict: { action: 'accept', score: 0, rule: 'threshold:accept', findings: [] },
  recipients: [
    { address: 'bob@example.org', disposition: 'deliver' },
    { address: 'carol@example.org', disposition: 'deliver' },
  ],
};

/** Splits a multipart body on its boundary into [headers, body] per part. */
function parts(text: string): { headers: string; body: string }[] {
  const boundary = /boundary="([^"]+)"/.exec(text)?.[1];
  assert.ok(boundary, 'multipart boundary');
  const sections = text.split(`--${boundary}`);
  assert.equal(sections.at(-1)?.trim(), '--', 'closing boundary');
  return sections.slice(1, -1).map((s) => {
    const [headers = '', ...rest] = s.replace(/^\r\n/, '').split('\r\n\r\n');
    return { headers, body: rest.join('\r\n\r\n') };
  });
}

describe('DSN (RFC 3464)', () => {
  it('is a multipart/report with a human part, message/delivery-status and text/rfc822-headers', () => {
    const { bytes, messageId } = buildDsn({
      reportingMta: 'mx.example.org',
      original,
      originalHeaders: 'Subject: hello\nMessage-ID: <m1@example.net>',
      failed: [
        { recipient: 'bob@example.org', diagnostic: '550 5.1.1 <bob@example.org>: user unknown', expired: false },
        { recipient: 'carol@example.org', diagnostic: '554 rejected', expired: false },
      ],
      now: Date.UTC(2026, 0, 2, 4, 0, 0),
    });
    const text = bytes.toString('utf8');
    const [head = '', ...body] = text.split('\r\n\r\n');
    assert.match(head, /^From: Mail Delivery System <MAILER-DAEMON@mx\.example\.org>$/m);
    assert.match(head, /^To: <alice@example\.net>$/m);
    assert.match(head, /^Auto-Submitted: auto-replied$/m);
    assert.match(head, new RegExp(`^Message-ID: ${messageId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
    assert.match(head, /^Content-Type: multipart\/report; report-type=delivery-status; boundary="/m);
    assert.ok(body.length > 0);
    const [human, status, headers] = parts(text);
    assert.match(human!.headers, /text\/plain/);
    assert.match(human!.body, /bob@example\.org/);
    assert.equal(status!.headers, 'Content-Type: message/delivery-status');
    const [perMessage, ...perRecipient] = status!.body.trim().split('\r\n\r\n');
    assert.match(perMessage!, /^Reporting-MTA: dns; mx\.example\.org$/m);
    assert.match(perMessage!, /^Arrival-Date: Fri, 02 Jan 2026 03:04:05 \+0000$/m);
    assert.equal(perRecipient.length, 2);
    assert.match(perRecipient[0]!, /^Final-Recipient: rfc822; bob@example\.org\r\nAction: failed\r\nStatus: 5\.1\.1\r\nDiagnostic-Code: smtp; 550 5\.1\.1/);
    assert.match(perRecipient[1]!, /Status: 5\.0\.0/);
    assert.equal(headers!.headers, 'Content-Type: text/rfc822-headers');
    assert.equal(headers!.body.trim(), 'Subject: hello\r\nMessage-ID: <m1@example.net>');
  });

  it('cannot be made to carry an extra header by a CRLF in a remote reply', () => {
    const { bytes } = buildDsn({
      reportingMta: 'mx.example.org',
      original,
      originalHeaders: 'Subject: x',
      failed: [{ recipient: 'bob@example.org', diagnostic: '550 no\r\nBcc: victim@example.com', expired: false }],
      now: Date.now(),
    });
    assert.doesNotMatch(bytes.toString(), /^Bcc:/m);
  });

  it('uses 4.4.7 for expiry unless the last reply was permanent, and is never needed for the null sender', () => {
    assert.equal(dsnStatus({ recipient: 'a@b.c', diagnostic: 'delivery time expired; last reply: 421 4.4.2 timeout', expired: true }), '4.4.7');
    assert.equal(dsnStatus({ recipient: 'a@b.c', diagnostic: '550 5.7.1 denied', expired: false }), '5.7.1');
    assert.equal(needsDsn(original), true);
    assert.equal(needsDsn({ ...original, envelope: { ...original.envelope, mailFrom: '' } }), false);
  });

  it('reads only the header section, bounded', async () => {
    const stream = Readable.from([Buffer.from('A: 1\r\nB: 2\r\n'), Buffer.from('\r\nbody that must not appear\r\n')]);
    assert.equal(await readHeaderSection(stream), 'A: 1\r\nB: 2');
    const long = Readable.from([Buffer.from(`X: ${'a'.repeat(100)}\r\nY: ${'b'.repeat(100)}\r\n`)]);
    assert.equal(await readHeaderSection(long, 110), `X: ${'a'.repeat(100)}\r`);
  });
});
