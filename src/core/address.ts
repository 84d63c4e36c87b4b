/**
 * Envelope address helpers shared by routing at RCPT (smtp/), delivery routing (deliver/) and
 * policy rules: one reading of "the domain of an address" everywhere, so the same recipient can
 * never be an accepted domain at RCPT and something else at delivery.
 */

/** The lower-cased domain of an address (after the last @), without a trailing dot; '' when there is none. */
export function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at === -1 ? '' : address.slice(at + 1).toLowerCase().replace(/\.$/, '');
}
