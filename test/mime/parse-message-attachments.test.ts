import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { parseMessage } from '../../src/mime/parse-message.js';
import { crlf } from '../scan/analyzer-context.js';
import { uuencode, binhex, buildTnef } from './mime-encoders.js';

const exe = Buffer.from('MZ\x90\x00\x03 pretend PE file \x00\xff', 'latin1');
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const parse = (raw: string | Buffer) => parseMessage(typeof raw === 'string' ? Buffer.from(raw, 'latin1') : raw);

function mixed(...parts: string[]): string {
  return crlf('From: a@example.org', 'Content-Type: multipart/mixed; boundary="b"', '', ...parts.flatMap((p) => ['--b', p]), '--b--', '');
}

test('an attachment without Content-Disposition, named only on Content-Type', () => {
  const { message } = parse(mixed(crlf('Content-Type: text/plain', '', 'hi'), crlf('Content-Type: application/octet-stream; name="x.exe"', 'Content-Transfer-Encoding: base64', '', exe.toString('base64'))));
  const [att] = message.attachments;
  assert.deepEqual([att?.declaredName, att?.origin, att?.sha256, att?.partPath], ['x.exe', 'content-type-name', sha(exe), '1.2']);
});

test('a nameless non-text leaf is an attachment; an inline text part is text', () => {
  const { message } = parse(mixed(crlf('Content-Type: image/png', 'Content-Transfer-Encoding: base64', '', exe.toString('base64'))));
  assert.deepEqual(message.attachments.map((a) => a.origin), ['non-text-part']);
});

test('RFC 2231 continued and encoded names, and RFC 2047 names', () => {
  const { message } = parse(
    mixed(
      crlf('Content-Type: application/octet-stream', "Content-Disposition: attachment; filename*0*=utf-8''r%C3%A9sum%C3%A9; filename*1*=%2Eexe", '', 'a'),
      crlf('Content-Type: application/octet-stream; name="=?utf-8?B?w6l0w6kuZXhl?="', '', 'b'),
    ),
  );
  assert.deepEqual(message.attachments.map((a) => [a.declaredName, a.origin]), [['résumé.exe', 'disposition'], ['été.exe', 'content-type-name']]);
});

test('uuencode, yEnc and BinHex inside text bodies become attachments with their origin', () => {
  const yenc = `=ybegin line=128 size=${exe.length} name=y.exe\r\n${Buffer.from(exe.map((b) => (b + 42) & 0xff)).toString('latin1').replace(/=/g, '=\x7d')}\r\n=yend\r\n`;
  const body = `Hello\r\n${uuencode(exe, 'u.exe')}\r\n${yenc}\r\n${binhex('b.exe', exe)}`;
  const { message } = parse(crlf('From: a@example.org', 'Content-Type: text/plain', '', body));
  const found = message.attachments.map((a) => [a.declaredName, a.origin, a.sha256 === sha(exe)]);
  assert.deepEqual(found, [['u.exe', 'uuencode', true], ['y.exe', 'yenc', true], ['b.exe', 'binhex', true]]);
  assert.equal(message.textBodies.length, 1);
});

test('Content-Transfer-Encoding x-uuencode and application/mac-binhex40 parts are decoded', () => {
  const { message } = parse(
    mixed(
      crlf('Content-Type: application/octet-stream; name="a.exe"', 'Content-Transfer-Encoding: x-uuencode', '', uuencode(exe, 'a.exe')),
      crlf('Content-Type: application/mac-binhex40; name="b.hqx"', '', binhex('b.exe', exe)),
    ),
  );
  assert.ok(message.attachments.some((a) => a.declaredName === 'a.exe' && a.sha256 === sha(exe)));
  assert.ok(message.attachments.some((a) => a.declaredName === 'b.exe' && a.origin === 'binhex' && a.sha256 === sha(exe)));
});

test('message/rfc822 is kept as an attachment AND parsed: its attachments and text are collected', () => {
  const inner = crlf('From: b@example.org', 'Subject: inner', 'Content-Type: multipart/mixed; boundary=in', '', '--in', 'Content-Type: text/plain', '', 'inner text', '--in', 'Content-Type: application/x-msdownload; name="in.exe"', 'Content-Transfer-Encoding: base64', '', exe.toString('base64'), '--in--', '');
  const { message, findings } = parse(mixed(crlf('Content-Type: message/rfc822', '', inner)));
  assert.deepEqual(findings, []);
  assert.deepEqual(message.attachments.map((a) => [a.origin, a.declaredName, a.partPath]), [['rfc822', undefined, '1.1'], ['content-type-name', 'in.exe', '1.1.1.2']]);
  assert.deepEqual(message.textBodies, ['inner text']);
  assert.equal(message.root.children[0]?.children[0]?.contentType, 'multipart/mixed');
});

test('TNEF (winmail.dat) members are extracted with their names', () => {
  const tnef = buildTnef([{ title: 'EVIL~1.EXE', longName: 'evil.pdf.exe', data: exe }]);
  const { message } = parse(mixed(crlf('Content-Type: application/ms-tnef; name="winmail.dat"', 'Content-Transfer-Encoding: base64', '', tnef.toString('base64'))));
  assert.deepEqual(message.attachments.map((a) => [a.declaredName, a.origin, a.partPath]), [['winmail.dat', 'content-type-name', '1.1'], ['evil.pdf.exe', 'tnef', '1.1.tnef1']]);
  assert.equal(message.attachments[1]?.sha256, sha(exe));
});

test('a TNEF stream is recognised by its signature whatever its declared type', () => {
  const tnef = buildTnef([{ title: 'x.exe', data: exe }]);
  const { message } = parse(mixed(crlf('Content-Type: application/octet-stream; name="data.bin"', 'Content-Transfer-Encoding: base64', '', tnef.toString('base64'))));
  assert.ok(message.attachments.some((a) => a.origin === 'tnef' && a.declaredName === 'x.exe'));
});
