/**
 * `portcullis report-spam PATH... [--ham] [--config F]`: a person says these messages are spam
 * (or, with --ham, not spam), and the Bayes classifier learns it. A PATH is a message file or a
 * folder, walked and sniffed as `portcullis scan` does (collectFiles, sniffMessage).
 *
 * Reported mail is attacker mail, so unlike `portcullis train` (the operator's own folders) this
 * command never parses it here: each file is tokenized in a sandbox (SandboxPool.tokenize, one
 * sandbox that may read only the given PATHs, DESIGN.md invariant 2), then learnt through
 * service/bayes-service.ts learnMessage: one `bayes.train` audit record per message naming the
 * file, the snapshot the sandboxes read rewritten.
 *
 * Exit code 0 when every message was learnt; 1 when a PATH does not exist, a file cannot be read
 * or tokenized (each named on stderr with the reason), or nothing was learnt.
 */
import { Command } from 'commander';
import { resolve } from 'node:path';
import type { Config } from '../config/schema.js';
import { isPortcullisError } from '../core/errors.js';
import { bayesSnapshotPath } from '../scan/bayes/model-snapshot.js';
import { sandboxPoolOptions } from '../scan/sandbox/pool-options.js';
import { SandboxPool } from '../scan/sandbox/sandbox-pool.js';
import { learnMessage } from '../service/bayes-service.js';
import type { MessageTokenizer } from '../service/quarantine-service.js';
import { withCliContext } from './context.js';
import { collectFiles, sniffMessage, type Candidate, type ScanIo } from './scan.js';

export interface ReportSpamOptions {
  readonly config?: string;
  /** Learn the messages as ham (not spam). */
  readonly ham: boolean;
}

const processIo: ScanIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/**
 * Runs `fn` with a one-sandbox pool that may read `readablePaths`, as a tokenizer for learning
 * (also used by `portcullis quarantine release --not-spam`); the pool is always closed.
 */
export async function withSandboxTokenizer<T>(config: Config, readablePaths: readonly string[], fn: (tokenizer: MessageTokenizer) => Promise<T>): Promise<T> {
  const pool = new SandboxPool(sandboxPoolOptions(config, { size: 1, readablePaths: readablePaths.map((p) => resolve(p)) }));
  try {
    await pool.start();
    return await fn(pool);
  } finally {
    await pool.close();
  }
}

/** A file's candidate, or why it has none (unreadable: the error code; else not a message). */
function sniff(file: string, io: ScanIo): Candidate | undefined {
  try {
    const candidate = sniffMessage(file);
    if (!candidate) io.err(`skipped ${file}: does not begin like a message`);
    return candidate;
  } catch (err) {
    io.err(`${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    return undefined;
  }
}

export async function runReportSpam(paths: readonly string[], options: ReportSpamOptions, io: ScanIo = processIo): Promise<number> {
  const { files, missing } = collectFiles(paths, io);
  let failed = missing;
  const candidates: Candidate[] = [];
  for (const file of files) {
    const candidate = sniff(file, io);
    if (candidate) candidates.push(candidate);
    else failed++;
  }
  if (candidates.length === 0) {
    io.err('no message to learn');
    return 1;
  }
  const spam = !options.ham;
  const label = spam ? 'spam' : 'ham';
  let learnt = 0;
  await withCliContext(options.config === undefined ? {} : { config: options.config }, async (ctx) => {
    const snapshotPath = bayesSnapshotPath(ctx.config.dataDir);
    await withSandboxTokenizer(ctx.config, paths, async (tokenizer) => {
      for (const candidate of candidates) {
        let tokens;
        try {
          tokens = await tokenizer.tokenize({ path: candidate.file, offset: candidate.offset });
        } catch (err) {
          if (!isPortcullisError(err)) throw err;
          io.err(`${candidate.file}: ${err.message}`);
          failed++;
          continue;
        }
        const model = await learnMessage(
          { db: ctx.db, audit: ctx.audit, snapshotPath },
          ctx.actor,
          { tokens: new Set(tokens), spam, reason: spam ? 'report-spam' : 'report-ham', target: resolve(candidate.file) },
        );
        learnt++;
        io.out(`${candidate.file}: learnt as ${label}; the model now holds ${model.spamMessages} spam, ${model.hamMessages} ham`);
      }
    });
  });
  io.out(`learnt ${learnt} message(s) as ${label}${failed > 0 ? `; ${failed} failed` : ''}`);
  return failed > 0 || learnt === 0 ? 1 : 0;
}

export function reportSpamCommand(io: ScanIo = processIo): Command {
  return new Command('report-spam')
    .description('teach the spam classifier that messages are spam (or, with --ham, not spam); tokenized in a sandbox')
    .argument('<paths...>', 'message files or folders (walked recursively)')
    .option('--config <file>', 'configuration file')
    .option('--ham', 'the messages are not spam', false)
    .action(async (paths: string[], opts: { config?: string; ham: boolean }) => {
      process.exitCode = await runReportSpam(paths, opts, io);
    });
}
