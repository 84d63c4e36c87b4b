/**
 * `portcullis scan`: scans message files without SMTP and prints one verdict per message
 * (DESIGN.md "Interfaces"). With --json, one JSON line per message:
 * `{"file","action","score","rule","findings":[{"id","score","detail"}],"ms"}`.
 *
 * A PATH is a file or a folder walked recursively (symbolic links inside folders are not
 * followed). A file is scanned when it begins like a message: a header line, or an mbox `From `
 * line, which is skipped; any other file is named on stderr as skipped. The files are scanned in
 * sandbox processes exactly like SMTP mail (the sandboxes may read only the given PATHs), on
 * all cores: the pool has one sandbox per available core, up to the number of files.
 * Without --ip the client is taken from the topmost Received header (in the sandbox).
 *
 * Exit code (also set on process.exitCode by the command): 0 when every message was scanned
 * (whatever the verdicts), 1 when a PATH does not exist or the configuration is invalid.
 */
import { Command, Option } from 'commander';
import { closeSync, fstatSync, lstatSync, openSync, readSync, readdirSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig } from '../config/load.js';
import type { Direction, Envelope } from '../core/envelope.js';
import { isPortcullisError } from '../core/errors.js';
import { newQueueId } from '../core/queue-id.js';
import { sandboxPoolOptions } from '../scan/sandbox/pool-options.js';
import { SandboxPool } from '../scan/sandbox/sandbox-pool.js';
import { Scanner, type ScanOutcome } from '../scan/scanner.js';

export interface ScanIo {
  /** Writes one line (without the newline) to standard output. */
  readonly out: (line: string) => void;
  /** Writes one line (without the newline) to standard error. */
  readonly err: (line: string) => void;
}

export interface ScanOptions {
  readonly config?: string;
  readonly direction: Direction;
  readonly ip?: string;
  readonly helo?: string;
  readonly mailFrom?: string;
  readonly json: boolean;
}

const processIo: ScanIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/** How much of a file is read to decide whether it begins like a message. */
const SNIFF_BYTES = 1024;
const HEADER_LINE = /^[!-9;-~]+[ \t]*:/;

export interface Candidate {
  readonly file: string;
  /** Bytes to skip: the mbox `From ` line. */
  readonly offset: number;
  readonly size: number;
}

/** Whether a file begins like a message; undefined when it does not. */
export function sniffMessage(file: string): Candidate | undefined {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(SNIFF_BYTES);
    const n = readSync(fd, head, 0, SNIFF_BYTES, 0);
    const size = fstatSync(fd).size;
    // A UTF-8 byte-order mark (saved by some editors and webmail exports) is not part of the message.
    const bom = n >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
    const text = head.subarray(bom, n).toString('latin1');
    const nl = text.indexOf('\n');
    const firstLine = nl === -1 ? text : text.slice(0, nl);
    if (firstLine.startsWith('From ')) {
      if (nl === -1) return undefined;
      return { file, offset: bom + nl + 1, size: size - bom - nl - 1 };
    }
    return HEADER_LINE.test(firstLine) ? { file, offset: bom, size: size - bom } : undefined;
  } finally {
    closeSync(fd);
  }
}

/** Files under `paths` (named as given, for the output), in a stable order; missing paths are reported, not thrown. */
export function collectFiles(paths: readonly string[], io: ScanIo): { files: string[]; missing: number } {
  const files: string[] = [];
  let missing = 0;
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const stat = lstatSync(path);
      if (stat.isDirectory()) walk(path);
      else if (stat.isFile()) files.push(path);
      else io.err(`skipped ${path}: not a regular file`);
    }
  };
  for (const path of paths) {
    let stat;
    try {
      stat = statSync(path);
    } catch {
      io.err(`${path}: no such file or directory`);
      missing++;
      continue;
    }
    if (stat.isDirectory()) walk(path);
    else files.push(path);
  }
  return { files, missing };
}

