// sender-auth/dkim-verify.ts: mailauth's DKIM verifier driven without its stream front end must
// give what mailauth's dkimVerify gives, for signed and unsigned mail, LF and CRLF, bodies over
// the front end's 64 KB chunk, l= signatures, and messages with no body or no blank line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { dkimSign, type DNSResolver } from 'mailauth';
import { headerSectionEnd, toMailauthLineEnds } from '../../../src/scan/sender-auth/dkim-verify.js';
import { verifyBothWays } from './verify-both-ways.js';
import { staticZoneResolver } from '../dns/static-zone.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const resolver = staticZoneResolver({
  'sel._domainkey.sender.example': { TXT: [`v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`] },
}) as unknown as DNSResolver;

async function sign(raw: string, maxBodyLength?: number): Promise<string> {
  const key = { signingDomain: 'sender.example', selector: 'sel', privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }), ...(maxBodyLength !== undefined ? { maxBodyLength } : {}) };
  const result = await dkimSign(raw, { ...key, signatureData: [key] });
  assert.equal(result.errors.length, 0);
  return result.signatures + raw;
}

const header = 'From: Alice <alice@sender.example>\r\nTo: bob@example.net\r\nSubject: hi\r\nMessage-ID: <1@x>\r\n';
/** A body longer than two 64 KB chunks, with trailing blank lines (relaxed canonicalisation drops them). */
const longBody = `${Array.from({ length: 3000 }, (_, i) => `line ${i} ${'x'.repeat(40)}  `).join('\r\n')}\r\n\r\n\r\n`;

test('line ends are converted by mailauth\'s rule, a LF after CRLF and LFs left bare included', () => {
  assert.equal(toMailauthLineEnds(Buffer.from('\na\nb\r\nc\r\n\nd\n\ne\r\r\n')).toString('latin1'), '\r\na\r\nb\r\nc\r\n\nd\r\n\r\ne\r\r\n');
  const crlf = Buffer.from('a\r\nb\r\n\r\nc');
  assert.equal(toMailauthLineEnds(crlf), crlf, 'nothing to convert: the same buffer');
});

test('the header section ends at the first blank line, CRLF or LF, and not at all without one', () => {
  assert.equal(headerSectionEnd(Buffer.from('A: 1\r\n\r\nbody')), 8);
  assert.equal(headerSectionEnd(Buffer.from('A: 1\r\n\nbody')), 7);
  assert.equal(headerSectionEnd(Buffer.from('A: 1\r\nB: 2\r\n')), -1);
});

test('a signed message over several 64 KB chunks verifies the same, CRLF or LF', async () => {
  const raw = await sign(`${header}\r\n${longBody}`);
  const crlf = await verifyBothWays(Buffer.from(raw), { resolver });
  assert.deepEqual(crlf.results.map((r) => r.status.result), ['pass']);
  // LF: mailauth's front end converts line by line; ours converts first, like SMTP-received mail.
  const lf = await verifyBothWays(Buffer.from(raw.replace(/\r\n/g, '\n')), { resolver }, Buffer.from(raw));
  assert.deepEqual(lf.results.map((r) => r.status.result), ['pass']);
  const tampered = await verifyBothWays(Buffer.from(raw.replace('line 2999', 'line 2998')), { resolver });
  assert.equal(tampered.results.length, 1);
  assert.notEqual(tampered.results[0]?.status.result, 'pass');
});

test('an l= signature counts the unsigned rest the same way', async () => {
  const raw = await sign(`${header}\r\n${longBody}`, 70_000);
  const result = await verifyBothWays(Buffer.from(`${raw}appended after signing\r\n`), { resolver });
  assert.equal(result.results[0]?.status.result, 'pass');
  assert.ok(Number(result.results[0]?.status.underSized ?? 0) > 0);
});

test('unsigned mail, a message without a blank line and an empty message give what dkimVerify gives', async () => {
  const unsigned = await verifyBothWays(Buffer.from(`${header}\r\nHello.\r\n`), { resolver });
  assert.deepEqual(unsigned.results.map((r) => r.status.result), ['none']);
  assert.deepEqual(unsigned.headerFrom, ['alice@sender.example']);
  await verifyBothWays(Buffer.from(header), { resolver });
  await verifyBothWays(Buffer.from(header.replace(/\r\n/g, '\n')), { resolver });
  await verifyBothWays(Buffer.alloc(0), { resolver });
});
