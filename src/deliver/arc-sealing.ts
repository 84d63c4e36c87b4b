/**
 * ARC sealing (RFC 8617) of mail we pass on after verifying it (forwarding, lists): an ARC set of
 * instance i (the next after the chain the message carries) is made of our verification results
 * (ARC-Authentication-Results: the rows of the Authentication-Results header sender-auth built),
 * an ARC-Message-Signature over the message and an ARC-Seal over the chain with the chain
 * validation status `cv` our ARC verification gave. The key is the sealing domain's active DKIM
 * key (service/dkim-service.ts DkimKeyStore): the same selector record in DNS serves both.
 *
 * Trust: the message bytes are only hashed (mailauth canonicalises them). The results header is
 * ours, built from mailauth's rows. The private key is never logged. A sealing failure throws
 * PORTCULLIS_ERR_DELIVERY (a caller defers rather than passing the message on unsealed).
 * Not wired into delivery yet: a caller decides which mail is forwarded mail.
 */
import type { Readable } from 'node:stream';
import { sealMessage, type ARCSealOptions } from 'mailauth';
import { PortcullisError } from '../core/errors.js';
import type { DkimKeyring, DkimSigningKey } from './dkim-signing.js';

/** Chain validation status of the ARC chain as received (mailauth's `arc.status.result`). */
export type ArcChainValidation = 'none' | 'pass' | 'fail';

export interface ArcSealRequest {
  /** The Authentication-Results header of our verification (`Authentication-Results: id;\r\n\trow...`, CRLF-terminated). */
  readonly authenticationResults: string;
  readonly cv: ArcChainValidation;
  readonly signTime?: Date;
}

/** The ARC set (ARC-Seal, ARC-Message-Signature, ARC-Authentication-Results; CRLF-terminated) for `message`, sealed with `key`. */
export async function arcSealHeaders(message: Buffer | Readable, request: ArcSealRequest, key: DkimSigningKey): Promise<string> {
  // ARC-Authentication-Results carries the header's value after `i=N; `.
  const authResults = request.authenticationResults.replace(/^Authentication-Results:[ \t]*/i, '').replace(/\r?\n$/, '');
  // mailauth reads authResults and cv from the seal options; its ARCSealOptions type omits them.
  const seal: ARCSealOptions & { readonly authResults: string; readonly cv: ArcChainValidation } = {
    signingDomain: key.domain,
    selector: key.selector,
    privateKey: key.privateKey,
    algorithm: key.algorithm === 'rsa' ? 'rsa-sha256' : 'ed25519-sha256',
    canonicalization: 'relaxed/relaxed',
    authResults,
    cv: request.cv,
    ...(request.signTime ? { signTime: request.signTime } : {}),
  };
  let headers: Buffer;
  try {
    headers = await sealMessage(message, seal);
  } catch (err) {
    throw new PortcullisError('PORTCULLIS_ERR_DELIVERY', `ARC sealing for ${key.domain} (selector ${key.selector}) failed`, { cause: err });
  }
  const text = headers.toString('utf8');
  if (!text.startsWith('ARC-Seal:')) throw new PortcullisError('PORTCULLIS_ERR_DELIVERY', `ARC sealing for ${key.domain} (selector ${key.selector}) failed`);
  return text;
}

/** The ARC set sealed with the active key of `sealingDomain`, or undefined when that domain has no active key. */
export async function arcSealWithKeyring(message: Buffer | Readable, request: ArcSealRequest, keyring: DkimKeyring, sealingDomain: string): Promise<string | undefined> {
  const key = await keyring.activeKey(sealingDomain);
  return key ? arcSealHeaders(message, request, key) : undefined;
}
