import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMessage } from '../../src/mime/parse-message.js';
import { crlf } from '../scan/analyzer-context.js';
import { binhex } from './mime-encoders.js';

const raw = (s: string): Buffer => Buffer.from(s, 'latin1');
const attachment = (name: string, bytes: Buffer): string => crlf('--b', `Content-Type: application/octet-stream; name=${name}`, 'Content-Transfer-Encoding: base64', '', bytes.toString('base64'));
const mixed = (...parts: string[]): Buffer => raw(crlf('Content-Type: multipart/mixed; boundary=b', '', ...parts, '--b--', ''));

test('decoded bytes per part: SCAN_LIMIT_DECODED_BYTES and the first bytes kept', () => {
  const { message, findings } = parseMessage(mixed(attachment('big.bin', Buffer.alloc(5000, 1))), { limits: { maxDecodedPartBytes: 1000 } });
  assert.deepEqual(findings.map((f) => f.id), ['SCAN_LIMIT_DECODED_BYTES']);
  assert.equal(message.attachments[0]?.size, 1000);
});

test('decoded bytes per message: later parts are not decoded past the budget', () => {
  const parts = Array.from({ length: 5 }, (_, i) => attachment(`f${i}.bin`, Buffer.alloc(400, i)));
  const { message, findings } = parseMessage(mixed(...parts), { limits: { maxDecodedMessageBytes: 1000 } });
  assert.deepEqual(findings.map((f) => f.id), ['SCAN_LIMIT_DECODED_BYTES']);
  assert.ok(message.attachments.reduce((n, a) => n + a.size, 0) <= 1000);
  assert.ok(message.attachments.length >= 2);
});

test('a BinHex run-length bomb stops at the per-part limit', () => {
  const bomb = binhex('bomb.bin', Buffer.alloc(200_000, 0));
  const { findings } = parseMessage(raw(crlf('Content-Type: text/plain', '', bomb)), { limits: { maxDecodedPartBytes: 10_000 } });
  assert.deepEqual(findings.map((f) => f.id), ['SCAN_LIMIT_DECODED_BYTES']);
});

test('time: a deadline passed between parts gives SCAN_LIMIT_PARSE_TIME and a partial result', () => {
  let now = 0;
  const clock = (): number => (now += 10);
  const parts = Array.from({ length: 10 }, (_, i) => crlf('--b', 'Content-Type: text/plain', '', `part ${i}`));
  const { message, findings } = parseMessage(mixed(...parts), { clock, limits: { maxParseMs: 45 } });
  assert.deepEqual(findings.map((f) => f.id), ['SCAN_LIMIT_PARSE_TIME']);
  assert.ok(message.textBodies.length > 0 && message.textBodies.length < 10);
  const passed = parseMessage(mixed(...parts), { deadline: -1 });
  assert.deepEqual(passed.findings.map((f) => f.id), ['SCAN_LIMIT_PARSE_TIME']);
});

test('nesting through message/rfc822 counts against the depth limit', () => {
  let msg = crlf('Content-Type: text/plain', '', 'deepest');
  for (let i = 0; i < 6; i++) msg = crlf('Content-Type: message/rfc822', '', msg);
  const { message, findings } = parseMessage(raw(msg), { limits: { maxDepth: 3 } });
  assert.deepEqual(findings.map((f) => f.id), ['SCAN_LIMIT_MIME_DEPTH']);
  assert.deepEqual(message.textBodies, []);
  assert.ok(message.attachments.length >= 3);
});

test('embedded files count as parts', () => {
  const uu = Array.from({ length: 20 }, (_, i) => `begin 644 f${i}\r\n#86)C\r\n\`\r\nend`).join('\r\n');
  const { message, findings } = parseMessage(raw(crlf('Content-Type: text/plain', '', uu)), { limits: { maxParts: 5 } });
  assert.deepEqual(findings.map((f) => f.id), ['SCAN_LIMIT_MIME_PARTS']);
  assert.equal(message.attachments.length, 4);
});

test('a limit of 0, NaN or a negative number is refused, never "off"', () => {
  for (const bad of [0, Number.NaN, -1, Number.POSITIVE_INFINITY]) {
    assert.throws(() => parseMessage(raw('Subject: x\r\n\r\nbody'), { limits: { maxParts: bad } }), RangeError);
  }
});
