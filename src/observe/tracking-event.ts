/**
 * Tracking: what happened to each message, kept for search (`portcullis track`) and for a later
 * hunt (DESIGN.md invariant 9). Events are facts with a kind; the message summary holds the
 * fields a hunt needs. Written by observe/tracking.ts; produced by smtp/, deliver/, quarantine/.
 */

export const TRACKING_EVENT_KINDS = [
  'received',
  'scanned',
  'delivered',
  'deferred',
  'bounced',
  'quarantined',
  'rejected',
  'tempfailed',
  'released',
  'deleted',
  'expired',
] as const;
export type TrackingEventKind = (typeof TRACKING_EVENT_KINDS)[number];

export interface TrackingEvent {
  readonly queueId: string;
  readonly kind: TrackingEventKind;
  /** Milliseconds since the epoch; defaults to now. */
  readonly at?: number;
  /** The recipient the event concerns, for per-recipient events (delivered, deferred, ...). */
  readonly recipient?: string;
  /** Short human-readable detail: the remote reply, the rule that decided. */
  readonly detail?: string;
}

/** The hunt fields of one message, recorded once when it is received (or rejected). */
export interface MessageSummary {
  readonly queueId: string;
  readonly receivedAt: number;
  readonly node: string;
  readonly direction: 'inbound' | 'outbound';
  readonly clientAddress: string;
  readonly clientHostname?: string;
  readonly helo: string;
  readonly tls?: string;
  readonly authUser?: string;
  readonly mailFrom: string;
  readonly rcptTo: readonly string[];
  readonly messageId?: string;
  readonly subject?: string;
  readonly fromHeader?: string;
  /** The Authentication-Results header the gateway added (SPF, DKIM, ARC, DMARC results). */
  readonly authenticationResults?: string;
  readonly size: number;
  readonly action: string;
  readonly score: number;
  readonly rule: string;
  /** Finding ids with details, attachment names/types/sha256, URLs: JSON-serialisable. */
  readonly findings: readonly { id: string; score: number; detail: string }[];
  /**
   * Attachments and extracted members (archive, TNEF, embedded files): `type` is the declared
   * type, `detectedType` the true type when known, `container` the chain of files it sat in.
   */
  readonly attachments?: readonly { name?: string; type?: string; detectedType?: string; sha256: string; size: number; container?: readonly string[] }[];
  /** URLs found in the bodies, HTML and documents (scan/analyzers/urls.ts), deduplicated, at most MAX_SUMMARY_URLS. */
  readonly urls?: readonly string[];
}

/** The port through which stages record tracking; implemented by observe/tracking.ts. */
export interface TrackingSink {
  /** Records an event; never throws (a failure is logged), never blocks the caller on I/O. */
  event(event: TrackingEvent): void;
  message(summary: MessageSummary): void;
}
