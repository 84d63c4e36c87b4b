/**
 * The DNS port analyzers use: `resolver(name, type)`, the shape mailauth takes (and that
 * node:dns/promises `resolve(name, rrtype)` has), so the same function serves SPF, DKIM, DMARC,
 * ARC and the blocklists. Answers are what node:dns returns for the type: TXT as arrays of
 * strings, MX as `{ exchange, priority }`, A/AAAA/PTR/CNAME as strings. A failure rejects with
 * an Error whose `code` is node's (`ENOTFOUND`, `ENODATA`, `ETIMEOUT`, `ESERVFAIL`, ...):
 * mailauth maps NXDOMAIN/NODATA to `none` and the rest to `temperror`.
 *
 * Trusts nothing it returns: records come from the network and are attacker-controlled data.
 */

export type DnsAnswer = readonly unknown[];

/** Looks up `name` for record `type` (`TXT`, `A`, `AAAA`, `MX`, `PTR`, ...). */
export type Resolver = (name: string, type: string) => Promise<DnsAnswer>;

/** Error codes that mean "the name or record does not exist" (cacheable, not a temporary failure). */
export const DNS_NOT_FOUND_CODES: ReadonlySet<string> = new Set(['ENOTFOUND', 'ENODATA']);

/** An Error with a node:dns style `code`, as mailauth expects from a resolver. */
export function dnsError(code: string, name: string, type: string): Error & { code: string } {
  const err = new Error(`DNS ${type} ${name}: ${code}`) as Error & { code: string };
  err.code = code;
  return err;
}

/**
 * A resolver that gives up once `budgetMs` from now has passed: every query races the time
 * left and, after it, fails at once with ETIMEOUT. One message's authentication makes many
 * queries (SPF alone up to ten lookups plus void lookups); bounding them together is what keeps
 * an offline scan or a dead DNS server from costing seconds per message.
 */
export function withDeadline(resolver: Resolver, budgetMs: number): Resolver {
  const deadline = Date.now() + budgetMs;
  return async (name, type) => {
    const left = deadline - Date.now();
    if (left <= 0) throw dnsError('ETIMEOUT', name, type);
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(dnsError('ETIMEOUT', name, type)), left);
    });
    try {
      return await Promise.race([resolver(name, type), expired]);
    } finally {
      clearTimeout(timer);
    }
  };
}
