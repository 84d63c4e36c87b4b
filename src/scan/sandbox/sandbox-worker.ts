/**
 * The sandbox process's entry point (started by spawn-sandbox.ts, never imported). Everything
 * here runs under Node's permission model: it may read its code and the paths the pool allowed,
 * nothing else, and may not write, spawn or start threads.
 *
 * Contract with sandbox-pool.ts (messages in sandbox-protocol.ts): on start it loads the
 * analyzer list (built-ins, then the extra modules named in its options) and its ports (the
 * clamd client, the hash blocklist read once from its file) and sends `ready`, or `fatal` with
 * the reason (an unreadable or malformed blocklist, for one) and exits 1. Then, one job at a time: reads the file at `path` from
 * `offset` (at most MAX_MESSAGE_BYTES_CEILING bytes: the rest is SCAN_LIMIT_MESSAGE_SIZE), runs
 * the pipeline and sends `result`; or, for a `tokenize` job, parses the message and sends its Bayes
 * tokens (`tokens`, tokens over MAX_TOKEN_CHARS left out) or `tokenize-failed` with an error code.
 * Every `heartbeatMs` it reports its memory use. It exits when
 * the main process goes away. A bug here kills only this process: the pool replaces it.
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { Analyzer, ScanPorts } from '../analyzer.js';
import { parseHashBlocklist } from '../analyzers/hash-blocklist.js';
import { BayesSnapshotReader } from '../bayes/model-snapshot.js';
import { tokenizeMessage } from '../bayes/tokenize-message.js';
import { ClamdClient } from '../clamd-client.js';
import { createCachingResolver } from '../dns/caching-resolver.js';
import { knownCorrespondentsReader } from '../url/known-correspondents.js';
import { finding, type Finding } from '../../core/finding.js';
import { MAX_MESSAGE_BYTES_CEILING } from '../../core/limits.js';
import { parseMessage } from '../../mime/parse-message.js';
import { runPipeline } from '../pipeline.js';
import { buildAnalyzerList } from '../registry.js';
import { EMPTY_SUMMARY } from '../summarize-message.js';
import { MAX_TOKEN_CHARS, type JobMessage, type ScanJobMessage, type TokenizeJobMessage, type WorkerMessage, type WorkerOptions } from './sandbox-protocol.js';

function send(message: WorkerMessage): void {
  process.send?.(message);
}

function isAnalyzer(value: unknown): value is Analyzer {
  const a = value as Partial<Analyzer> | null;
  return (
    typeof a === 'object' && a !== null && typeof a.name === 'string' && typeof a.analyze === 'function' &&
    Array.isArray(a.directions) && Array.isArray(a.dependsOn)
  );
}

async function loadAnalyzers(options: WorkerOptions): Promise<readonly Analyzer[]> {
  const extra: Analyzer[] = [];
  for (const path of options.analyzerModules) {
    // Paths come from the programmatic API (tests), never from config or input (invariant 1).
    const module = (await import(pathToFileURL(path).href)) as { default?: unknown };
    if (!isAnalyzer(module.default)) throw new Error(`analyzer module ${path} has no default export that is an Analyzer`);
    extra.push(module.default);
  }
  return buildAnalyzerList({ extra, disabled: options.disabledAnalyzers });
}

/** The ports analyzers get: clamd's client, and the blocklist read once for this process. */
/**
 * All of one message's DNS queries together may take this many query timeouts: a few lookups
 * in sequence (DKIM keys, SPF, DMARC) when the server is slow, never minutes when it is dead.
 */
const DNS_BUDGET_TIMEOUTS = 3;

