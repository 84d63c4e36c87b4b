/**
 * Types for the two mailauth 4.13 internals sender-auth/dkim-verify.ts drives directly (mailauth
 * ships types for its public API only): the DKIM verifier without its stream front end, and the
 * header parser that front end uses. mailauth is pinned to an exact version in package.json;
 * test/scan/sender-auth/ checks the results against mailauth's own dkimVerify.
 */
declare module 'mailauth/lib/dkim/dkim-verifier.js' {
  import type { ARCData, DKIMVerifyOptions, DKIMVerifyResult } from 'mailauth';
  /** The parsed header section (opaque here: only passed from parseHeaders to messageHeaders). */
  export interface ParsedHeaders {
    readonly parsed: readonly unknown[];
  }
  export class DkimVerifier {
    constructor(options: DKIMVerifyOptions);
    headers: ParsedHeaders | false;
    readonly headerFrom: DKIMVerifyResult['headerFrom'];
    readonly envelopeFrom: DKIMVerifyResult['envelopeFrom'];
    readonly results: DKIMVerifyResult['results'];
    readonly arc: ARCData;
    /** One entry per body hash a signature (or the ARC chain) needs; empty: the body is not read. */
    readonly bodyHashes: ReadonlyMap<string, unknown>;
    messageHeaders(headers: ParsedHeaders): Promise<void>;
    nextChunk(chunk: Buffer): Promise<void>;
    finalChunk(): Promise<void>;
  }
  const module: { DkimVerifier: typeof DkimVerifier };
  export default module;
}

declare module 'mailauth/lib/tools.js' {
  import type { ParsedHeaders } from 'mailauth/lib/dkim/dkim-verifier.js';
  const tools: { parseHeaders(header: Buffer): ParsedHeaders };
  export default tools;
}
