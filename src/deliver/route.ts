/**
 * Routing: where a recipient's copy goes next. A recipient of an accepted domain goes to that
 * domain's downstream server; with no accepted domain configured at all (the out-of-the-box
 * loopback mode) everything goes to the built-in local mailbox; anything else leaves through the
 * configured smarthost, else by MX lookup of the recipient's domain.
 *
 * Trust: the recipient is an envelope address the SMTP layer accepted (relay checks already
 * passed); only its domain is used, lower-cased. Contract: a pure function of the address and
 * the current configuration, so a reloaded configuration applies to the next attempt. `key`
 * names the next hop for the per-destination concurrency limit and for display.
 */
import type { Config, NextHop } from '../config/schema.js';
import { domainOf } from '../core/address.js';

export type Route =
  | { readonly kind: 'mailbox'; readonly key: string }
  | { readonly kind: 'relay'; readonly key: string; readonly hop: NextHop; readonly via: 'downstream' | 'smarthost' }
  | { readonly kind: 'mx'; readonly key: string; readonly domain: string }
  | { readonly kind: 'unroutable'; readonly key: string; readonly reason: string };

export function route(recipient: string, config: Config): Route {
  if (config.domains.length === 0) return { kind: 'mailbox', key: 'mailbox' };
  const domain = domainOf(recipient).replace(/^\[|\]$/g, '');
  if (domain === '') return { kind: 'unroutable', key: 'unroutable', reason: 'the address has no domain' };
  const accepted = config.domains.find((d) => d.name === domain);
  if (accepted) return { kind: 'relay', key: hopKey(accepted.downstream), hop: accepted.downstream, via: 'downstream' };
  const smarthost = config.delivery.smarthost;
  if (smarthost) return { kind: 'relay', key: hopKey(smarthost), hop: smarthost, via: 'smarthost' };
  return { kind: 'mx', key: `mx:${domain}`, domain };
}

function hopKey(hop: NextHop): string {
  return `smtp:${hop.host}:${hop.port}`;
}
