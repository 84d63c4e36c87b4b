/**
 * `npm run eval:cv -- [--corpus DIR] [--k 5] [--config FILE] [--misses FILE]`: k-fold
 * cross-validation of the spam detection over the development corpus (DESIGN.md "Measuring").
 *
 * Messages: spamassassin (labels.tsv: spam, ham; hard-ham-1 reported apart), csdmc2010
 * (SPAMTrain.label: 1 = ham, 0 = spam) and the phishing folders (nazario-phishing/eml,
 * phishing_pot/eml), which train as spam. Duplicates are removed by body hash (the decoded text
 * and HTML bodies, whitespace collapsed, lower-cased), the first seen kept, and each message's
 * fold is taken from its hash, so copies of one text can never sit in two folds.
 *
 * Per fold: a Bayes model is trained on the other k-1 folds with the tokens `portcullis train`
 * makes, then each held-out message goes through the same pipeline and decide() as
 * `portcullis scan` (every registered analyzer, the configuration's policy), run in this process
 * for speed (thousands of sandbox round trips would measure the sandbox, not the rules) and
 * with no DNS (as `portcullis scan` offline). A second pass trains without any phishing and
 * tests the phishing alone: how well the rules generalise to a kind of mail never trained.
 *
 * Reported: spam recall and phishing recall (caught = tag, quarantine or reject), ham and hard
 * ham false positives (quarantine or reject), tagged ham for information; a table and a JSON
 * line. The corpus is only read. Evaluation code: it parses the corpus in-process, which the
 * product never does with mail from outside.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { formatTable } from '../bench/report-table.js';
import { sniffMessage } from '../src/cli/scan.js';
import { loadConfig } from '../src/config/load.js';
import type { Envelope } from '../src/core/envelope.js';
import { MAX_MESSAGE_BYTES_CEILING } from '../src/core/limits.js';
import { parseMessage } from '../src/mime/parse-message.js';
import { decide } from '../src/policy/decide.js';
import { BayesModel } from '../src/scan/bayes/bayes-model.js';
import { fixedModelSource } from '../src/scan/bayes/model-snapshot.js';
import { tokenizeMessage } from '../src/scan/bayes/tokenize-message.js';
import { runPipeline } from '../src/scan/pipeline.js';
import { buildAnalyzerList } from '../src/scan/registry.js';

type Kind = 'spam' | 'phishing' | 'ham' | 'hard-ham';

interface Item {
  readonly file: string;
  readonly kind: Kind;
  readonly raw: Buffer;
  readonly tokens: ReadonlySet<string>;
  readonly fold: number;
}

const CAUGHT = new Set(['tag', 'quarantine', 'reject']);
const FALSE_POSITIVE = new Set(['quarantine', 'reject']);

function labelled(corpus: string): { file: string; kind: Kind }[] {
  const out: { file: string; kind: Kind }[] = [];
  const sa = join(corpus, 'spamassassin');
  for (const line of readFileSync(join(sa, 'labels.tsv'), 'utf8').split('\n').slice(1)) {
    const [path, label, subset] = line.split('\t');
    if (!path || !label) continue;
    out.push({ file: join(sa, path), kind: label === 'spam' ? 'spam' : subset === 'hard-ham-1' ? 'hard-ham' : 'ham' });
  }
  const cs = join(corpus, 'csdmc2010');
  for (const line of readFileSync(join(cs, 'SPAMTrain.label'), 'utf8').split('\n')) {
    const [label, name] = line.trim().split(/\s+/);
    if (!name) continue;
    out.push({ file: join(cs, 'TRAINING', name), kind: label === '1' ? 'ham' : 'spam' });
  }
  for (const folder of ['nazario-phishing/eml', 'phishing_pot/eml']) {
    const dir = join(corpus, folder);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) out.push({ file: join(dir, name), kind: 'phishing' });
  }
  return out;
}

function bodyHash(bodies: readonly string[]): string {
  const hash = createHash('sha256');
  for (const body of bodies) hash.update(body.replace(/\s+/g, ' ').trim().toLowerCase());
  return hash.digest('hex');
}

function loadItems(corpus: string, k: number): { items: Item[]; duplicates: number; skipped: number } {
  const seen = new Set<string>();
  const items: Item[] = [];
  let duplicates = 0;
  let skipped = 0;
  for (const { file, kind } of labelled(corpus)) {
    const candidate = existsSync(file) ? sniffMessage(file) : undefined;
    if (!candidate) {
      skipped++;
      continue;
    }
    const raw = readFileSync(file).subarray(candidate.offset, candidate.offset + MAX_MESSAGE_BYTES_CEILING);
    const message = parseMessage(raw).message;
    const hash = bodyHash([...message.textBodies, ...message.htmlBodies]);
    if (seen.has(hash)) {
      duplicates++;
      continue;
    }
    seen.add(hash);
    items.push({ file, kind, raw, tokens: tokenizeMessage(message), fold: Number.parseInt(hash.slice(0, 8), 16) % k });
  }
  return { items, duplicates, skipped };
}

function train(items: readonly Item[], include: (item: Item) => boolean): BayesModel {
  const model = new BayesModel();
  for (const item of items) if (include(item)) model.learn(item.tokens, item.kind === 'spam' || item.kind === 'phishing');
  return model;
}

interface Outcome {
  readonly item: Item;
  readonly action: string;
  readonly score: number;
  readonly ids: readonly string[];
}

function envelopeFor(item: Item): Envelope {
  return { queueId: 'cv', clientAddress: '', clientPort: 0, helo: '', mailFrom: '', rcptTo: [], direction: 'inbound', receivedAt: Date.now(), size: item.raw.length };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { corpus: { type: 'string', default: '../shared/corpus' }, k: { type: 'string', default: '5' }, config: { type: 'string' }, misses: { type: 'string' } },
  });
  const k = Number(values.k);
  if (!Number.isInteger(k) || k < 2) throw new Error(`--k ${values.k}: expected an integer of at least 2`);
  const config = loadConfig(values.config).config;
  const analyzers = buildAnalyzerList({ disabled: config.scan.disabledAnalyzers });
  const started = performance.now();
  const { items, duplicates, skipped } = loadItems(values.corpus, k);
  console.error(`loaded ${items.length} messages (${duplicates} duplicates by body hash, ${skipped} not messages) in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  const run = async (item: Item, model: BayesModel): Promise<Outcome> => {
    const envelope = envelopeFor(item);
    const result = await runPipeline(item.raw, envelope, analyzers, AbortSignal.timeout(config.scan.timeoutMs), { bayes: fixedModelSource(model) });
    const verdict = decide(result.findings, envelope, config.policy);
    return { item, action: verdict.action, score: verdict.score, ids: verdict.findings.map((f) => `${f.id}(${f.score})`) };
  };
  const outcomes: Outcome[] = [];
  const phishingUnseen: Outcome[] = [];
  for (let fold = 0; fold < k; fold++) {
    const model = train(items, (i) => i.fold !== fold);
    const blind = train(items, (i) => i.fold !== fold && i.kind !== 'phishing');
    for (const item of items) {
      if (item.fold !== fold) continue;
      outcomes.push(await run(item, model));
      if (item.kind === 'phishing') phishingUnseen.push(await run(item, blind));
    }
    console.error(`fold ${fold + 1}/${k} done (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  }

  const rate = (n: number, of: number): string => (of === 0 ? '-' : `${((100 * n) / of).toFixed(2)}%`);
  const rows: (string | number)[][] = [];
  const summary: Record<string, unknown> = { eval: 'cv', k, messages: items.length, duplicates };
  const report = (label: string, list: readonly Outcome[], kind: Kind): void => {
    const of = list.filter((o) => o.item.kind === kind);
    const caught = of.filter((o) => CAUGHT.has(o.action)).length;
    const fp = of.filter((o) => FALSE_POSITIVE.has(o.action)).length;
    const isHam = kind === 'ham' || kind === 'hard-ham';
    rows.push([label, of.length, isHam ? '' : rate(caught, of.length), isHam ? `${fp} (${rate(fp, of.length)})` : '', isHam ? `${caught - fp} (${rate(caught - fp, of.length)})` : '']);
    summary[label] = isHam ? { messages: of.length, falsePositives: fp, tagged: caught - fp } : { messages: of.length, caught };
  };
  report('spam', outcomes, 'spam');
  report('phishing', outcomes, 'phishing');
  report('phishing (none trained)', phishingUnseen, 'phishing');
  report('ham', outcomes, 'ham');
  report('hard ham', outcomes, 'hard-ham');
  console.log(`\n## ${k}-fold cross-validation: ${items.length} messages after ${duplicates} duplicates removed\n`);
  for (const line of formatTable(['', 'messages', 'recall', 'false positives', 'tagged'], rows)) console.log(line);
  console.log('');
  console.log(JSON.stringify({ ...summary, wallS: Number(((performance.now() - started) / 1000).toFixed(1)) }));
  if (values.misses !== undefined) {
    const misses = outcomes.filter((o) => (o.item.kind === 'spam' || o.item.kind === 'phishing' ? !CAUGHT.has(o.action) : FALSE_POSITIVE.has(o.action) || o.action === 'tag'));
    writeFileSync(values.misses, misses.map((o) => `${o.item.kind}\t${o.action}\t${o.score}\t${o.item.file}\t${o.ids.join(' ')}`).join('\n') + '\n');
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : String(err));
  process.exitCode = 1;
});
