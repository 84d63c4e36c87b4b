/**
 * The envelope: what the SMTP session established about one message, as opposed to what the
 * message claims about itself. Built by smtp/ from the session, persisted by spool/ beside the
 * message bytes, read by every later stage. Nothing in it comes from the message body.
 */

export type Direction = 'inbound' | 'outbound';

/** TLS details of the session that delivered the message (absent when it was plain text). */
export interface TlsDetails {
  readonly protocol: string;
  readonly cipher: string;
}

export interface Envelope {
  /** Queue id: a ULID with this node's suffix, unique across nodes and time-ordered. */
  readonly queueId: string;
  readonly clientAddress: string;
  readonly clientPort: number;
  /** Reverse DNS of the client, when it was looked up. */
  readonly clientHostname?: string;
  readonly helo: string;
  readonly tls?: TlsDetails;
  /** The user authenticated on a submission listener (SMTP AUTH). */
  readonly authUser?: string;
  /** MAIL FROM; the empty string is the null sender `<>`. */
  readonly mailFrom: string;
  readonly rcptTo: readonly string[];
  readonly direction: Direction;
  /** Milliseconds since the epoch when the DATA phase ended. */
  readonly receivedAt: number;
  /** Size of the message bytes as received (before any header was prepended). */
  readonly size: number;
}
