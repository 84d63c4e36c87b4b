/**
 * The pool of sandbox processes (DESIGN.md invariant 2) and its watchdog. The main process
 * sends a job (a file path and its envelope) to an idle sandbox and gets back findings and the
 * summary; it never parses the message itself.
 *
 * Watchdog, checked every WATCHDOG_INTERVAL_MS and by a timer per job:
 * - a job running longer than `timeoutMs`: SIGKILL, the job fails with SCAN_LIMIT_TIME;
 * - resident memory above `maxRssMb` (read from /proc/<pid>/status by the main process, which
 *   works even while the sandbox spins in a synchronous loop, and from the sandbox's own
 *   reports): SIGKILL, SCAN_LIMIT_MEMORY;
 * - a sandbox that exits by itself during a job: SCAN_LIMIT_MEMORY when V8 aborted it (SIGABRT
 *   or exit code 134: the heap cap was reached), else SCAN_SANDBOX_CRASH;
 * - an idle sandbox silent for SILENCE_MS, or one not ready after STARTUP_TIMEOUT_MS: killed.
 * A killed or dead sandbox is replaced at once (sandboxRestarts counts it); the other sandboxes
 * keep serving meanwhile. Jobs wait FIFO when every sandbox is busy; a job that waits longer than
 * `queueTimeoutMs` fails with SCAN_OVERLOADED. Every failure is a finding that policy turns into
 * tempfail: nothing that failed to scan is ever clean (invariant 3).
 *
 * A tokenize job (the Bayes tokens of a message a person released or reported, for learning)
 * runs through the same queue and watchdog; any failure of it rejects with the failure's finding
 * id and detail, so a message is never learnt from half a reading.
 *
 * Trusts: the worker script and the analyzer modules given by the programmatic API (never from
 * config). Does not trust what a sandbox sends back (sandbox-protocol.ts validates it).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Envelope } from '../../core/envelope.js';
import { PortcullisError } from '../../core/errors.js';
import { finding, type Finding } from '../../core/finding.js';
import { requireLimit } from '../../core/limits.js';
import { sandboxRestarts } from '../../observe/metrics.js';
import type { MessageSummaryPart } from '../summarize-message.js';
import { readWorkerMessage, type JobMessage, type SandboxPortSettings, type WorkerMessage } from './sandbox-protocol.js';
import { spawnSandbox } from './spawn-sandbox.js';

/** The logging port (pino's Logger satisfies it). */
export interface SandboxLogger {
  warn(details: Record<string, unknown>, message: string): void;
}

export interface SandboxPoolOptions {
  /** Number of sandbox processes. */
  readonly size: number;
  /** V8 heap cap of each sandbox (--max-old-space-size). */
  readonly heapMb: number;
  /** Resident memory at which the watchdog kills a sandbox. */
  readonly maxRssMb: number;
  /** Time one job may take in a sandbox. */
  readonly timeoutMs: number;
  /** Time a job may wait for a free sandbox. */
  readonly queueTimeoutMs: number;
  /** Absolute paths (files or directory trees) the sandboxes may read: the spool, the scanned files. */
  readonly readablePaths: readonly string[];
  /** Absolute paths of extra analyzer modules (default export an Analyzer). Programmatic API and tests only; never from config. */
  readonly analyzerModules?: readonly string[];
  /** Analyzer names to switch off (config `scan.disabledAnalyzers`). */
  readonly disabledAnalyzers?: readonly string[];
  /** clamd and the hash blocklist (config `scan.clamav`, `scan.hashBlocklist`); the blocklist file becomes readable. */
  readonly ports?: SandboxPortSettings;
  readonly logger?: SandboxLogger;
  /**
   * Jobs one sandbox runs at once (default 1). Analyzers wait on DNS and clamd; with more than
   * one, a sandbox uses the CPU for another message meanwhile. A sandbox killed for one job's
   * limit takes its other jobs with it (they fail with SCAN_SANDBOX_CRASH: tempfail, retried).
   */
  readonly jobsPerSandbox?: number;
}

