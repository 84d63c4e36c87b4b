/**
 * The hash-blocklist analyzer and its file format: sha256 lines (sha256sum output too),
 * comments, errors naming the line; a listed attachment or archive member is rejected; and
 * through `portcullis scan`, the configured file is read inside the sandbox processes.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runScan } from '../../../src/cli/scan.js';
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
    assert.equal(verdict.rule, 'default:malware');
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

describe('scan.hashBlocklist through portcullis scan', () => {
  it('is read in the sandbox (relative path, resolved by the pool) and rejects the listed attachment', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portcullis-hash-blocklist-'));
    const cwd = process.cwd();
    try {
      writeFileSync(join(dir, 'blocklist.txt'), `# test list\n${sha256('known bad payload')}  bad.bin\n`);
      writeFileSync(join(dir, 'config.yaml'), 'scan:\n  hashBlocklist: blocklist.txt\n');
      writeFileSync(join(dir, 'bad.eml'), MESSAGE);
      process.chdir(dir);
      const lines: string[] = [];
      const errors: string[] = [];
      const code = await runScan(['bad.eml'], { config: 'config.yaml', direction: 'inbound', json: true }, { out: (l) => lines.push(l), err: (l) => errors.push(l) });
      assert.equal(code, 0, errors.join('\n'));
      const line = JSON.parse(lines[0] ?? '{}') as { action: string; rule: string; findings: { id: string }[] };
      assert.equal(line.action, 'reject', lines[0]);
      assert.equal(line.rule, 'default:malware');
    } finally {
      process.chdir(cwd);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a malformed blocklist stops the scan with the file and line named', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portcullis-hash-blocklist-'));
    try {
      writeFileSync(join(dir, 'blocklist.txt'), 'not a hash\n');
      writeFileSync(join(dir, 'config.yaml'), `scan:\n  hashBlocklist: ${join(dir, 'blocklist.txt')}\n`);
      writeFileSync(join(dir, 'bad.eml'), MESSAGE);
      await assert.rejects(
        runScan([join(dir, 'bad.eml')], { config: join(dir, 'config.yaml'), direction: 'inbound', json: true }, { out: () => {}, err: () => {} }),
        /blocklist\.txt line 1: expected a sha256/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
