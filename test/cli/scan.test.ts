/**
 * `portcullis scan` on the fixture messages (test/fixtures/scan): GTUBE is rejected, a clean
 * message accepted, an mbox-style file scanned, a non-message file named on stderr as skipped,
 * one JSON line per message with the documented keys.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScan, scanCommand, type ScanIo } from '../../src/cli/scan.js';
import { projectRoot } from '../helpers/project-root.js';

let dir: string;
let config: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'portcullis-cli-scan-'));
  const corpus = join(dir, 'corpus');
  mkdirSync(join(corpus, 'nested'), { recursive: true });
  const fixtures = join(projectRoot(import.meta.url), 'test', 'fixtures', 'scan');
  for (const name of ['clean.eml', 'mbox-clean.eml', 'not-a-message.txt']) cpSync(join(fixtures, name), join(corpus, name));
  cpSync(join(fixtures, 'gtube.eml'), join(corpus, 'nested', 'gtube.eml'));
  config = join(dir, 'portcullis.yaml');
  writeFileSync(config, 'scan:\n  timeoutMs: 10000\n');
});
after(() => rmSync(dir, { recursive: true, force: true }));

function capture(): ScanIo & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l) };
}

interface Line {
  file: string;
  action: string;
  score: number;
  rule: string;
  findings: { id: string; score: number; detail: string }[];
  ms: number;
}

test('a folder is walked: verdicts as JSON lines, non-messages skipped on stderr', async () => {
  const io = capture();
  const code = await runScan([join(dir, 'corpus')], { config, direction: 'inbound', json: true }, io);
  assert.equal(code, 0);
  const byName = new Map(io.lines.map((l) => JSON.parse(l) as Line).map((l) => [l.file.slice(join(dir, 'corpus').length + 1), l]));
  assert.deepEqual([...byName.keys()].sort(), ['clean.eml', 'mbox-clean.eml', 'nested/gtube.eml']);

  const gtube = byName.get('nested/gtube.eml');
  assert.equal(gtube?.action, 'reject');
  assert.equal(gtube?.rule, 'threshold:reject');
  assert.ok(gtube?.findings.some((f) => f.id === 'SPAM_GTUBE' && f.score > 0));
  assert.deepEqual(Object.keys(gtube ?? {}), ['file', 'action', 'score', 'rule', 'findings', 'ms']);
  assert.equal(typeof gtube?.ms, 'number');

  for (const clean of ['clean.eml', 'mbox-clean.eml']) {
    const line = byName.get(clean);
    assert.deepEqual([line?.action, line?.score, line?.rule], ['accept', 0, 'default:accept'], clean);
    // Informational facts (no DKIM signature, untrained classifier, ...) may be listed; none may score.
    assert.deepEqual(line?.findings.filter((f) => f.score !== 0), [], clean);
  }
  assert.equal(io.errors.length, 1);
  assert.match(io.errors[0] ?? '', /skipped .*not-a-message\.txt: does not begin like a message/);
});

test('the command parses its options; a missing path exits 1', async () => {
  const io = capture();
  const previous = process.exitCode;
  try {
    await scanCommand(io).parseAsync(['--config', config, '--direction', 'outbound', '--ip', '192.0.2.1', '--json', join(dir, 'corpus', 'clean.eml'), join(dir, 'missing')], { from: 'user' });
    assert.equal(process.exitCode, 1);
  } finally {
    process.exitCode = previous;
  }
  assert.equal(io.lines.length, 1);
  assert.equal((JSON.parse(io.lines[0] ?? '{}') as Line).action, 'accept');
  assert.match(io.errors.join('\n'), /missing: no such file or directory/);
});

test('an invalid --ip is refused before scanning', async () => {
  const io = capture();
  assert.equal(await runScan([dir], { config, direction: 'inbound', ip: 'not-an-ip', json: true }, io), 1);
  assert.deepEqual(io.lines, []);
});

test('a message file that starts with a UTF-8 byte-order mark is scanned, not skipped', async () => {
  const { sniffMessage } = await import('../../src/cli/scan.js');
  const file = join(dir, 'bom.eml');
  writeFileSync(file, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('From: a@example.org\r\nSubject: x\r\n\r\nhi\r\n')]));
  const candidate = sniffMessage(file);
  assert.ok(candidate, 'recognised as a message');
  assert.equal(candidate.offset, 3);
});
