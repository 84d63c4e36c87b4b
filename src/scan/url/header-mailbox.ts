/**
 * The first mailbox of an address header (From, Reply-To, Sender) as the phishing checks read it:
 * display name (encoded words decoded), address, domain and registrable domain.
 *
 * Trusts nothing: header values are attacker text; a header that does not parse as a mailbox
 * list gives undefined (header-sanity.ts reports malformed From headers). Never throws.
 */
import type { HeaderMap } from '../../core/parsed-message.js';
import { domainOf } from '../../core/address.js';
import { decodeEncodedWords } from '../../mime/encoded-word.js';
import { firstHeader } from '../../mime/header-section.js';
import { parseMailboxList } from '../../mime/mailbox-list.js';
import { registrableParts } from './parse-url.js';

export interface HeaderMailbox {
  /** Display name, decoded, whitespace collapsed; '' when none. */
  readonly name: string;
  /** Lower-cased address. */
  readonly address: string;
  readonly domain: string;
  /** Registrable domain of `domain`, or `domain` itself when it has no known public suffix. */
  readonly registrableDomain: string;
  /** Registrable label (`paypal` of paypal.co.uk); `domain` when unknown. */
  readonly registrableLabel: string;
}

/** Longest header value read: a display name is short; a long one is noise or an attack. */
const MAX_HEADER_CHARS = 2048;

export function headerMailbox(headers: HeaderMap, name: string): HeaderMailbox | undefined {
  const value = firstHeader(headers, name);
  if (value === undefined) return undefined;
  const first = parseMailboxList(value.slice(0, MAX_HEADER_CHARS))?.[0];
  if (first === undefined) return undefined;
  const address = first.address.toLowerCase();
  const domain = domainOf(address);
  const parts = registrableParts(domain);
  return {
    name: decodeEncodedWords(first.name ?? '').replace(/^"|"$/g, '').replace(/\s+/g, ' ').trim(),
    address,
    domain,
    registrableDomain: parts?.domain ?? domain,
    registrableLabel: parts?.label ?? domain,
  };
}
