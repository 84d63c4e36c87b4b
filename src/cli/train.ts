/**
 * `portcullis train --spam PATH... --ham PATH... [--config F]`: trains the Bayes classifier from
 * folders of the operator's mail, walked and sniffed exactly as `portcullis scan` does
 * (collectFiles, sniffMessage), and stores the counts in the database of the configuration's
 * dataDir, through service/bayes-service.ts (audited), which also rewrites the model snapshot
 * that `portcullis scan` and the gateway read.
 *
 * The files are the operator's own, chosen on the command line, so they are parsed in this
 * process with the project's MIME parser (bounded like in a sandbox); nothing in them is ever
 * executed or written anywhere. Progress goes to stderr: a bar on a terminal, a line every
 * PROGRESS_EVERY messages otherwise. Exit code 0 when trained, 1 when a PATH does not exist or
 * neither class was given.
 */
import { Command } from 'commander';
import { closeSync, openSync, readSync } from 'node:fs';
import { MAX_MESSAGE_BYTES_CEILING } from '../core/limits.js';
import { parseMessage } from '../mime/parse-message.js';
import { BayesModel } from '../scan/bayes/bayes-model.js';
import { bayesSnapshotPath } from '../scan/bayes/model-snapshot.js';
import { tokenizeMessage } from '../scan/bayes/tokenize-message.js';
import { trainBayes } from '../service/bayes-service.js';
import { withCliContext } from './context.js';
import { collectFiles, sniffMessage, type Candidate, type ScanIo } from './scan.js';

export interface TrainOptions {
  readonly config?: string;
  readonly spam: readonly string[];
  readonly ham: readonly string[];
}

export interface TrainIo extends ScanIo {
  /** Whether stderr is a terminal (a redrawn bar) or not (plain lines). */
  readonly tty: boolean;
  /** Writes to stderr without a newline (the bar). */
  readonly progress: (text: string) => void;
}

const PROGRESS_EVERY = 500;
const BAR_WIDTH = 30;

const processIo: TrainIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  tty: process.stderr.isTTY === true,
  progress: (text) => process.stderr.write(text),
};

function readCandidate(candidate: Candidate): Buffer {
  const fd = openSync(candidate.file, 'r');
  try {
    const length = Math.min(candidate.size, MAX_MESSAGE_BYTES_CEILING);
    const raw = Buffer.alloc(length);
    let read = 0;
    while (read < length) {
      const n = readSync(fd, raw, read, length - read, candidate.offset + read);
      if (n === 0) break;
      read += n;
    }
    return raw.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}

/** Tokenizes one of the operator's files (the same tokens a scan makes). */
export function tokenizeFile(candidate: Candidate): ReadonlySet<string> {
  return tokenizeMessage(parseMessage(readCandidate(candidate)).message);
}

function progressLine(done: number, total: number, label: string): string {
  const filled = total === 0 ? BAR_WIDTH : Math.round((done / total) * BAR_WIDTH);
  return `[${'#'.repeat(filled)}${' '.repeat(BAR_WIDTH - filled)}] ${done}/${total} ${label}`;
}

export async function runTrain(options: TrainOptions, io: TrainIo = processIo): Promise<number> {
  if (options.spam.length === 0 && options.ham.length === 0) {
    io.err('nothing to train: give --spam PATH... and/or --ham PATH...');
    return 1;
  }
  const classes: { spam: boolean; candidates: Candidate[] }[] = [];
  let missing = 0;
  for (const [spam, paths] of [[true, options.spam], [false, options.ham]] as const) {
    const collected = collectFiles(paths, io);
    missing += collected.missing;
    const candidates: Candidate[] = [];
    for (const file of collected.files) {
      const candidate = sniffMessage(file);
      if (candidate) candidates.push(candidate);
      else io.err(`skipped ${file}: does not begin like a message`);
    }
    classes.push({ spam, candidates });
  }
  if (missing > 0) return 1;

  const lesson = new BayesModel();
  const total = classes.reduce((n, c) => n + c.candidates.length, 0);
  let done = 0;
  for (const { spam, candidates } of classes) {
    for (const candidate of candidates) {
      lesson.learn(tokenizeFile(candidate), spam);
      done++;
      if (io.tty) {
        if (done % 25 === 0 || done === total) io.progress(`\r${progressLine(done, total, 'messages')}`);
      } else if (done % PROGRESS_EVERY === 0 || done === total) io.err(`trained ${done}/${total} messages`);
    }
  }
  if (io.tty) io.progress('\n');

  await withCliContext(options.config === undefined ? {} : { config: options.config }, async (ctx) => {
    const snapshotPath = bayesSnapshotPath(ctx.config.dataDir);
    const source = `train: ${lesson.spamMessages} spam, ${lesson.hamMessages} ham`;
    const model = await trainBayes({ db: ctx.db, audit: ctx.audit, snapshotPath }, ctx.actor, lesson, source);
    io.out(
      `trained ${lesson.spamMessages} spam and ${lesson.hamMessages} ham; the model now holds ${model.spamMessages} spam, ` +
        `${model.hamMessages} ham, ${model.tokens.size} tokens (${snapshotPath})`,
    );
  });
  return 0;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function trainCommand(io: TrainIo = processIo): Command {
  return new Command('train')
    .description('train the spam classifier from folders of spam and ham (walked like portcullis scan)')
    .option('--config <file>', 'configuration file')
    .option('--spam <paths...>', 'spam message files or folders', collect, [])
    .option('--ham <paths...>', 'ham (not spam) message files or folders', collect, [])
    .action(async (opts: { config?: string; spam: string[]; ham: string[] }) => {
      process.exitCode = await runTrain(opts, io);
    });
}
