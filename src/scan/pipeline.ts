/**
 * The scan pipeline, run inside a sandbox process: parse the raw message (mime/), then run the
 * analyzers for the envelope's direction in registry order, each with the job's AbortSignal and
 * the shared facts record. Returns the findings (parser limits first) and the summary tracking
 * needs.
 *
 * Fail closed (DESIGN.md invariant 3): an analyzer that throws or returns a malformed finding
 * gives SCAN_ANALYZER_ERROR naming the analyzer, never a clean result; a parser bug does the
 * same. When the signal is aborted (the job's time budget is spent), the remaining analyzers are
 * not run and SCAN_LIMIT_TIME says which.
 */
import type { Analyzer, AnalyzerContext, ScanFacts, ScanPorts } from './analyzer.js';
import type { Envelope } from '../core/envelope.js';
import { finding, type Finding } from '../core/finding.js';
import type { ParsedMessage } from '../core/parsed-message.js';
import { parseMessage } from '../mime/parse-message.js';
import { parseReceivedClient } from '../mime/received.js';
import { firstHeader } from '../mime/header-section.js';
import { EMPTY_SUMMARY, summarizeMessage, type MessageSummaryPart } from './summarize-message.js';

export interface PipelineResult {
  readonly findings: readonly Finding[];
  readonly summary: MessageSummaryPart;
}

/** Longest error message kept in a finding's detail: errors may quote content. */
const MAX_ERROR_DETAIL = 200;

function describeError(err: unknown): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return text.length > MAX_ERROR_DETAIL ? `${text.slice(0, MAX_ERROR_DETAIL)}...` : text;
}

export async function runPipeline(
  raw: Buffer,
  envelope: Envelope,
  analyzers: readonly Analyzer[],
  signal: AbortSignal,
  ports: ScanPorts = {},
): Promise<PipelineResult> {
  let parsed;
  try {
    parsed = parseMessage(raw);
  } catch (err) {
    return { findings: [finding('SCAN_ANALYZER_ERROR', `mime parser failed: ${describeError(err)}`)], summary: EMPTY_SUMMARY };
  }
  const findings: Finding[] = [...parsed.findings];
  const ctx: AnalyzerContext = {
    message: parsed.message,
    raw,
    envelope: envelope.clientAddress === '' ? withClientFromReceived(envelope, parsed.message.headers) : envelope,
    signal,
    facts: initialFacts(parsed.message),
    ports,
  };
  const toRun = analyzers.filter((a) => a.directions.includes(envelope.direction));
  for (const [index, analyzer] of toRun.entries()) {
    if (signal.aborted) {
      const skipped = toRun.slice(index).map((a) => a.name).join(', ');
      findings.push(finding('SCAN_LIMIT_TIME', `time budget spent; not run: ${skipped}`));
      break;
    }
    try {
      const reported = await analyzer.analyze(ctx);
      // Re-checking each id keeps a buggy analyzer from inventing ids that escape the score table.
      findings.push(...reported.map((f) => finding(f.id, String(f.detail), f.weight)));
    } catch (err) {
      findings.push(finding('SCAN_ANALYZER_ERROR', `analyzer ${analyzer.name} failed: ${describeError(err)}`));
    }
  }
  return { findings, summary: summarizeMessage(parsed.message, ctx.facts) };
}

/** The facts every scan starts from: each attachment is a file to check, no URLs yet. */
export function initialFacts(message: ParsedMessage): ScanFacts {
  return {
    urls: [],
    links: [],
    htmlText: [],
    files: message.attachments.map((a) => ({
      ...(a.declaredName !== undefined ? { name: a.declaredName } : {}),
      container: [],
      content: a.content,
      declaredType: a.declaredType,
      sha256: a.sha256,
    })),
  };
}

/**
 * Offline scans have no SMTP session: the client is the one the topmost Received header names,
 * the header the receiving side of the last hop wrote.
 */
function withClientFromReceived(envelope: Envelope, headers: Parameters<typeof firstHeader>[0]): Envelope {
  const received = firstHeader(headers, 'received');
  const client = received === undefined ? undefined : parseReceivedClient(received);
  if (!client) return envelope;
  return {
    ...envelope,
    clientAddress: client.address,
    helo: envelope.helo || client.helo,
    ...(client.hostname !== undefined && envelope.clientHostname === undefined ? { clientHostname: client.hostname } : {}),
  };
}
