/**
 * Property tests (fast-check) over parseMessage: random bytes, and mutations of a few seed
 * messages that exercise every hiding place and ambiguity. For every input: a result, never an
 * exception; decoded bytes never beyond the limits unless a SCAN_LIMIT_* finding says so.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseMessage, type MimeLimits } from '../../src/mime/parse-message.js';
import { crlf } from '../scan/analyzer-context.js';
import { binhex, buildTnef, uuencode } from './mime-encoders.js';

const payload = Buffer.from('MZ\x90\x00 payload \x00\xff', 'latin1');
const seeds: Buffer[] = [
  Buffer.from(
    crlf(
      'From: a@example.org',
      'Content-Type: multipart/mixed; boundary="b"; boundary=c',
      'Content-Type: text/plain',
      '',
      '--b',
      'Content-Type: text/plain',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      `caf=E9 =\r\n${uuencode(payload, 'u.exe')}`,
      '--b',
      'Content-Type: message/rfc822',
      '',
      crlf('Subject: inner', 'Content-Type: multipart/mixed; boundary=in', '', '--in', 'Content-Type: application/octet-stream; name=in.exe', 'Content-Transfer-Encoding: base64', '', payload.toString('base64'), '--in--'),
      '--bX',
      'Content-Type: application/ms-tnef; name=winmail.dat',
      'Content-Transfer-Encoding: base64',
      'Content-Transfer-Encoding: 7bit',
      '',
      buildTnef([{ title: 'a.exe', longName: 'long a.exe', data: payload }]).toString('base64'),
      '--b--',
      '',
    ),
    'latin1',
  ),
  Buffer.from(crlf('Content-Type: text/plain', '', binhex('b.exe', Buffer.alloc(300, 0)), `=ybegin line=128 size=5 name=y.bin`, 'abcde', '=yend'), 'latin1'),
  Buffer.from(crlf('Content-Type: multipart/alternative boundary=x', '', '--y', 'Content-Type: text/html', '', '<p>hi</p>', '--y--'), 'latin1'),
];

const limits: MimeLimits = { maxDepth: 4, maxParts: 30, maxDecodedPartBytes: 2048, maxDecodedMessageBytes: 8192, maxParseMs: 2000 };

/** A mutation: overwrite, insert or delete a few bytes, or splice in a MIME-significant token. */
const tokens = ['\r\n', '\n', '--b', '--b--', '--in', '=', '==', '=\r\n', 'begin 644 x\r\n', '=ybegin name=z\r\n', '\r\n\r\n', 'Content-Type: multipart/mixed; boundary=b\r\n', 'Content-Transfer-Encoding: base64\r\n', ':'];
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), token: fc.constantFrom(...tokens) }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(seed: Buffer, mutations: readonly Mutation[]): Buffer {
  let buf = Buffer.from(seed);
  for (const m of mutations) {
    const at = buf.length === 0 ? 0 : m.at % buf.length;
    if (m.kind === 'set') {
      if (buf.length > 0) buf[at] = m.byte;
    } else if (m.kind === 'delete') {
      buf = Buffer.concat([buf.subarray(0, at), buf.subarray(at + m.length)]);
    } else {
      buf = Buffer.concat([buf.subarray(0, at), Buffer.from(m.token, 'latin1'), buf.subarray(at)]);
    }
  }
  return buf;
}

function checkInvariants(raw: Buffer): void {
  const { message, findings } = parseMessage(raw, { limits });
  const ids = new Set(findings.map((f) => f.id));
  const total = message.attachments.reduce((n, a) => n + a.size, 0);
  for (const a of message.attachments) {
    assert.equal(a.size, a.content.length);
    assert.match(a.sha256, /^[0-9a-f]{64}$/);
    if (a.size > limits.maxDecodedPartBytes) assert.fail(`attachment of ${a.size} bytes beyond the per-part limit`);
  }
  // Text and attachments of all readings together never exceed the message budget silently.
  if (total > limits.maxDecodedMessageBytes) assert.ok(ids.has('SCAN_LIMIT_DECODED_BYTES'));
  if (message.attachments.length + message.textBodies.length + message.htmlBodies.length > limits.maxParts) assert.ok(ids.has('SCAN_LIMIT_MIME_PARTS'));
  for (const f of findings) assert.match(f.id, /^(SCAN_LIMIT|MIME)_[A-Z0-9_]+$/);
}

test('random bytes always parse', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => checkInvariants(Buffer.from(bytes))), { numRuns: 400 });
});

test('random MIME-ish text always parses', () => {
  const line = fc.oneof(fc.constantFrom(...tokens, 'Content-Type: message/rfc822\r\n', 'Content-Type: application/ms-tnef\r\n', 'begin 644 a\r\n', 'M86)C\r\n', 'end\r\n'), fc.string({ maxLength: 60 }));
  fc.assert(fc.property(fc.array(line, { maxLength: 80 }), (lines) => checkInvariants(Buffer.from(lines.join(''), 'latin1'))), { numRuns: 400 });
});

test('mutated seed messages always parse within the limits', () => {
  fc.assert(
    fc.property(fc.constantFrom(...seeds), fc.array(mutation, { minLength: 1, maxLength: 8 }), (seed, mutations) => checkInvariants(mutate(seed, mutations))),
    { numRuns: 900 },
  );
});

test('the seeds themselves find what they hide', () => {
  const { message } = parseMessage(seeds[0] as Buffer, { limits });
  const origins = new Set(message.attachments.map((a) => a.origin));
  for (const o of ['uuencode', 'rfc822', 'tnef', 'content-type-name'] as const) assert.ok(origins.has(o), o);
});
