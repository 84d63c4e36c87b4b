/**
 * `portcullis train` end to end: folders of spam and ham are trained into the configuration's
 * dataDir (database and snapshot, audited), and `portcullis scan` with that configuration then
 * uses the model in its sandboxes: a new spam message gets BAYES_SPAM, a new ham BAYES_HAM.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScan } from '../../src/cli/scan.js';
import { runTrain, type TrainIo } from '../../src/cli/train.js';
import { MIN_TRAINED_PER_CLASS } from '../../src/scan/bayes/bayes-model.js';
import { bayesSnapshotPath } from '../../src/scan/bayes/model-snapshot.js';
import { openDatabase } from '../../src/store/database.js';

let dir: string;
let config: string;
const spam = (i: number): string => `From: deals@pills.example\r\nSubject: cheap pills offer ${i}\r\n\r\nBuy cheap pills now, viagra discount ${i}.\r\n`;
const ham = (i: number): string => `From: colleague@example.org\r\nSubject: project meeting ${i}\r\n\r\nThe agenda for the quarterly review meeting ${i} is attached.\r\n`;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'portcullis-cli-train-'));
  for (const kind of ['spam', 'ham', 'new']) mkdirSync(join(dir, kind));
  for (let i = 0; i < MIN_TRAINED_PER_CLASS; i++) {
    writeFileSync(join(dir, 'spam', `${i}.eml`), spam(i));
    writeFileSync(join(dir, 'ham', `${i}.eml`), ham(i));
  }
  writeFileSync(join(dir, 'ham', 'notes.txt'), 'not a message\n');
  writeFileSync(join(dir, 'new', 'a-spam.eml'), spam(1000));
  writeFileSync(join(dir, 'new', 'b-ham.eml'), ham(1000));
  config = join(dir, 'portcullis.yaml');
  writeFileSync(config, `dataDir: ${JSON.stringify(join(dir, 'data'))}\nscan:\n  timeoutMs: 10000\n`);
});
after(() => rmSync(dir, { recursive: true, force: true }));

function capture(): TrainIo & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, tty: false, progress: () => assert.fail('no bar without a terminal'), out: (l) => lines.push(l), err: (l) => errors.push(l) };
}

test('train stores the model, writes the snapshot, audits it; scan then uses it', async () => {
  const io = capture();
  assert.equal(await runTrain({ config, spam: [join(dir, 'spam')], ham: [join(dir, 'ham')] }, io), 0);
  assert.match(io.lines[0] ?? '', new RegExp(`trained ${MIN_TRAINED_PER_CLASS} spam and ${MIN_TRAINED_PER_CLASS} ham`));
  assert.ok(io.errors.some((l) => /skipped .*notes\.txt/.test(l)));
  assert.ok(io.errors.some((l) => l === `trained ${2 * MIN_TRAINED_PER_CLASS}/${2 * MIN_TRAINED_PER_CLASS} messages`));
  assert.ok(existsSync(bayesSnapshotPath(join(dir, 'data'))));

  const db = await openDatabase({ dataDir: join(dir, 'data') });
  try {
    const audit = await db.selectFrom('audit_log').selectAll().where('action', '=', 'bayes.train').execute();
    assert.equal(audit.length, 1);
    const counts = await db.selectFrom('bayes_count').selectAll().executeTakeFirstOrThrow();
    assert.equal(counts.spam_messages, MIN_TRAINED_PER_CLASS);
  } finally {
    await db.destroy();
  }

  const lines: string[] = [];
  assert.equal(await runScan([join(dir, 'new')], { config, direction: 'inbound', json: true }, { out: (l) => lines.push(l), err: () => undefined }), 0);
  const byFile = new Map(lines.map((l) => JSON.parse(l) as { file: string; findings: { id: string }[] }).map((v) => [v.file.replace(/.*\//, ''), v.findings.map((f) => f.id)]));
  assert.ok(byFile.get('a-spam.eml')?.includes('BAYES_SPAM'), JSON.stringify(byFile.get('a-spam.eml')));
  assert.ok(byFile.get('b-ham.eml')?.includes('BAYES_HAM'), JSON.stringify(byFile.get('b-ham.eml')));
});

test('train without a class, or with a missing path, exits 1', async () => {
  assert.equal(await runTrain({ config, spam: [], ham: [] }, capture()), 1);
  assert.equal(await runTrain({ config, spam: [join(dir, 'missing')], ham: [] }, capture()), 1);
});
