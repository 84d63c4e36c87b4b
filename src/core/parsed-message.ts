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

export interface Attachment {
  readonly declaredName?: string;
  readonly declaredType: string;
  /** Type detected from the bytes, when known (filled by the type detection analyzer). */
  readonly detectedType?: string;
  readonly size: number;
  readonly sha256: string;
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
