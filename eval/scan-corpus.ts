/**
 * Scans folders of message files with `portcullis scan`'s own machinery (runScan: its walker,
 * its sandbox pool with one sandbox per core, its policy) and collects the per-message verdict
 * lines it prints, for the evaluation and the scan benchmark. Nothing is scanned here: this only
 * reads what runScan reports. Files that do not begin like a message are counted as skipped.
 */
import { performance } from 'node:perf_hooks';
import { runScan } from '../src/cli/scan.js';

/** One verdict line of `portcullis scan --json`. */
export interface ScanLine {
  readonly file: string;
  readonly action: string;
  readonly score: number;
  readonly rule: string;
  readonly findings: readonly { readonly id: string; readonly score: number; readonly detail: string }[];
  /** Scan wall time, queueing included. */
  readonly ms: number;
}

export interface CorpusScan {
  readonly lines: readonly ScanLine[];
  /** Files that do not begin like a message. */
  readonly skipped: readonly string[];
  /** Wall time of the whole run (sandbox start-up included). */
  readonly wallMs: number;
  /** From the first verdict to the last: the steady state, without start-up. */
  readonly steadyMs: number;
  /** runScan's exit code: 1 when a path is missing or the configuration is invalid. */
  readonly exitCode: number;
}

export interface CorpusScanOptions {
  readonly config?: string;
  /** Called with each verdict line as it arrives (the raw JSON text). */
  readonly onLine?: (json: string) => void;
}

const SKIPPED = /^skipped (.*): (?:does not begin like a message|not a regular file)$/;

export async function scanCorpus(paths: readonly string[], options: CorpusScanOptions = {}): Promise<CorpusScan> {
  const lines: ScanLine[] = [];
  const skipped: string[] = [];
  let first: number | undefined;
  let last = 0;
  const started = performance.now();
  const exitCode = await runScan(
    paths,
    { json: true, direction: 'inbound', ...(options.config !== undefined ? { config: options.config } : {}) },
    {
      out: (json) => {
        last = performance.now();
        first ??= last;
        lines.push(JSON.parse(json) as ScanLine);
        options.onLine?.(json);
      },
      err: (line) => {
        const m = SKIPPED.exec(line);
        if (m?.[1] !== undefined) skipped.push(m[1]);
        else process.stderr.write(`${line}\n`);
      },
    },
  );
  return { lines, skipped, wallMs: performance.now() - started, steadyMs: first === undefined ? 0 : last - first, exitCode };
}