export interface ScanJob {
  readonly path: string;
  readonly envelope: Envelope;
  /** Bytes to skip at the start of the file (an mbox `From ` line); 0 when absent. */
  readonly offset?: number;
}

export interface TokenizeJob {
  readonly path: string;
  /** Bytes to skip at the start of the file (an mbox `From ` line); 0 when absent. */
  readonly offset?: number;
  /** Bytes to read after the offset (a spool file's body, before its record); to the end when absent. */
  readonly length?: number;
}

interface JobFailure {
  readonly kind: 'failed';
  readonly finding: Finding;
}

export type SandboxResult = { readonly kind: 'ok'; readonly findings: readonly Finding[]; readonly summary: MessageSummaryPart } | JobFailure;

type TokenizeResult = { readonly kind: 'ok'; readonly tokens: readonly string[] } | JobFailure;

/** A job of either kind with the callback that settles it (a failure settles both kinds). */
type PendingJob =
  | { readonly task: 'scan'; readonly job: ScanJob; readonly resolve: (result: SandboxResult) => void }
  | { readonly task: 'tokenize'; readonly job: TokenizeJob; readonly resolve: (result: TokenizeResult) => void };

type FailureId = 'SCAN_LIMIT_TIME' | 'SCAN_LIMIT_MEMORY' | 'SCAN_SANDBOX_CRASH';
type RestartReason = 'time' | 'memory' | 'crash' | 'silent' | 'startup';

const WATCHDOG_INTERVAL_MS = 100;
const HEARTBEAT_MS = 100;
/** An idle sandbox reports every HEARTBEAT_MS; this much silence means it is wedged. */
const SILENCE_MS = 10_000;
const STARTUP_TIMEOUT_MS = 15_000;
/** Delay before replacing a sandbox that died while starting, so a broken build cannot spin. */
const RESPAWN_BACKOFF_MS = 1000;
const V8_ABORT_EXIT_CODE = 134;
/**
 * A message at least this large is scanned alone in its sandbox: decoded attachments cost a few
 * times the message's size, so several 25 MB messages at once would break the sandbox's memory
 * limit. Smaller ones share a sandbox up to jobsPerSandbox.
 */
export const EXCLUSIVE_JOB_BYTES = 4 * 1024 * 1024;

interface ActiveJob {
  readonly jobId: number;
  readonly pending: PendingJob;
  readonly timer: NodeJS.Timeout;
}

/** The process handle, typed through spawn-sandbox.ts (the one module that names child_process). */
type SandboxProcess = ReturnType<typeof spawnSandbox>;

interface Sandbox {
  readonly child: SandboxProcess;
  ready: boolean;
  dead: boolean;
  startedAt: number;
  lastHeard: number;
  reportedRss: number;
  readonly jobs: Map<number, ActiveJob>;
  /** Running a large message, which it scans alone (memory grows with each message held). */
  exclusive: boolean;
}

interface Waiting {
  readonly pending: PendingJob;
  readonly timer: NodeJS.Timeout;
}

