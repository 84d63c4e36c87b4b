/**
 * Test helper: a Resolver over a fixed zone (`{ 'example.org': { TXT: ['v=spf1 -all'] } }`), so
 * sender-authentication tests run without a network. A name with no record of the type is
 * ENOTFOUND; a name mapped to 'TIMEOUT' fails with ETIMEOUT, as a dead server would.
 */
import { dnsError, type Resolver } from '../../../src/scan/dns/resolver.js';

export type StaticZone = Readonly<Record<string, 'TIMEOUT' | Readonly<Record<string, readonly unknown[]>>>>;

export function staticZoneResolver(zone: StaticZone): Resolver & { readonly queries: string[] } {
  const queries: string[] = [];
  const lower = new Map(Object.entries(zone).map(([name, records]) => [name.toLowerCase(), records]));
  const resolver = async (name: string, type: string): Promise<readonly unknown[]> => {
    queries.push(`${type} ${name}`);
    const records = lower.get(name.toLowerCase().replace(/\.$/, ''));
    if (records === 'TIMEOUT') throw dnsError('ETIMEOUT', name, type);
    const answer = records?.[type];
    if (!answer || answer.length === 0) throw dnsError('ENOTFOUND', name, type);
    // TXT answers are arrays of character-strings, as node:dns gives them.
    return type === 'TXT' ? answer.map((r) => (Array.isArray(r) ? r : [r])) : answer;
  };
  return Object.assign(resolver, { queries });
}
