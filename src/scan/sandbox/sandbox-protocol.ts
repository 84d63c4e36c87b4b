/**
 * The messages between the main process and a sandbox process (over Node's IPC channel, JSON
 * serialised), and the checks the main process applies to what a sandbox sends back. A sandbox
 * has parsed attacker bytes, so its replies are validated like any input: a malformed reply is
 * treated as a crash, and finding ids are checked again by finding().
 *
 * Two kinds of job: `scan` (the pipeline: findings and the summary) and `tokenize` (the Bayes
 * tokens of the message, for learning from mail a person released or reported; the tokens are
 * bounded in number by the tokenizer's MAX_TOKENS_PER_MESSAGE and in length by MAX_TOKEN_CHARS).
 */
import type { Envelope } from '../../core/envelope.js';
import { finding, type Finding } from '../../core/finding.js';
import { MAX_SUMMARY_URL_CHARS, MAX_SUMMARY_URLS, type MessageSummaryPart } from '../summarize-message.js';
import type { ClamavConfig } from '../../config/schema.js';
import type { PhishingSettings } from '../url/phishing-settings.js';
import type { UriblZone } from '../analyzer.js';
import { MAX_TOKENS_PER_MESSAGE } from '../bayes/tokenize-message.js';

/** What the worker needs to build its ScanPorts (scan/analyzer.ts); an absent key is not configured. */
export interface SandboxPortSettings {
  /** clamd, for the clamav analyzer's VirusScanner. */
  readonly clamav?: ClamavConfig;
  /** Absolute path of the sha256 blocklist file, read once when the worker starts. */
  readonly hashBlocklist?: string;
  /** Own domains, protected brands and executives for the phishing checks (scan/url/phishing-settings.ts). */
  readonly phishing?: PhishingSettings;
  /** DNS for sender authentication (`dns.servers`, `dns.timeoutMs`); absent: no DNS checks. */
  readonly dns?: { readonly servers: readonly string[]; readonly timeoutMs: number };
  /** The authserv-id of the Authentication-Results header (smtp.hostname). */
  readonly authservId?: string;
  /** URL-domain blocklists (`reputation.uribl`), asked through `dns`. */
  readonly uribl?: readonly UriblZone[];
  /** Absolute path of the Bayes model snapshot (scan/bayes/model-snapshot.ts), re-read when it changes; may not exist yet. */
  readonly bayesModel?: string;
  /** Absolute path of the known-correspondents snapshot (scan/url/known-correspondents.ts), re-read when it changes; may not exist yet. */
  readonly knownCorrespondents?: string;
}

/** The worker's fixed options, passed as one JSON argument at spawn time. */
export interface WorkerOptions {
  /** Absolute paths of extra analyzer modules (programmatic API and tests only, never config). */
  readonly analyzerModules: readonly string[];
  readonly disabledAnalyzers: readonly string[];
  /** The job's time budget: analyzers get an AbortSignal that fires a little before it. */
  readonly timeoutMs: number;
  /** How often the worker reports its memory use. */
  readonly heartbeatMs: number;
  /** Jobs the pool may give this process at once (1 when absent): each waits on its own I/O. */
  readonly jobsPerSandbox?: number;
  readonly ports?: SandboxPortSettings;
}

export interface ScanJobMessage {
  readonly kind: 'job';
  readonly jobId: number;
  readonly path: string;
  /** Bytes to skip at the start of the file (an mbox `From ` line). */
  readonly offset: number;
  readonly envelope: Envelope;
}

export interface TokenizeJobMessage {
  readonly kind: 'tokenize';
  readonly jobId: number;
  readonly path: string;
  /** Bytes to skip at the start of the file (an mbox `From ` line). */
  readonly offset: number;
  /** Bytes to read after the offset (a spool file's body); to the end of the file when absent. */
  readonly length?: number;
}

export type JobMessage = ScanJobMessage | TokenizeJobMessage;

/**
 * Longest Bayes token a sandbox may hand back. The tokenizer bounds words, but an address or a
 * host name in a token is as long as the sender made it; the worker leaves such tokens out (a
 * token that long is unique to its message and teaches the model nothing).
 */
export const MAX_TOKEN_CHARS = 512;

/** Why a tokenize job gave no tokens: the file could not be read, or parsing it failed. */
export type TokenizeFailure = 'unreadable' | 'error';

