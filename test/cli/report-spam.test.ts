/**
 * `portcullis report-spam` end to end: with a trained model, reporting a message as spam (each
 * file tokenized in a real sandbox) raises its Bayes spam probability, audits one bayes.train
 * record per message and rewrites the snapshot; --ham moves it back down; a missing path or a
 * file that is not a message is named on stderr and the exit code is 1.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runReportSpam } from '../../src/cli/report-spam.js';
import { sniffMessage } from '../../src/cli/scan.js';
import { runTrain, tokenizeFile } from '../../src/cli/train.js';
import { MIN_TRAINED_PER_CLASS } from '../../src/scan/bayes/bayes-model.js';
import { bayesSnapshotPath, parseModel } from '../../src/scan/bayes/model-snapshot.js';
import { loadBayesModel } from '../../src/service/bayes-service.js';
import { openDatabase } from '../../src/store/database.js';

let dir: string;
let config: string;
const spam = (i: number): string => `From: deals@pills.example\r\nSubject: cheap pills offer ${i}\r\n\r\nBuy cheap pills now, viagra discount ${i}.\r\n`;
const ham = (i: number): string => `From: colleague@example.org\r\nSubject: project meeting ${i}\r\n\r\nThe agenda for the quarterly review meeting ${i} is attached.\r\n`;
/** Words the model has never seen, so its probability is decided by what is learnt from it. */
const reported = 'From: newsletter@lottery.example\r\nSubject: your lottery winnings await\r\n\r\nClaim your lottery winnings, congratulations winner, claim today.\r\n';

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'portcullis-cli-report-spam-'));
  for (const kind of ['spam', 'ham', 'reported']) mkdirSync(join(dir, kind));
  for (let i = 0; i < MIN_TRAINED_PER_CLASS; i++) {
    writeFileSync(join(dir, 'spam', `${i}.eml`), spam(i));
    writeFileSync(join(dir, 'ham', `${i}.eml`), ham(i));
  }
  writeFileSync(join(dir, 'reported', 'lottery.eml'), reported);
  config = join(dir, 'portcullis.yaml');
  writeFileSync(config, `dataDir: ${JSON.stringify(join(dir, 'data'))}\nscan:\n  timeoutMs: 10000\n`);
  const quiet = { out: () => undefined, err: () => undefined, tty: false, progress: () => undefined };
  assert.equal(await runTrain({ config, spam: [join(dir, 'spam')], ham: [join(dir, 'ham')] }, quiet), 0);
});
after(() => rmSync(dir, { recursive: true, force: true }));

function capture(): { out: (l: string) => void; err: (l: string) => void; lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l) };
}

async function state(): Promise<{ probability: number; spam: number; ham: number; audits: string[] }> {
  const db = await openDatabase({ dataDir: join(dir, 'data') });
  try {
    const model = await loadBayesModel(db);
    const candidate = sniffMessage(join(dir, 'reported', 'lottery.eml'));
    assert.ok(candidate);
    const audits = await db.selectFrom('audit_log').select('details').where('action', '=', 'bayes.train').orderBy('seq').execute();
    return {
      probability: model.classify(tokenizeFile(candidate)).probability,
      spam: model.spamMessages,
      ham: model.hamMessages,
      audits: audits.map((a) => String((JSON.parse(a.details) as { source: string }).source)),
    };
  } finally {
    await db.destroy();
  }
}

test('report-spam raises the spam probability of the reported message, audits it and rewrites the snapshot; --ham lowers it', async () => {
  const before = await state();
  const io = capture();
  assert.equal(await runReportSpam([join(dir, 'reported')], { config, ham: false }, io), 0, io.errors.join('\n'));
  const afterSpam = await state();
  assert.ok(afterSpam.probability > before.probability, `${before.probability} -> ${afterSpam.probability}`);
  assert.equal(afterSpam.spam, before.spam + 1);
  assert.equal(afterSpam.ham, before.ham);
  assert.deepEqual(afterSpam.audits.slice(before.audits.length), [`report-spam ${join(dir, 'reported', 'lottery.eml')}`]);
  assert.equal(parseModel(readFileSync(bayesSnapshotPath(join(dir, 'data')), 'utf8')).spamMessages, afterSpam.spam);
  assert.match(io.lines.join('\n'), /lottery\.eml: learnt as spam/);

  assert.equal(await runReportSpam([join(dir, 'reported', 'lottery.eml')], { config, ham: true }, capture()), 0);
  const afterHam = await state();
  assert.ok(afterHam.probability < afterSpam.probability, `${afterSpam.probability} -> ${afterHam.probability}`);
  assert.equal(afterHam.ham, before.ham + 1);
  assert.match(afterHam.audits.at(-1) ?? '', /^report-ham /);
});

test('a missing path or a file that is not a message is named on stderr and exits 1; the rest is still learnt', async () => {
  const notes = join(dir, 'notes.txt');
  writeFileSync(notes, 'not a message\n');
  const before = await state();
  const io = capture();
  assert.equal(await runReportSpam([join(dir, 'missing.eml'), notes, join(dir, 'reported', 'lottery.eml')], { config, ham: false }, io), 1);
  assert.ok(io.errors.some((l) => l.includes('missing.eml') && /no such file/.test(l)), io.errors.join('\n'));
  assert.ok(io.errors.some((l) => l.includes('notes.txt') && /does not begin like a message/.test(l)), io.errors.join('\n'));
  assert.equal((await state()).spam, before.spam + 1);
  assert.equal(await runReportSpam([notes], { config, ham: false }, capture()), 1);
});
