import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseReceivedClient } from '../../src/mime/received.js';

test('the client of a Received header', () => {
  assert.deepEqual(parseReceivedClient('from helo.example (mail.example.net [192.0.2.7]) by mx.example.org with ESMTP'), {
    address: '192.0.2.7',
    helo: 'helo.example',
    hostname: 'mail.example.net',
  });
  assert.equal(parseReceivedClient('from [IPv6:2001:db8::1] (unknown [IPv6:2001:db8::1]) by mx')?.address, '2001:db8::1');
});

test('no valid address: undefined', () => {
  assert.equal(parseReceivedClient('by mx.example.org with LMTP'), undefined);
  assert.equal(parseReceivedClient('from x (y [999.1.1.1])'), undefined);
});
