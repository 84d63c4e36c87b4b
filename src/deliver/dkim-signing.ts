/**
 * DKIM signing of outbound mail (RFC 6376; ed25519 per RFC 8463), over the final outgoing form:
 * the message as outgoing-message.ts builds it (the gateway's prepended headers and the spooled
 * bytes) is read once to compute the signature, and the DKIM-Signature header is then prepended
 * to that same form. Signing happens at each delivery attempt, so a key rotation applies to
 * mail already queued.
 *
 * Which mail: messages whose envelope direction is outbound, signed for the domain of the
 * envelope sender when that domain has an active key (service/dkim-service.ts). The null sender
 * (DSNs) and domains without a key go unsigned.
 *
 * Trust: outbound mail comes from authenticated users or trusted networks, yet its bytes are
 * still only hashed here, never interpreted beyond the header canonicalisation mailauth does
 * (in this process: the signature must cover the exact bytes delivered). The private key comes
 * from the keyring and is never logged. A signing failure throws: the delivery attempt is
 * deferred and retried rather than sending mail unsigned that the domain's DMARC would refuse.
 */
import { dkimSign } from 'mailauth/lib/dkim/sign.js';
import { domainOf } from '../core/address.js';
import { PortcullisError } from '../core/errors.js';
import type { SpoolRecord, SpoolStore } from '../spool/spool-store.js';
import { outgoingMessage, type OutgoingMessage } from './outgoing-message.js';

export interface DkimSigningKey {
  readonly domain: string;
  readonly selector: string;
  readonly algorithm: 'rsa' | 'ed25519';
  /** PKCS#8 PEM. */
  readonly privateKey: string;
}

/** Port: the key that signs a domain's mail now, if any (service/dkim-service.ts implements it). */
export interface DkimKeyring {
  activeKey(domain: string): Promise<DkimSigningKey | undefined>;
}

/** The DKIM-Signature header (ending in CRLF) over `message`, made with `key`. */
export async function dkimSignature(message: OutgoingMessage, key: DkimSigningKey, signTime?: Date): Promise<string> {
  const signature = {
    signingDomain: key.domain,
    selector: key.selector,
    privateKey: key.privateKey,
    algorithm: key.algorithm === 'rsa' ? 'rsa-sha256' : 'ed25519-sha256',
    canonicalization: 'relaxed/relaxed',
  };
  // mailauth 4.13's signer reads the keys from `signatureData` only (its index.d.ts asks for them
  // at the top level, where the signer ignores them, so they are given in both places).
  const result = await dkimSign(message.open(), { ...signature, signatureData: [signature], ...(signTime ? { signTime } : {}) });
  const errors = result.errors ?? [];
  if (errors.length > 0 || !result.signatures.startsWith('DKIM-Signature:')) {
    throw new PortcullisError('PORTCULLIS_ERR_DELIVERY', `DKIM signing for ${key.domain} (selector ${key.selector}) failed`);
  }
  return result.signatures;
}

/** The outgoing form of a spooled message, DKIM-signed when it is outbound and its sender's domain has an active key. */
export async function signedOutgoingMessage(spool: Pick<SpoolStore, 'openBody'>, record: SpoolRecord, keyring: DkimKeyring | undefined): Promise<OutgoingMessage> {
  const unsigned = outgoingMessage(spool, record);
  if (!keyring || record.envelope.direction !== 'outbound' || record.envelope.mailFrom === '') return unsigned;
  const key = await keyring.activeKey(domainOf(record.envelope.mailFrom));
  if (!key) return unsigned;
  return outgoingMessage(spool, record, await dkimSignature(unsigned, key));
}
