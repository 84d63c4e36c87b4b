/**
 * The clamav analyzer: sends every file in `ctx.facts.files` (attachments, then the archive
 * members and embedded files earlier analyzers appended) to the virus scanner port, then the
 * whole raw message, so clamd's own MIME and archive parsers get a second reading of anything
 * Portcullis's decoders read differently (DESIGN.md: every plausible reading is scanned).
 * Files with the same sha256 are sent once.
 *
 * Findings: CLAMAV_INFECTED (signature and where: decisive reject), CLAMAV_SKIPPED_SIZE (a file
 * over the scanner's maxBytes, not sent: decisive quarantine, never clean), CLAMAV_UNAVAILABLE
 * (clamd configured but unreachable, timed out, aborted or errored: decisive tempfail, DESIGN.md
 * invariant 3; the remaining files are not tried). Without a configured scanner (no port) it
 * reports nothing.
 *
 * Trusts: the port. Never throws because of content: the port's rejections become findings.
 */
import type { Analyzer, ScannedFile, VirusScanner } from '../analyzer.js';
import { finding, type Finding } from '../../core/finding.js';
import { describeFile } from '../describe-file.js';

/** Longest scanner error kept in a finding's detail. */
const MAX_ERROR_DETAIL = 300;

function errorText(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.length > MAX_ERROR_DETAIL ? `${text.slice(0, MAX_ERROR_DETAIL)}...` : text;
}

interface Target {
  readonly what: string;
  readonly content: Uint8Array;
}

const WHOLE_MESSAGE = 'the whole message (read by clamd\'s own MIME parser)';

function fileTargets(files: readonly ScannedFile[]): Target[] {
  const seen = new Set<string>();
  const out: Target[] = [];
  for (const file of files) {
    if (seen.has(file.sha256)) continue;
    seen.add(file.sha256);
    out.push({ what: describeFile(file), content: file.content });
  }
  return out;
}

async function scanAll(scanner: VirusScanner, list: readonly Target[], signal: AbortSignal): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const target of list) {
    if (target.content.length > scanner.maxBytes) {
      findings.push(finding('CLAMAV_SKIPPED_SIZE', `${target.what}: ${target.content.length} bytes, over the ${scanner.maxBytes}-byte limit; not scanned`));
      continue;
    }
    let result;
    try {
      result = await scanner.scan(target.content, signal);
    } catch (err) {
      findings.push(finding('CLAMAV_UNAVAILABLE', `${target.what}: ${errorText(err)}`));
      return findings;
    }
    if (result.infected) findings.push(finding('CLAMAV_INFECTED', `${result.signature} in ${target.what}`));
  }
  return findings;
}

export const clamav: Analyzer = {
  name: 'clamav',
  directions: ['inbound', 'outbound'],
  // file-types runs after the extracting analyzers, so every member is in ctx.facts.files by then.
  dependsOn: ['file-types'],
  async analyze(ctx) {
    const scanner = ctx.ports.virusScanner;
    if (!scanner) return [];
    const findings = await scanAll(scanner, fileTargets(ctx.facts.files), ctx.signal);
    // The whole-message pass is a second reading: pointless once the verdict is decided, and a
    // message over maxBytes had each of its files checked (or reported) above already.
    if (findings.some((f) => f.id === 'CLAMAV_INFECTED' || f.id === 'CLAMAV_UNAVAILABLE') || ctx.raw.length > scanner.maxBytes) {
      return findings;
    }
    return [...findings, ...(await scanAll(scanner, [{ what: WHOLE_MESSAGE, content: ctx.raw }], ctx.signal))];
  },
};
