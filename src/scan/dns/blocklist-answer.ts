/**
 * What a DNS blocklist answer means, for the lists asked at connect (smtp/reputation/dnsbl.ts)
 * and those asked for URL domains (scan/analyzers/url-blocklist.ts): an A record in 127.0.0.0/8
 * is a listing (its last octets say why); 127.255.255.0/24 is the range lists use for errors
 * ("you are querying through a public resolver", "over the free quota"), not a listing; any
 * other answer (a resolver rewriting NXDOMAIN to an advertising page) is not a listing either.
 *
 * Trusts nothing: the records come from the network and are only compared.
 */

const LOOPBACK_ANSWER = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

/** The first record that is a listing code, or undefined when the answer lists nothing. */
export function blocklistListing(records: readonly unknown[]): string | undefined {
  return records.find((r): r is string => typeof r === 'string' && LOOPBACK_ANSWER.test(r) && !r.startsWith('127.255.255.'));
}
