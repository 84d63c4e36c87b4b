/**
 * The scanner: the main-process facade that the SMTP server and `portcullis scan` use. Sends
 * the message file to the sandbox pool, turns the findings into a verdict with policy/decide.ts,
 * and records scan metrics (duration, findings by id). It never reads the message itself.
 * Final actions are counted by the caller (the SMTP layer), which knows what it did.
 *
 * Every verdict is shown to the sender history when there is one (the gateway's seen-senders
 * store, which counts the senders of accepted mail): the verdict is final here, and the only
 * later failure, a spool write error, answers 451 and the client sends the same message again.
 */
import type { Config } from '../config/schema.js';
import type { Envelope } from '../core/envelope.js';
import type { Finding } from '../core/finding.js';
import type { Verdict } from '../core/verdict.js';
import { findingsById, scanDuration } from '../observe/metrics.js';
import { decide } from '../policy/decide.js';
import type { SandboxPool, ScanJob } from './sandbox/sandbox-pool.js';
import { EMPTY_SUMMARY, type MessageSummaryPart } from './summarize-message.js';

export interface ScanOutcome {
  readonly verdict: Verdict;
  /** What tracking records from the message itself (empty when the scan failed). */
  readonly summary: MessageSummaryPart;
  /** Wall time of the scan in milliseconds, queueing included. */
  readonly ms: number;
}

/** What learns from verdicts which senders are real correspondents (store/seen-senders.ts). */
export interface SenderHistory {
  observe(envelope: Envelope, verdict: Verdict): void;
}

export class Scanner {
  private readonly pool: SandboxPool;
  private policy: Config['policy'];
  private readonly senders: SenderHistory | undefined;

  /** `senders`: absent for offline scans (`portcullis scan`, eval), which must not teach the gateway's history. */
  constructor(pool: SandboxPool, policy: Config['policy'], senders?: SenderHistory) {
    this.pool = pool;
    this.policy = policy;
    this.senders = senders;
  }

  /** Applies a reloaded policy (SIGHUP) to the scans that start after it. */
  setPolicy(policy: Config['policy']): void {
    this.policy = policy;
  }

  /** `sessionFindings`: what the SMTP session found about the client (smtp/reputation/), decided together with the analyzers' findings. */
  async scan(request: ScanJob & { readonly sessionFindings?: readonly Finding[] }): Promise<ScanOutcome> {
    const started = performance.now();
    const { sessionFindings = [], ...job } = request;
    const result = await this.pool.scan(job);
    const findings = [...sessionFindings, ...(result.kind === 'ok' ? result.findings : [result.finding])];
    const summary = result.kind === 'ok' ? result.summary : EMPTY_SUMMARY;
    const verdict = decide(findings, job.envelope, this.policy);
    this.senders?.observe(job.envelope, verdict);
    const ms = Math.round((performance.now() - started) * 10) / 10;
    scanDuration.observe(ms / 1000);
    for (const f of findings) findingsById.inc({ id: f.id });
    return { verdict, summary, ms };
  }
}