function formatOutcome(file: string, outcome: ScanOutcome, json: boolean): string {
  const { verdict } = outcome;
  if (json) {
    return JSON.stringify({
      file,
      action: verdict.action,
      score: verdict.score,
      rule: verdict.rule,
      findings: verdict.findings.map((f) => ({ id: f.id, score: f.score, detail: f.detail })),
      ms: outcome.ms,
    });
  }
  const ids = verdict.findings.map((f) => `${f.id}(${f.score})`).join(' ');
  return `${file}: ${verdict.action} score=${verdict.score} rule=${verdict.rule}${ids ? ` ${ids}` : ''}`;
}

export async function runScan(paths: readonly string[], options: ScanOptions, io: ScanIo = processIo): Promise<number> {
  let config;
  try {
    config = loadConfig(options.config).config;
  } catch (err) {
    if (!isPortcullisError(err)) throw err;
    io.err(err.message);
    return 1;
  }
  if (options.ip !== undefined && isIP(options.ip) === 0) {
    io.err(`--ip ${options.ip}: not an IP address`);
    return 1;
  }

  const { files, missing } = collectFiles(paths, io);
  if (files.length > 0) {
    const pool = new SandboxPool(
      sandboxPoolOptions(config, {
        size: Math.max(1, Math.min(availableParallelism(), files.length)),
        readablePaths: paths.map((p) => resolve(p)),
        // Offline scans must not wait on DNS (DESIGN.md): short timeouts, temperrors score nothing.
        dnsTimeoutMs: OFFLINE_DNS_TIMEOUT_MS,
      }),
    );
    // The sandboxes load their code (a few hundred ms each) while the files are sniffed; a
    // failure to start is awaited below (the handler only keeps it from being unhandled meanwhile).
    const started = pool.start();
    started.catch(() => undefined);
    try {
      const candidates: Candidate[] = [];
      for (const file of files) {
        const candidate = sniffMessage(file);
        if (candidate) candidates.push(candidate);
        else io.err(`skipped ${file}: does not begin like a message`);
      }
      await started;
      const scanner = new Scanner(pool, config.policy);
      let next = 0;
      // As many jobs in flight as the sandboxes run at once (scan.jobsPerSandbox each): while one
      // message waits on DNS, another uses the CPU. More would only queue in the pool.
      const lane = async (): Promise<void> => {
        for (let candidate = candidates[next++]; candidate; candidate = candidates[next++]) {
          const outcome = await scanner.scan({ path: candidate.file, offset: candidate.offset, envelope: envelopeFor(candidate, options) });
          io.out(formatOutcome(candidate.file, outcome, options.json));
        }
      };
      await Promise.all(Array.from({ length: pool.size * config.scan.jobsPerSandbox }, lane));
    } finally {
      await pool.close();
    }
  }
  return missing > 0 ? 1 : 0;
}

function envelopeFor(candidate: Candidate, options: ScanOptions): Envelope {
  return {
    queueId: newQueueId(),
    // Empty: the pipeline takes the client from the topmost Received header.
    clientAddress: options.ip ?? '',
    clientPort: 0,
    helo: options.helo ?? '',
    mailFrom: options.mailFrom ?? '',
    rcptTo: [],
    direction: options.direction,
    receivedAt: Date.now(),
    size: candidate.size,
  };
}

/** Per DNS query in `portcullis scan`: a message's queries together stay well under a second. */
const OFFLINE_DNS_TIMEOUT_MS = 200;

export function scanCommand(io: ScanIo = processIo): Command {
  return new Command('scan')
    .description('scan message files or folders without SMTP and print a verdict per message')
    .argument('<paths...>', 'message files or folders (walked recursively)')
    .option('--config <file>', 'configuration file')
    .addOption(new Option('--direction <direction>', 'direction of the mail').choices(['inbound', 'outbound']).default('inbound'))
    .option('--ip <address>', 'client IP address (default: from the topmost Received header)')
    .option('--helo <name>', 'client HELO name')
    .option('--mail-from <address>', 'envelope sender (MAIL FROM)')
    .option('--json', 'print one JSON line per message', false)
    .action(async (paths: string[], opts: { config?: string; direction: Direction; ip?: string; helo?: string; mailFrom?: string; json: boolean }) => {
      process.exitCode = await runScan(paths, opts, io);
    });
}