function buildPorts(settings: WorkerOptions['ports']): ScanPorts {
  return {
    ...(settings?.clamav ? { virusScanner: new ClamdClient(settings.clamav) } : {}),
    ...(settings?.phishing !== undefined ? { phishing: settings.phishing } : {}),
    ...(settings?.hashBlocklist !== undefined
      ? { hashBlocklist: parseHashBlocklist(readFileSync(settings.hashBlocklist, 'utf8'), settings.hashBlocklist) }
      : {}),
    ...(settings?.bayesModel !== undefined ? { bayes: new BayesSnapshotReader(settings.bayesModel) } : {}),
    ...(settings?.knownCorrespondents !== undefined ? { knownCorrespondents: knownCorrespondentsReader(settings.knownCorrespondents) } : {}),
    ...(settings?.dns
      ? { dns: { resolver: createCachingResolver(settings.dns), budgetMs: settings.dns.timeoutMs * DNS_BUDGET_TIMEOUTS } }
      : {}),
    ...(settings?.authservId !== undefined ? { authservId: settings.authservId } : {}),
    ...(settings?.uribl !== undefined && settings.uribl.length > 0 ? { uribl: settings.uribl } : {}),
  };
}

/**
 * Large messages are read into one buffer kept between jobs: fresh memory costs a page fault per
 * 4 KB on first touch (about 15 ms of CPU for a 34 MB message, more than reading it), and each
 * fresh 34 MB makes the heap collect sooner. The buffer is lent to one job at a time and given
 * back when its result has been sent (nothing keeps the raw bytes after that), so with several
 * jobs at once a job that finds it lent reads into a buffer of its own: safe whatever the pool
 * sends. Only messages of KEPT_BUFFER_MIN or more borrow it, so the small messages scanned beside
 * a large one never hold it (the pool scans messages of 4 MB or more alone). Messages over
 * REUSED_READ_BUFFER_MAX get a buffer of their own, freed after the job.
 */
const REUSED_READ_BUFFER_MAX = 48 * 1024 * 1024;
const KEPT_BUFFER_MIN = 1024 * 1024;
let keptBuffer = Buffer.allocUnsafeSlow(KEPT_BUFFER_MIN);
let keptBufferLent = false;

function borrowReadBuffer(length: number): Buffer {
  if (keptBufferLent || length < KEPT_BUFFER_MIN || length > REUSED_READ_BUFFER_MAX) return Buffer.allocUnsafe(length);
  if (keptBuffer.length < length) keptBuffer = Buffer.allocUnsafeSlow(Math.min(REUSED_READ_BUFFER_MAX, Math.max(length, keptBuffer.length * 2)));
  keptBufferLent = true;
  return keptBuffer;
}

/** Ends a job's use of its read buffer (the message's bytes may be overwritten from now on). */
function returnReadBuffer(raw: Buffer): void {
  if (raw.buffer === keptBuffer.buffer) keptBufferLent = false;
}

/** Reads the message within the ceiling; a longer file is scanned up to it and reported. The caller returns `raw`. */
function readMessage(path: string, offset: number, limit?: number): { raw: Buffer; findings: Finding[] } {
  const fd = openSync(path, 'r');
  let raw: Buffer | undefined;
  try {
    const available = Math.min(Math.max(0, fstatSync(fd).size - offset), limit ?? Infinity);
    const length = Math.min(available, MAX_MESSAGE_BYTES_CEILING);
    raw = borrowReadBuffer(length);
    let read = 0;
    while (read < length) {
      const n = readSync(fd, raw, read, length - read, offset + read);
      if (n === 0) break;
      read += n;
    }
    const findings =
      available > length
        ? [finding('SCAN_LIMIT_MESSAGE_SIZE', `message is ${available} bytes; only the first ${length} were scanned`)]
        : [];
    return { raw: raw.subarray(0, read), findings };
  } catch (err) {
    if (raw !== undefined) returnReadBuffer(raw);
    throw err;
  } finally {
    closeSync(fd);
  }
}

/** An error's code as the protocol accepts it (letters, digits, underscores). */
function failureCode(code: string | undefined): string {
  return (code ?? '').replace(/\W/g, '').slice(0, 64) || 'error';
}

