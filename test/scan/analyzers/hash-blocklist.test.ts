/**
 * The hash-blocklist analyzer and its file format: sha256 lines (sha256sum output too),
 * comments, errors naming the line; a listed attachment or archive member is rejected.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { hashBlocklist, parseHashBlocklist } from '../../../src/scan/analyzers/hash-blocklist.js';
import { isPortcullisError } from '../../../src/core/errors.js';
import { configSchema } from '../../../src/config/schema.js';
import { decide } from '../../../src/policy/decide.js';
import { contextFor, crlf, testEnvelope } from '../analyzer-context.js';

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

const MESSAGE = crlf(
  'From: a@example.org',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="b"',
  '',
  '--b',
  'Content-Type: application/octet-stream; name="bad.bin"',
  'Content-Disposition: attachment; filename="bad.bin"',
  'Content-Transfer-Encoding: base64',
  '',
  Buffer.from('known bad payload').toString('base64'),
  '--b',
  'Content-Type: application/octet-stream; name="fine.bin"',
  '',
  'fine',
  '--b--',
  '',
);

describe('parseHashBlocklist', () => {
  it('reads hex lines in either case, sha256sum output, comments and blank lines', () => {
    const a = sha256('a');
    const b = sha256('b');
    const list = parseHashBlocklist(`# known bad\n\n${a.toUpperCase()}\r\n${b}  evil.exe  # from a report\n   \n`, 'list.txt');
    assert.deepEqual([...list].sort(), [a, b].sort());
  });

  it('rejects a malformed line, naming the file and the line', () => {
    assert.throws(
      () => parseHashBlocklist(`${sha256('a')}\n# ok\nd41d8cd98f00b204e9800998ecf8427e\n`, '/etc/bl.txt'),
      (err: unknown) => isPortcullisError(err, 'PORTCULLIS_ERR_CONFIG') && /\/etc\/bl\.txt line 3/.test(err.message),
    );
    assert.throws(() => parseHashBlocklist(`${sha256('a')}x\n`, 'f'), /line 1/);
  });
});

describe('hash-blocklist analyzer', () => {
  it('does nothing without a list', async () => {
    assert.deepEqual(await hashBlocklist.analyze(contextFor(MESSAGE)), []);
  });

  it('rejects a listed attachment and leaves the others alone', async () => {
    const ctx = { ...contextFor(MESSAGE), ports: { hashBlocklist: parseHashBlocklist(sha256('known bad payload'), 't') } };
    const findings = await hashBlocklist.analyze(ctx);
    assert.deepEqual(findings.map((f) => f.id), ['HASH_BLOCKLISTED']);
    assert.equal(findings[0]?.detail, `sha256 ${sha256('known bad payload')} of "bad.bin" is on the blocklist`);
    const verdict = decide(findings, testEnvelope, configSchema.parse({}).policy);
    assert.equal(verdict.action, 'reject');
    assert.equal(verdict.rule, 'decisive:HASH_BLOCKLISTED');
  });

  it('checks archive members appended to ctx.facts.files', async () => {
    const ctx = { ...contextFor(MESSAGE), ports: { hashBlocklist: new Set([sha256('member')]) } };
    ctx.facts.files.push({ name: 'x.js', container: ['a.zip'], content: Buffer.from('member'), sha256: sha256('member') });
    const findings = await hashBlocklist.analyze(ctx);
    assert.deepEqual(findings.map((f) => f.detail), [`sha256 ${sha256('member')} of "a.zip" > "x.js" is on the blocklist`]);
  });

  it('reports nothing when no file is listed', async () => {
    const ctx = { ...contextFor(MESSAGE), ports: { hashBlocklist: new Set([sha256('something else')]) } };
    assert.deepEqual(await hashBlocklist.analyze(ctx), []);
  });
});