/** Resident memory of a process from /proc (Linux); undefined elsewhere or once it is gone. */
function procRss(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

export class SandboxPool {
  private readonly options: SandboxPoolOptions;
  private readonly snapshotFolders: readonly string[];
  private readonly sandboxes = new Set<Sandbox>();
  private readonly waiting: Waiting[] = [];
  private readonly watchdog: NodeJS.Timeout;
  private nextJobId = 1;
  private closed = false;
  private restartCount = 0;
  private startup?: { resolve: () => void; reject: (err: Error) => void };

  constructor(options: SandboxPoolOptions) {
    for (const [name, value] of Object.entries({
      size: options.size,
      heapMb: options.heapMb,
      maxRssMb: options.maxRssMb,
      timeoutMs: options.timeoutMs,
      queueTimeoutMs: options.queueTimeoutMs,
      jobsPerSandbox: options.jobsPerSandbox ?? 1,
    })) {
      requireLimit(`sandbox ${name}`, value);
    }
    // The sandbox's working directory is the project root, so relative paths are resolved
    // here, against the caller's. clamd's unix socket needs no read permission (Node 20.20).
    const hashBlocklist = options.ports?.hashBlocklist === undefined ? undefined : resolve(options.ports.hashBlocklist);
    // Snapshot files (the Bayes model, the known correspondents) are replaced by rename, so
    // their folders are readable, not the files.
    const bayesModel = options.ports?.bayesModel === undefined ? undefined : resolve(options.ports.bayesModel);
    const knownCorrespondents = options.ports?.knownCorrespondents === undefined ? undefined : resolve(options.ports.knownCorrespondents);
    const snapshotFolders = [bayesModel, knownCorrespondents].filter((p): p is string => p !== undefined).map((p) => dirname(p));
    this.snapshotFolders = snapshotFolders;
    this.options = {
      ...options,
      readablePaths: [...options.readablePaths, ...(hashBlocklist === undefined ? [] : [hashBlocklist]), ...snapshotFolders].map((p) => resolve(p)),
      ports: {
        ...options.ports,
        ...(hashBlocklist === undefined ? {} : { hashBlocklist }),
        ...(bayesModel === undefined ? {} : { bayesModel }),
        ...(knownCorrespondents === undefined ? {} : { knownCorrespondents }),
      },
    };
    this.watchdog = setInterval(() => this.checkAll(), WATCHDOG_INTERVAL_MS);
    this.watchdog.unref();
  }

  /** Starts the sandboxes; resolves when all are ready, rejects (and closes) if one cannot start. */
  start(): Promise<void> {
    if (this.sandboxes.size > 0 || this.closed) throw new PortcullisError('PORTCULLIS_ERR_SANDBOX', 'sandbox pool already started or closed');
    const started = new Promise<void>((resolve, reject) => {
      this.startup = { resolve, reject };
    });
    // The permission model grants a folder only if it exists when the process starts: a snapshot
    // written later (the first `portcullis train` on a running gateway) would stay unreadable
    // until a restart. A folder that cannot be made (a read-only data directory for an offline
    // `portcullis scan`) only means no snapshot.
    for (const folder of this.snapshotFolders) {
      try {
        mkdirSync(folder, { recursive: true, mode: 0o750 });
      } catch (err) {
        this.options.logger?.warn({ folder, err: (err as Error).message }, 'cannot create a snapshot folder; the sandboxes will not see its snapshot');
      }
    }
    for (let i = 0; i < this.options.size; i++) this.spawnOne();
    return started;
  }

  /** Scans one message file in a sandbox; never rejects because of the message. */
  scan(job: ScanJob): Promise<SandboxResult> {
    return new Promise((resolve) => this.enqueue({ task: 'scan', job, resolve }));
  }

  /**
   * The Bayes tokens of one message file (scan/bayes/tokenize-message.ts), computed in a sandbox.
   * Rejects with PORTCULLIS_ERR_SANDBOX naming the failure (SCAN_INPUT_UNREADABLE for a file the
   * sandbox cannot read, SCAN_LIMIT_TIME, SCAN_OVERLOADED, ...).
   */
  async tokenize(job: TokenizeJob): Promise<readonly string[]> {
    const result = await new Promise<TokenizeResult>((resolve) => this.enqueue({ task: 'tokenize', job, resolve }));
    if (result.kind === 'failed') {
      throw new PortcullisError('PORTCULLIS_ERR_SANDBOX', `cannot tokenize ${job.path}: ${result.finding.id}: ${result.finding.detail}`);
    }
    return result.tokens;
  }

  private enqueue(pending: PendingJob): void {
    if (this.closed) {
      pending.resolve(failed('SCAN_OVERLOADED', 'the sandbox pool is closed'));
      return;
    }
    const timer = setTimeout(() => {
      const index = this.waiting.findIndex((w) => w.timer === timer);
      if (index >= 0) this.waiting.splice(index, 1);
      pending.resolve(failed('SCAN_OVERLOADED', `no sandbox was free within ${this.options.queueTimeoutMs} ms`));
    }, this.options.queueTimeoutMs);
    this.waiting.push({ pending, timer });
    this.dispatch();
  }

  /** Jobs running in sandboxes now. */
  get busy(): number {
    let n = 0;
    for (const s of this.sandboxes) n += s.jobs.size;
    return n;
  }

  /** Jobs waiting for a free sandbox. */
  get queued(): number {
    return this.waiting.length;
  }

  get size(): number {
    return this.options.size;
  }

  /** Sandboxes killed or dead and replaced since the pool started. */
  get restarts(): number {
    return this.restartCount;
  }

  /** Process ids of the live sandboxes (for operators and tests). */
  get pids(): readonly number[] {
    return [...this.sandboxes].filter((s) => !s.dead && s.child.pid !== undefined).map((s) => s.child.pid as number);
  }

  /** Kills every sandbox; jobs in flight or waiting fail with SCAN_OVERLOADED. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.watchdog);
    for (const w of this.waiting.splice(0)) {
      clearTimeout(w.timer);
      w.pending.resolve(failed('SCAN_OVERLOADED', 'the sandbox pool was closed'));
    }
    const exits: Promise<void>[] = [];
    for (const s of this.sandboxes) {
      this.failJobs(s, failed('SCAN_OVERLOADED', 'the sandbox pool was closed'));
      s.dead = true;
      if (s.child.exitCode === null && s.child.signalCode === null) {
        exits.push(new Promise((resolve) => s.child.once('exit', () => resolve())));
        s.child.kill('SIGKILL');
      }
    }
    this.sandboxes.clear();
    this.startup?.reject(new PortcullisError('PORTCULLIS_ERR_SANDBOX', 'sandbox pool closed while starting'));
    this.startup = undefined;
    await Promise.all(exits);
  }

  private spawnOne(): void {
    const child = spawnSandbox({
      heapMb: this.options.heapMb,
      readablePaths: this.options.readablePaths,
      worker: {
        analyzerModules: this.options.analyzerModules ?? [],
        disabledAnalyzers: this.options.disabledAnalyzers ?? [],
        timeoutMs: this.options.timeoutMs,
        heartbeatMs: HEARTBEAT_MS,
        jobsPerSandbox: this.options.jobsPerSandbox ?? 1,
        ports: this.options.ports ?? {},
      },
    });
    const now = Date.now();
    const sandbox: Sandbox = { child, ready: false, dead: false, startedAt: now, lastHeard: now, reportedRss: 0, jobs: new Map(), exclusive: false };
    this.sandboxes.add(sandbox);
    child.on('message', (raw: unknown) => this.onMessage(sandbox, raw));
    child.on('exit', (code, signal) => this.onExit(sandbox, code, signal));
    child.on('error', (err) => {
      this.options.logger?.warn({ sandboxPid: child.pid, err: err.message }, 'sandbox process error');
      this.onExit(sandbox, null, null);
    });
  }

  private onMessage(sandbox: Sandbox, raw: unknown): void {
    if (sandbox.dead) return;
    sandbox.lastHeard = Date.now();
    const message: WorkerMessage | undefined = readWorkerMessage(raw);
    if (message === undefined) {
      this.kill(sandbox, 'crash', 'SCAN_SANDBOX_CRASH', 'the sandbox sent a malformed message');
      return;
    }
    switch (message.kind) {
      case 'ready':
        sandbox.ready = true;
        if (this.startup && [...this.sandboxes].every((s) => s.ready)) {
          this.startup.resolve();
          this.startup = undefined;
        }
        this.dispatch();
        return;
      case 'fatal':
        this.options.logger?.warn({ sandboxPid: sandbox.child.pid, detail: message.detail }, 'sandbox could not start');
        if (this.startup) {
          const { reject } = this.startup;
          this.startup = undefined;
          void this.close();
          reject(new PortcullisError('PORTCULLIS_ERR_SANDBOX', `sandbox could not start: ${message.detail}`));
        }
        return;
      case 'memory':
        sandbox.reportedRss = message.rss;
        return;
      case 'result':
      case 'tokens':
      case 'tokenize-failed':
        this.answer(sandbox, message);
        return;
    }
  }

  /** Settles the job a reply names; a reply to a job it was not given, or of the wrong kind, is a crash. */
  private answer(sandbox: Sandbox, message: Extract<WorkerMessage, { jobId: number }>): void {
    const job = sandbox.jobs.get(message.jobId);
    if (!job) {
      this.kill(sandbox, 'crash', 'SCAN_SANDBOX_CRASH', 'the sandbox answered a job it was not given');
      return;
    }
    const { pending } = job;
    if (pending.task === 'scan' && message.kind === 'result') {
      this.endJob(sandbox, job);
      pending.resolve({ kind: 'ok', findings: message.findings, summary: message.summary });
    } else if (pending.task === 'tokenize' && message.kind === 'tokens') {
      this.endJob(sandbox, job);
      pending.resolve({ kind: 'ok', tokens: message.tokens });
    } else if (pending.task === 'tokenize' && message.kind === 'tokenize-failed') {
      this.endJob(sandbox, job);
      const detail = message.reason === 'unreadable' ? `cannot read the message file (${message.code})` : `parsing or tokenizing failed (${message.code})`;
      pending.resolve(failed(message.reason === 'unreadable' ? 'SCAN_INPUT_UNREADABLE' : 'SCAN_ANALYZER_ERROR', detail));
    } else {
      this.kill(sandbox, 'crash', 'SCAN_SANDBOX_CRASH', `the sandbox answered a ${pending.task} job with ${message.kind}`);
      return;
    }
    this.dispatch();
  }

  private onExit(sandbox: Sandbox, code: number | null, signal: NodeJS.Signals | null): void {
    if (sandbox.dead) return;
    sandbox.dead = true;
    this.sandboxes.delete(sandbox);
    if (this.closed) return;
    const heapAbort = signal === 'SIGABRT' || code === V8_ABORT_EXIT_CODE;
    const how = signal ? `signal ${signal}` : `exit code ${String(code)}`;
    this.failJobs(
      sandbox,
      heapAbort
        ? failed('SCAN_LIMIT_MEMORY', `the sandbox reached its ${this.options.heapMb} MB heap cap (${how})`)
        : failed('SCAN_SANDBOX_CRASH', `the sandbox died during the scan (${how})`),
    );
    if (!sandbox.ready && this.startup) {
      const { reject } = this.startup;
      this.startup = undefined;
      void this.close();
      reject(new PortcullisError('PORTCULLIS_ERR_SANDBOX', `sandbox exited while starting (${how})`));
      return;
    }
    this.options.logger?.warn({ sandboxPid: sandbox.child.pid, code, signal }, 'sandbox exited; replacing it');
    this.replace(heapAbort ? 'memory' : 'crash', sandbox.ready);
  }

  /**
   * Kills a sandbox for a reason; a replacement starts at once. The job that caused it (`culprit`),
   * or every job when no single one did (memory, a crash), fails with `id`; the sandbox's other
   * jobs fail with SCAN_SANDBOX_CRASH.
   */
  private kill(sandbox: Sandbox, reason: RestartReason, id: FailureId, detail: string, culprit?: ActiveJob): void {
    if (sandbox.dead) return;
    sandbox.dead = true;
    this.sandboxes.delete(sandbox);
    this.options.logger?.warn({ sandboxPid: sandbox.child.pid, reason, detail }, 'killing sandbox');
    sandbox.child.kill('SIGKILL');
    if (culprit && sandbox.jobs.has(culprit.jobId)) {
      this.endJob(sandbox, culprit);
      culprit.pending.resolve(failed(id, detail));
      this.failJobs(sandbox, failed('SCAN_SANDBOX_CRASH', `the sandbox was replaced because another job on it failed (${detail})`));
    } else {
      this.failJobs(sandbox, failed(id, detail));
    }
    this.replace(reason, true);
  }

  private replace(reason: RestartReason, immediately: boolean): void {
    if (this.closed) return;
    this.restartCount++;
    sandboxRestarts.inc({ reason });
    if (immediately) {
      this.spawnOne();
    } else {
      setTimeout(() => {
        if (!this.closed) this.spawnOne();
      }, RESPAWN_BACKOFF_MS).unref();
    }
  }

  /** Ends every job of the sandbox (their timers too) and settles each with the failure. */
  private failJobs(sandbox: Sandbox, failure: JobFailure): void {
    for (const job of [...sandbox.jobs.values()]) {
      this.endJob(sandbox, job);
      job.pending.resolve(failure);
    }
  }

  /** Frees the sandbox of one job and stops the job's timer; the caller settles it. */
  private endJob(sandbox: Sandbox, job: ActiveJob): void {
    sandbox.jobs.delete(job.jobId);
    if (sandbox.jobs.size === 0) sandbox.exclusive = false;
    clearTimeout(job.timer);
  }

  /** The ready sandbox with the fewest jobs that can take one more (an exclusive job needs an idle one). */
  private leastLoaded(exclusive: boolean): Sandbox | undefined {
    const capacity = exclusive ? 1 : (this.options.jobsPerSandbox ?? 1);
    let best: Sandbox | undefined;
    for (const sandbox of this.sandboxes) {
      if (!sandbox.ready || sandbox.dead || sandbox.exclusive || sandbox.jobs.size >= capacity) continue;
      if (!best || sandbox.jobs.size < best.jobs.size) best = sandbox;
    }
    return best;
  }

  private dispatch(): void {
    for (;;) {
      const head = this.waiting[0];
      if (head === undefined) return;
      // FIFO: a large message at the head waits for an idle sandbox rather than being overtaken.
      const exclusive = head.pending.task === 'scan' && head.pending.job.envelope.size >= EXCLUSIVE_JOB_BYTES;
      const sandbox = this.leastLoaded(exclusive);
      if (!sandbox) return;
      sandbox.exclusive = exclusive;
      const { pending, timer: queueTimer } = this.waiting.shift() as Waiting;
      clearTimeout(queueTimer);
      const jobId = this.nextJobId++;
      const timer = setTimeout(() => {
        this.kill(sandbox, 'time', 'SCAN_LIMIT_TIME', `the ${pending.task} job took longer than ${this.options.timeoutMs} ms`, job);
      }, this.options.timeoutMs);
      const job: ActiveJob = { jobId, pending, timer };
      sandbox.jobs.set(jobId, job);
      const path = resolve(pending.job.path);
      const offset = pending.job.offset ?? 0;
      const message: JobMessage =
        pending.task === 'scan'
          ? { kind: 'job', jobId, path, offset, envelope: pending.job.envelope }
          : { kind: 'tokenize', jobId, path, offset, ...(pending.job.length !== undefined ? { length: pending.job.length } : {}) };
      sandbox.child.send(message, (err) => {
        if (err) this.kill(sandbox, 'crash', 'SCAN_SANDBOX_CRASH', `the job could not be sent to the sandbox (${err.message})`);
      });
    }
  }

  private checkAll(): void {
    const now = Date.now();
    const maxRss = this.options.maxRssMb * 1024 * 1024;
    for (const sandbox of [...this.sandboxes]) {
      if (sandbox.dead) continue;
      const rss = Math.max(procRss(sandbox.child.pid) ?? 0, sandbox.reportedRss);
      if (rss > maxRss) {
        this.kill(sandbox, 'memory', 'SCAN_LIMIT_MEMORY', `the sandbox used ${Math.round(rss / 1048576)} MB resident memory, over ${this.options.maxRssMb} MB`);
      } else if (!sandbox.ready && now - sandbox.startedAt > STARTUP_TIMEOUT_MS) {
        this.kill(sandbox, 'startup', 'SCAN_SANDBOX_CRASH', 'the sandbox did not start in time');
      } else if (sandbox.ready && sandbox.jobs.size === 0 && now - sandbox.lastHeard > SILENCE_MS) {
        this.kill(sandbox, 'silent', 'SCAN_SANDBOX_CRASH', 'the idle sandbox stopped reporting');
      }
    }
  }
}

function failed(id: FailureId | 'SCAN_OVERLOADED' | 'SCAN_INPUT_UNREADABLE' | 'SCAN_ANALYZER_ERROR', detail: string): JobFailure {
  return { kind: 'failed', finding: finding(id, detail) };
}
