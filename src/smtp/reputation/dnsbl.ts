/**
 * DNS blocklists (DNSBL) at connect: the client address is looked up in each configured zone
 * (`reputation.dnsbl`) as reversed-address.zone A, the convention of Spamhaus, SpamCop and every
 * other list (RFC 5782): IPv4 octets reversed, IPv6 as 32 reversed nibbles. An answer in
 * 127.0.0.0/8 means listed; NXDOMAIN means not listed. Any other answer (a resolver rewriting
 * NXDOMAIN to an advertising page, a list answering 127.255.255.254 "you are querying through
 * a public resolver", or any 127.255.255.x error code: scan/dns/blocklist-answer.ts) is not a
 * listing; errors and timeouts are not either: a blocklist outage must not refuse mail.
 *
 * Trust: answers come from the network and are only compared. All zones are asked in parallel;
 * the resolver bounds each query (dns.timeoutMs).
 */
import { isIP } from 'node:net';
import { blocklistListing } from '../../scan/dns/blocklist-answer.js';

/** DNS port (the shape of scan/dns/resolver.ts: mailauth's `resolver(name, type)`). */
export type BlocklistResolver = (name: string, type: string) => Promise<readonly unknown[]>;

export interface DnsblZone {
  readonly zone: string;
  /** Score of a listing, carried as the weight of DNSBL_LISTED. */
  readonly score: number;
  /** Refuse the connection (554) instead of scoring the message. */
  readonly reject: boolean;
}

export interface DnsblHit {
  readonly zone: string;
  readonly score: number;
  readonly reject: boolean;
  /** The 127.0.0.x return code, which says why the address is listed. */
  readonly answer: string;
}

/** The address as a DNSBL query prefix, or undefined when it is not an IP address. */
export function reversedAddress(address: string): string | undefined {
  const ip = address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
  const family = isIP(ip);
  if (family === 4) return ip.split('.').reverse().join('.');
  if (family !== 6) return undefined;
  const [head = '', tail = ''] = ip.split('::');
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const h = groups(head);
  const t = groups(tail);
  const full = ip.includes('::') ? [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t] : h;
  return full.map((g) => g.padStart(4, '0')).join('').split('').reverse().join('.');
}

export async function checkDnsbl(address: string, zones: readonly DnsblZone[], resolver: BlocklistResolver): Promise<DnsblHit[]> {
  const prefix = reversedAddress(address);
  if (prefix === undefined || zones.length === 0) return [];
  const answers = await Promise.all(
    zones.map(async (zone) => {
      try {
        const listed = blocklistListing(await resolver(`${prefix}.${zone.zone}`, 'A'));
        return listed === undefined ? undefined : { zone: zone.zone, score: zone.score, reject: zone.reject, answer: listed };
      } catch {
        return undefined;
      }
    }),
  );
  return answers.filter((hit): hit is DnsblHit => hit !== undefined);
}
