/**
 * ParsedMessage: the bounded, typed view of a message that analyzers read. Built in a sandbox
 * process by mime/ within limits; a limit hit is reported as a SCAN_LIMIT_* finding by the parser,
 * never thrown. Header names are lower-cased keys of a Map (never a plain object: a `__proto__:`
 * header must be just another header).
 */

export interface HeaderField {
  /** The name as written in the message. */
  readonly name: string;
  /** The unfolded raw value (decoded as latin1 when not valid UTF-8). */
  readonly value: string;
}

export type HeaderMap = ReadonlyMap<string, readonly HeaderField[]>;

export interface MessagePart {
  readonly headers: HeaderMap;
  /** Lower-cased media type, e.g. `text/plain`; `text/plain` when missing. */
  readonly contentType: string;
  readonly children: readonly MessagePart[];
  /** Decoded size in bytes (0 for multipart containers). */
  readonly decodedSize: number;
}

/** How an attachment was found: attachments hide in many ways, and each way is a fact. */
export type AttachmentOrigin =
  | 'disposition' // Content-Disposition: attachment, or a filename parameter
  | 'content-type-name' // only a name= parameter on Content-Type
  | 'non-text-part' // a leaf part that is not text/plain or text/html, without a name
  | 'rfc822' // a message/rfc822 part (also parsed as a nested message)
  | 'uuencode' // a begin/end uuencoded block inside a text body
  | 'yenc'
  | 'binhex'
  | 'tnef'; // a member of winmail.dat

export interface Attachment {
  readonly declaredName?: string;
  readonly declaredType: string;
  readonly size: number;
  readonly sha256: string;
  readonly origin: AttachmentOrigin;
  /** Position in the MIME tree, e.g. `1.2` (for the admin reading a verdict). */
  readonly partPath: string;
  /**
   * The decoded bytes. Exists only inside sandbox processes: summaries sent to the main process
   * carry names, types and hashes, never content.
   */
  readonly content: Uint8Array;
}

export interface ParsedMessage {
  /** Top-level headers in order of appearance, grouped by lower-cased name. */
  readonly headers: HeaderMap;
  /** Top-level header fields in order, for analyzers that care about order and duplicates. */
  readonly headerList: readonly HeaderField[];
  readonly root: MessagePart;
  readonly textBodies: readonly string[];
  readonly htmlBodies: readonly string[];
  readonly attachments: readonly Attachment[];
  /** Total size of the raw message in bytes. */
  readonly size: number;
}