export type WorkerMessage =
  | { readonly kind: 'ready' }
  | { readonly kind: 'fatal'; readonly detail: string }
  | { readonly kind: 'memory'; readonly rss: number; readonly heapUsed: number }
  | { readonly kind: 'result'; readonly jobId: number; readonly findings: readonly Finding[]; readonly summary: MessageSummaryPart }
  | { readonly kind: 'tokens'; readonly jobId: number; readonly tokens: readonly string[] }
  /** `code`: the errno code (ENOENT, ERR_ACCESS_DENIED) or the error's name; never its message, which may quote content. */
  | { readonly kind: 'tokenize-failed'; readonly jobId: number; readonly reason: TokenizeFailure; readonly code: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const optionalString = (v: unknown): boolean => v === undefined || typeof v === 'string';

/** Longest Authentication-Results header a sandbox may hand back. */
const MAX_AUTH_RESULTS_CHARS = 8192;

/**
 * The Authentication-Results header is prepended to the delivered message, so a sandbox must
 * not smuggle anything else with it: one `Authentication-Results:` field, CRLF line ends only,
 * every continuation line folded (starts with a space or tab), bounded.
 */
function isHeaderField(v: unknown): boolean {
  if (v === undefined) return true;
  if (typeof v !== 'string' || v.length > MAX_AUTH_RESULTS_CHARS || !v.startsWith('Authentication-Results: ') || !v.endsWith('\r\n')) return false;
  const lines = v.slice(0, -2).split('\r\n');
  // eslint-disable-next-line no-control-regex -- rejecting control characters is the point
  return lines.every((line, i) => !/[\u0000-\u0008\u000a-\u001f\u007f]/.test(line) && (i === 0 || /^[ \t]/.test(line)));
}

function readSummary(value: unknown): MessageSummaryPart | undefined {
  if (!isRecord(value) || !Array.isArray(value.attachments)) return undefined;
  if (!optionalString(value.messageId) || !optionalString(value.subject) || !optionalString(value.fromHeader)) return undefined;
  if (!optionalString(value.authenticationResults) || !isHeaderField(value.authenticationResults)) return undefined;
  const urls = value.urls;
  if (urls !== undefined && !(Array.isArray(urls) && urls.length <= MAX_SUMMARY_URLS && urls.every((u) => typeof u === 'string' && u.length <= MAX_SUMMARY_URL_CHARS))) return undefined;
  const attachments: NonNullable<MessageSummaryPart['attachments']>[number][] = [];
  for (const a of value.attachments as unknown[]) {
    if (!isRecord(a) || typeof a.sha256 !== 'string' || typeof a.size !== 'number' || !optionalString(a.name) || !optionalString(a.type)) {
      return undefined;
    }
    if (!optionalString(a.detectedType) || (a.container !== undefined && !(Array.isArray(a.container) && a.container.every((c) => typeof c === 'string')))) {
      return undefined;
    }
    attachments.push({
      ...(a.name !== undefined ? { name: a.name as string } : {}),
      ...(a.type !== undefined ? { type: a.type as string } : {}),
      ...(a.detectedType !== undefined ? { detectedType: a.detectedType as string } : {}),
      sha256: a.sha256,
      size: a.size,
      ...(a.container !== undefined ? { container: a.container as string[] } : {}),
    });
  }
  return {
    ...(value.messageId !== undefined ? { messageId: value.messageId as string } : {}),
    ...(value.subject !== undefined ? { subject: value.subject as string } : {}),
    ...(value.fromHeader !== undefined ? { fromHeader: value.fromHeader as string } : {}),
    ...(value.authenticationResults !== undefined ? { authenticationResults: value.authenticationResults as string } : {}),
    attachments,
    ...(urls !== undefined ? { urls: urls as string[] } : {}),
  };
}

function readFindings(value: unknown): Finding[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const out: Finding[] = [];
  for (const f of value as unknown[]) {
    if (!isRecord(f) || typeof f.id !== 'string' || typeof f.detail !== 'string') return undefined;
    if (f.weight !== undefined && typeof f.weight !== 'number') return undefined;
    try {
      out.push(finding(f.id, f.detail, f.weight as number | undefined));
    } catch {
      return undefined;
    }
  }
  return out;
}

function readTokens(value: unknown): string[] | undefined {
  if (!Array.isArray(value) || value.length > MAX_TOKENS_PER_MESSAGE) return undefined;
  return value.every((t) => typeof t === 'string' && t.length > 0 && t.length <= MAX_TOKEN_CHARS) ? (value as string[]) : undefined;
}

const FAILURE_CODE = /^[A-Za-z0-9_]{1,64}$/;

/** Validates a message from a sandbox; undefined means the sandbox misbehaved. */
export function readWorkerMessage(value: unknown): WorkerMessage | undefined {
  if (!isRecord(value)) return undefined;
  switch (value.kind) {
    case 'ready':
      return { kind: 'ready' };
    case 'fatal':
      return typeof value.detail === 'string' ? { kind: 'fatal', detail: value.detail } : undefined;
    case 'memory':
      return typeof value.rss === 'number' && typeof value.heapUsed === 'number'
        ? { kind: 'memory', rss: value.rss, heapUsed: value.heapUsed }
        : undefined;
    case 'result': {
      if (typeof value.jobId !== 'number') return undefined;
      const findings = readFindings(value.findings);
      const summary = readSummary(value.summary);
      return findings && summary ? { kind: 'result', jobId: value.jobId, findings, summary } : undefined;
    }
    case 'tokens': {
      const tokens = readTokens(value.tokens);
      return typeof value.jobId === 'number' && tokens ? { kind: 'tokens', jobId: value.jobId, tokens } : undefined;
    }
    case 'tokenize-failed':
      return typeof value.jobId === 'number' && (value.reason === 'unreadable' || value.reason === 'error') && typeof value.code === 'string' && FAILURE_CODE.test(value.code)
        ? { kind: 'tokenize-failed', jobId: value.jobId, reason: value.reason, code: value.code }
        : undefined;
    default:
      return undefined;
  }
}
