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
import type { Resolver } from './dns/resolver.js';
import type { LinkWithText } from './url/read-html-links.js';
import type { PhishingSettings } from './url/phishing-settings.js';
import type { BayesModelSource } from './bayes/model-snapshot.js';
import type { KnownCorrespondentsSource } from './url/known-correspondents.js';

/** The true type of a file, detected from its bytes (scan/analyzers/file-types.ts fills it). */
export interface DetectedType {
  /** Media type, e.g. `application/x-msdownload`; `application/octet-stream` when unknown. */
  readonly mime: string;
  /** Canonical extension, e.g. `exe`. */
  readonly ext: string;
  /** Coarse class that policy acts on. */
  readonly kind: 'executable' | 'script' | 'archive' | 'document' | 'image' | 'text' | 'disk-image' | 'other';
}

/**
 * A file found in the message: every attachment, and every member an analyzer extracts from one
 * (archive members, PDF embedded files, OLE streams worth scanning). Later analyzers (true type,
 * ClamAV, hash blocklist) look at all of them, so a member is checked like a top-level attachment.
 */
export interface ScannedFile {
  /** The declared file name or member path, as the attacker wrote it (never used as a path). */
  readonly name?: string;
  /** Where it came from, outermost first: `['invoice.zip', 'inner.tar']`; empty for attachments. */
  readonly container: readonly string[];
  readonly content: Uint8Array;
  readonly declaredType?: string;
  readonly sha256: string;
  /** Filled by the file-types analyzer. */
  detectedType?: DetectedType;
}

/** What earlier analyzers publish for later ones. The pipeline seeds `files` with the attachments. */
export interface ScanFacts {
  /** URLs from text, HTML (href, src, form actions) and PDF /URI, for the phishing checks. */
  readonly urls: string[];
  /** Attachments first; extracting analyzers append members (bounded by their own limits). */
  readonly files: ScannedFile[];
  /** Links of the HTML bodies with the text each shows (scan/analyzers/urls.ts), for the text/link mismatch check. */
  readonly links: LinkWithText[];
  /** Visible text of each HTML body, capped (scan/analyzers/urls.ts). */
  readonly htmlText: string[];
  /** The Authentication-Results header (CRLF-terminated) sender-auth built, for the SMTP layer to prepend. */
  authenticationResults?: string;
}

/** A virus scanner (clamd); the adapter lives at the edge, tests pass a fake. */
export interface VirusScanner {
  /** Largest file the scanner accepts; the caller reports larger files instead of sending them. */
  readonly maxBytes: number;
  /** `clean`, or the signature name found; rejects when the scanner cannot answer (fail closed). */
  scan(content: Uint8Array, signal: AbortSignal): Promise<{ readonly infected: false } | { readonly infected: true; readonly signature: string }>;
}

/** A URL-domain blocklist (`reputation.uribl[]`), asked by scan/analyzers/url-blocklist.ts. */
export interface UriblZone {
  readonly zone: string;
  /** Weight of URIBL_LISTED for a listing in this zone. */
  readonly score: number;
}

/** The outside-world ports an analyzer may use; absent when not configured. */
export interface ScanPorts {
  readonly virusScanner?: VirusScanner;
  /** Lower-case hex sha256 values of known-bad files. */
  readonly hashBlocklist?: ReadonlySet<string>;
  /** Protected domains, executives and own domains for the phishing checks; absent: built-in brand list only. */
  readonly phishing?: PhishingSettings;
  /** Domains that sent accepted mail often enough to be known (store/seen-senders.ts); absent: none known. */
  readonly knownCorrespondents?: KnownCorrespondentsSource;
  /** The trained Bayes model (scan/bayes/model-snapshot.ts); absent or empty: BAYES_UNTRAINED. */
  readonly bayes?: BayesModelSource;
  /** DNS (scan/dns/): the caching resolver, and the time all of one message's queries may take together. */
  readonly dns?: { readonly resolver: Resolver; readonly budgetMs: number };
  /** The authserv-id of our Authentication-Results headers (smtp.hostname). */
  readonly authservId?: string;
  /** URL-domain blocklists (`reputation.uribl`), asked through `dns`; absent or empty: none. */
  readonly uribl?: readonly UriblZone[];
}

export interface AnalyzerContext {
  readonly message: ParsedMessage;
  /** The raw message bytes as received (no prepended headers). */
  readonly raw: Buffer;
  readonly envelope: Envelope;
  readonly signal: AbortSignal;
  readonly facts: ScanFacts;
  readonly ports: ScanPorts;
}

export interface Analyzer {
  /** kebab-case, the file name of the analyzer: `header-sanity`. */
  readonly name: string;
  readonly directions: readonly Direction[];
  /** Names of analyzers that must run first (they publish facts this one reads). */
  readonly dependsOn: readonly string[];
  analyze(ctx: AnalyzerContext): Promise<readonly Finding[]>;
}
