/**
 * DKIM verification with mailauth's own verifier (DkimVerifier), driven directly instead of
 * through mailauth's dkimVerify stream front end, with exactly the results dkimVerify gives.
 *
 * Why: dkimVerify pushes the message through a Writable (MessageParser) that finds the end of the
 * header section one byte at a time (an array push and slice per byte), turns each bare LF into
 * CRLF one line at a time (a Buffer.concat per line, each line a separate chunk), and yields to
 * the event loop between 64 KB chunks. That was the largest single cost of a scan (0.15-0.3 ms
 * of CPU a message over spamassassin); this does the same work in about a quarter of the time:
 *
 * - line ends are converted in one pass with the parser's own rule, quirk included: a LF becomes
 *   CRLF unless the last byte before it that is not a LF is a CR (so `\r\n\n` keeps its second
 *   LF bare, as mailauth's ensureLinebreaks does);
 * - the header section ends where the parser ends it: after the first LF that follows `\n` or
 *   `\n\r` (the same place in the bytes as received and converted); it is parsed with
 *   mailauth's parseHeaders, which reads CRLF and LF alike, and handed to messageHeaders, as the
 *   parser does; line ends are converted only when a body is hashed;
 * - the body goes to nextChunk in the pieces the front end would give it (the converted message
 *   cut every 64 KB from its first byte: mailauth's body hashers count `l=` lengths per chunk),
 *   and only when a signature or the ARC chain needs a body hash (bodyHashes is otherwise empty
 *   and nextChunk would do nothing);
 * - a message without a blank line is all header, parsed after finalChunk as the parser's
 *   finish() does.
 *
 * Trusts mailauth to verify; the input is the raw message, never trusted. mailauth is pinned
 * (package.json) and test/scan/sender-auth/dkim-verify.test.ts compares the results with
 * dkimVerify's, so an upgrade that changes the internals fails a test instead of a verdict.
 */
import type { DKIMVerifyOptions, DKIMVerifyResult, ARCData } from 'mailauth';
import dkimVerifierModule from 'mailauth/lib/dkim/dkim-verifier.js';
import mailauthTools from 'mailauth/lib/tools.js';

const LF = 0x0a;
const CR = 0x0d;
/** The chunk size of mailauth's writeToStream, which dkimVerify feeds its parser with. */
const FRONT_END_CHUNK = 64 * 1024;

/** Bare LFs (by mailauth's rule) that become CRLF. */
function countConversions(raw: Buffer): number {
  let count = 0;
  let convertRun = false;
  for (let i = raw.indexOf(LF); i !== -1; i = raw.indexOf(LF, i + 1)) {
    // A LF right after a LF shares its predecessor's fate: the parser remembers the last byte
    // that was not a LF.
    if (i === 0 || raw[i - 1] !== LF) convertRun = i === 0 || raw[i - 1] !== CR;
    if (convertRun) count++;
  }
  return count;
}

/** `raw` with mailauth's line-end conversion applied (`raw` itself when there is none to apply). */
export function toMailauthLineEnds(raw: Buffer): Buffer {
  const conversions = countConversions(raw);
  if (conversions === 0) return raw;
  const out = Buffer.allocUnsafe(raw.length + conversions);
  let written = 0;
  let from = 0;
  let convertRun = false;
  for (let i = raw.indexOf(LF); i !== -1; i = raw.indexOf(LF, i + 1)) {
    if (i === 0 || raw[i - 1] !== LF) convertRun = i === 0 || raw[i - 1] !== CR;
    if (!convertRun) continue;
    written += raw.copy(out, written, from, i);
    out[written++] = CR;
    from = i;
  }
  written += raw.copy(out, written, from);
  return out.subarray(0, written);
}

/** Where mailauth's parser ends the header section (the blank line included); -1: none. */
export function headerSectionEnd(converted: Buffer): number {
  for (let i = converted.indexOf(LF); i !== -1; i = converted.indexOf(LF, i + 1)) {
    if (converted[i + 1] === LF) return i + 2;
    if (converted[i + 1] === CR && converted[i + 2] === LF) return i + 3;
  }
  return -1;
}

/** What dkimVerify(raw, options) returns: headerFrom, envelopeFrom, results, and the ARC data for arc(). */
export interface DkimVerification {
  readonly headerFrom: DKIMVerifyResult['headerFrom'];
  readonly envelopeFrom: DKIMVerifyResult['envelopeFrom'];
  readonly results: DKIMVerifyResult['results'];
  readonly arc: ARCData;
}

export async function verifyDkim(raw: Buffer, options: DKIMVerifyOptions): Promise<DkimVerification> {
  const verifier = new dkimVerifierModule.DkimVerifier(options);
  // parseHeaders splits lines at CRLF or LF and joins folded lines with CRLF, so the header
  // section needs no conversion; only a body that is hashed does.
  const end = headerSectionEnd(raw);
  if (end === -1) {
    await verifier.finalChunk();
    if (raw.length > 0) {
      verifier.headers = mailauthTools.parseHeaders(raw);
      await verifier.messageHeaders(verifier.headers);
    }
  } else {
    verifier.headers = mailauthTools.parseHeaders(raw.subarray(0, end));
    await verifier.messageHeaders(verifier.headers);
    if (verifier.bodyHashes.size > 0) {
      const message = toMailauthLineEnds(raw);
      for (let from = headerSectionEnd(message); from < message.length; ) {
        const to = Math.min(message.length, (Math.floor(from / FRONT_END_CHUNK) + 1) * FRONT_END_CHUNK);
        await verifier.nextChunk(message.subarray(from, to));
        from = to;
      }
    }
    await verifier.finalChunk();
  }
  return { headerFrom: verifier.headerFrom, envelopeFrom: verifier.envelopeFrom, results: verifier.results, arc: verifier.arc };
}
