import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, utimesSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BayesModel } from '../../../src/scan/bayes/bayes-model.js';
import { BayesSnapshotReader, bayesSnapshotPath, parseModel, serializeModel, writeSnapshot } from '../../../src/scan/bayes/model-snapshot.js';

test('a snapshot round-trips the counts', () => {
  const model = new BayesModel();
  model.learn(['a', 'b'], true);
  model.learn(['b', 'c'], false);
  const back = parseModel(serializeModel(model));
  assert.equal(back.spamMessages, 1);
  assert.equal(back.hamMessages, 1);
  assert.deepEqual(back.tokens.get('b'), { spam: 1, ham: 1 });
});

test('malformed snapshots are refused with a reason', () => {
  assert.throws(() => parseModel('{"format":"other"}'), /not a portcullis-bayes/);
  assert.throws(() => parseModel('{"format":"portcullis-bayes/1","spamMessages":-1,"hamMessages":0,"tokens":[]}'), /counts/);
  assert.throws(() => parseModel('{"format":"portcullis-bayes/1","spamMessages":1,"hamMessages":0,"tokens":[["a",1]]}'), /token 0/);
});

test('the reader sees no model, then the written one, then the rewritten one; a bad file is no model with an error', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-bayes-'));
  try {
    const path = bayesSnapshotPath(dir);
    const reader = new BayesSnapshotReader(path);
    assert.equal(reader.current(0), undefined);
    const model = new BayesModel();
    model.learn(['a'], true);
    writeSnapshot(path, model);
    assert.deepEqual(readdirSync(join(dir, 'bayes')), ['model.json'], 'no temporary file is left');
    assert.equal(reader.current(500), undefined, 'not re-checked within RECHECK_MS');
    assert.equal(reader.current(2000)?.spamMessages, 1);
    model.learn(['b'], true);
    writeSnapshot(path, model);
    utimesSync(path, new Date(), new Date(Date.now() + 5000));
    assert.equal(reader.current(4000)?.spamMessages, 2);
    writeFileSync(path, 'not json at all');
    assert.equal(reader.current(6000), undefined);
    assert.match(reader.error ?? '', /bayes snapshot/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
