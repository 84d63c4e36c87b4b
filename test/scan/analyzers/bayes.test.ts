import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bayes, SPAM_FROM, spamWeight } from '../../../src/scan/analyzers/bayes.js';
import { BayesModel, MIN_TRAINED_PER_CLASS } from '../../../src/scan/bayes/bayes-model.js';
import { fixedModelSource } from '../../../src/scan/bayes/model-snapshot.js';
import { tokenizeMessage } from '../../../src/scan/bayes/tokenize-message.js';
import { contextFor, crlf } from '../analyzer-context.js';

const spam = (i: number): string => crlf('From: deals@pills.example', `Subject: cheap pills offer ${i}`, '', `Buy cheap pills now, viagra discount ${i}.`);
const ham = (i: number): string => crlf('From: colleague@example.org', `Subject: project meeting ${i}`, '', `The agenda for the quarterly review meeting ${i} is attached.`);

function model(): BayesModel {
  const m = new BayesModel();
  for (let i = 0; i < MIN_TRAINED_PER_CLASS; i++) {
    m.learn(tokenizeMessage(contextFor(spam(i)).message), true);
    m.learn(tokenizeMessage(contextFor(ham(i)).message), false);
  }
  return m;
}

test('no model, or too little training: BAYES_UNTRAINED', async () => {
  assert.deepEqual((await bayes.analyze(contextFor(spam(1)))).map((f) => f.id), ['BAYES_UNTRAINED']);
  const small = new BayesModel();
  small.learn(['a'], true);
  const ctx = { ...contextFor(spam(1)), ports: { bayes: fixedModelSource(small) } };
  const [f] = await bayes.analyze(ctx);
  assert.equal(f?.id, 'BAYES_UNTRAINED');
  assert.match(f?.detail ?? '', /1 spam and 0 ham/);
});

test('trained: spam gets BAYES_SPAM with a high weight, ham BAYES_HAM', async () => {
  const ports = { bayes: fixedModelSource(model()) };
  const [s] = await bayes.analyze({ ...contextFor(spam(999)), ports });
  assert.equal(s?.id, 'BAYES_SPAM');
  assert.ok((s?.weight ?? 0) > 0.9, String(s?.weight));
  assert.match(s?.detail ?? '', /spam probability (0\.9|1\.0)/);
  const [h] = await bayes.analyze({ ...contextFor(ham(999)), ports });
  assert.equal(h?.id, 'BAYES_HAM');
});

test('a message with no known tokens says nothing', async () => {
  const ports = { bayes: fixedModelSource(model()) };
  const found = await bayes.analyze({ ...contextFor(crlf('X-Other: 1', '', 'zzzq')), ports });
  assert.deepEqual(found, []);
});

test('BAYES_SPAM weight: half at SPAM_FROM (tag alone), 0.8 at 0.99, whole only when certain', () => {
  assert.ok(SPAM_FROM < 0.5);
  assert.equal(spamWeight(SPAM_FROM), 0.5);
  assert.ok(Math.abs(spamWeight(0.99) - 0.8) < 1e-9);
  assert.equal(spamWeight(1), 1);
  let previous = 0;
  for (let p = SPAM_FROM; p <= 1; p += 0.01) {
    const w = spamWeight(p);
    assert.ok(w >= previous && w <= 1, `${p}: ${w}`);
    previous = w;
  }
});
