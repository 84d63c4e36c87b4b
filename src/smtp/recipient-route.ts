/**
 * Which way a recipient goes, decided at RCPT TO from the configuration and the session alone:
 *   - local:    no accepted domain is configured (the embedded defaults): everything goes to the
 *               built-in mailbox as inbound mail;
 *   - inbound:  the recipient's domain is an accepted domain;
 *   - outbound: another domain, and the client is in a trusted network or authenticated;
 *   - denied:   anything else (never an open relay).
 * Whether two recipients share one policy (and so one transaction) is policy/rules.ts's policyKey.
 */
import type { AcceptedDomain, Config } from '../config/schema.js';
import { domainOf } from '../core/address.js';

export type RecipientRoute =
  | { readonly kind: 'local'; readonly direction: 'inbound' }
  | { readonly kind: 'inbound'; readonly direction: 'inbound'; readonly domain: AcceptedDomain }
  | { readonly kind: 'outbound'; readonly direction: 'outbound' }
  | { readonly kind: 'denied' };

export interface RouteInput {
  readonly recipient: string;
  /** The client may relay: trusted network or authenticated user. */
  readonly mayRelay: boolean;
}

export function routeRecipient(config: Pick<Config, 'domains'>, input: RouteInput): RecipientRoute {
  if (config.domains.length === 0) return { kind: 'local', direction: 'inbound' };
  const domainName = domainOf(input.recipient);
  const domain = config.domains.find((d) => d.name === domainName);
  if (domain) return { kind: 'inbound', direction: 'inbound', domain };
  return input.mayRelay ? { kind: 'outbound', direction: 'outbound' } : { kind: 'denied' };
}