/** The Bayes tokens of a message: the tokenizer the bayes analyzer uses, on the same bounded read. */
function runTokenize(job: TokenizeJobMessage): void {
  let raw;
  try {
    raw = readMessage(job.path, job.offset, job.length).raw;
  } catch (err) {
    send({ kind: 'tokenize-failed', jobId: job.jobId, reason: 'unreadable', code: failureCode((err as NodeJS.ErrnoException).code) });
    return;
  }
  let tokens: string[];
  try {
    tokens = [...tokenizeMessage(parseMessage(raw).message)].filter((t) => t.length <= MAX_TOKEN_CHARS);
  } catch (err) {
    send({ kind: 'tokenize-failed', jobId: job.jobId, reason: 'error', code: failureCode(err instanceof Error ? err.name : undefined) });
    return;
  } finally {
    returnReadBuffer(raw);
  }
  send({ kind: 'tokens', jobId: job.jobId, tokens });
}

async function runJob(job: ScanJobMessage, analyzers: readonly Analyzer[], ports: ScanPorts, options: WorkerOptions): Promise<void> {
  let input;
  try {
    input = readMessage(job.path, job.offset);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    send({ kind: 'result', jobId: job.jobId, findings: [finding('SCAN_INPUT_UNREADABLE', `cannot read the message file (${code})`)], summary: EMPTY_SUMMARY });
    return;
  }
  // Analyzers see the deadline a little before the watchdog's, so a cooperative one can stop
  // and the pipeline can still say what ran.
  const budget = Math.max(1, options.timeoutMs - Math.max(100, Math.floor(options.timeoutMs / 10)));
  // A timer cleared when the job ends, not AbortSignal.timeout: that one stays armed for the whole
  // budget after the job and costs several times more to create.
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new DOMException('the scan time budget is spent', 'TimeoutError')), budget);
  let result;
  try {
    result = await runPipeline(input.raw, job.envelope, analyzers, deadline.signal, ports);
  } finally {
    clearTimeout(timer);
    returnReadBuffer(input.raw);
  }
  send({ kind: 'result', jobId: job.jobId, findings: [...input.findings, ...result.findings], summary: result.summary });
}

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2] ?? '{}') as WorkerOptions;
  let analyzers: readonly Analyzer[];
  let ports: ScanPorts;
  try {
    analyzers = await loadAnalyzers(options);
    ports = buildPorts(options.ports);
  } catch (err) {
    send({ kind: 'fatal', detail: err instanceof Error ? err.message : String(err) });
    process.exitCode = 1;
    process.disconnect?.();
    return;
  }
  process.on('disconnect', () => process.exit(0));
  // The gateway alone ends a sandbox: SIGKILL when its pool closes or its watchdog fires, and the
  // IPC channel's end when the gateway itself is gone. A Ctrl-C in a terminal or a supervisor's
  // SIGTERM reaches the whole process group; killed by it, the sandboxes would fail the scans of
  // the sessions the gateway is still draining, and be replaced during the shutdown.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => undefined);
  const heartbeat = (): void => {
    const usage = process.memoryUsage();
    send({ kind: 'memory', rss: usage.rss, heapUsed: usage.heapUsed });
  };
  setInterval(heartbeat, options.heartbeatMs);
  const run = (message: JobMessage): Promise<void> | void =>
    message.kind === 'tokenize' ? runTokenize(message) : runJob(message, analyzers, ports, options);
  if ((options.jobsPerSandbox ?? 1) > 1) {
    // Several jobs at once: while one waits on DNS or clamd, another uses the CPU. The pool
    // bounds how many it sends; each job has its own deadline (and read buffer, but for the kept one).
    process.on('message', (message: JobMessage) => void run(message));
  } else {
    // One job at a time; a chain keeps them sequential even if the pool misbehaves.
    let chain = Promise.resolve();
    process.on('message', (message: JobMessage) => {
      chain = chain.then(() => run(message));
    });
  }
  send({ kind: 'ready' });
}

void main();
