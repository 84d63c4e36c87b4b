/**
 * Named limits that are not configuration: the hard ceilings code relies on. Configurable limits
 * (message size, recipients, sandbox memory) live in config/schema.ts with these as their caps.
 * A limit is never "off": 0, NaN or a negative number is rejected where a limit is read.
 */

/** Longest header section the sandbox parser reads before it reports SCAN_LIMIT_HEADER_BYTES. */
export const MAX_HEADER_BYTES = 256 * 1024;
/** Most header fields one message may have before SCAN_LIMIT_HEADER_COUNT. */
export const MAX_HEADER_COUNT = 2000;
/** Deepest nesting of multipart parts the parser follows before SCAN_LIMIT_MIME_DEPTH. */
export const MAX_MIME_DEPTH = 20;
/** Most MIME parts one message may have before SCAN_LIMIT_MIME_PARTS. */
export const MAX_MIME_PARTS = 500;
/**
 * Most bytes one MIME part may decode to before SCAN_LIMIT_DECODED_BYTES (a 25 MB attachment
 * fits; base64 never grows, but BinHex run-length expansion multiplies its input by up to 85).
 */
export const MAX_DECODED_PART_BYTES = 40 * 1024 * 1024;
/**
 * Most bytes the whole message may decode to, all parts, readings, nested messages and embedded
 * files (uuencode, yEnc, BinHex, TNEF) together, before SCAN_LIMIT_DECODED_BYTES.
 */
export const MAX_DECODED_MESSAGE_BYTES = 96 * 1024 * 1024;
/** Time the MIME parser may spend on one message, checked between parts, before SCAN_LIMIT_PARSE_TIME. */
export const MAX_PARSE_MS = 5000;
/** The largest message the gateway will ever accept, whatever the config says (SIZE). */
export const MAX_MESSAGE_BYTES_CEILING = 200 * 1024 * 1024;
/** Longest SMTP command line (RFC 5321 says 512; extensions make it longer). */
export const MAX_SMTP_LINE_BYTES = 4096;

/** Checks that a limit is a positive finite number; a falsy value must never switch a limit off. */
export function requireLimit(name: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new RangeError(`limit ${name} must be a positive finite number, got ${String(value)}`);
  }
  return value;
}
