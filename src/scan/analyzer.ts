/**
 * The analyzer interface. An analyzer reads the parsed message and the envelope and reports
 * findings (facts, not scores). Analyzers run inside sandbox processes only; they receive the
 * ports they need (DNS, virus scanner, token store) through the context, never by importing
 * adapters, so unit tests pass fakes. An analyzer never throws because of content: hostile
 * input is a finding. A thrown error is a bug; the pipeline turns it into SCAN_ANALYZER_ERROR,
 * which policy never treats as clean.
 */
import type { Envelope, Direction } from '../core/envelope.js';
import type { Finding } from '../core/finding.js';
import type { ParsedMessage } from '../core/parsed-message.js';

/** What earlier analyzers publish for later ones (URL list, attachment list, ...). */
export interface ScanFacts {
  urls?: string[];
}

export interface AnalyzerContext {
  readonly message: ParsedMessage;
  /** The raw message bytes as received (no prepended headers). */
  readonly raw: Buffer;
  readonly envelope: Envelope;
  readonly signal: AbortSignal;
  readonly facts: ScanFacts;
}

export interface Analyzer {
  /** kebab-case, the file name of the analyzer: `header-sanity`. */
  readonly name: string;
  readonly directions: readonly Direction[];
  /** Names of analyzers that must run first (they publish facts this one reads). */
  readonly dependsOn: readonly string[];
  analyze(ctx: AnalyzerContext): Promise<readonly Finding[]>;
}
