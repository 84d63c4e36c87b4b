/**
 * The DNS adapter: a `Resolver` (dns/resolver.ts) over node:dns/promises, pointed at the
 * configured servers (`dns.servers`: `host` or `host:port`, `[v6]:port`; empty means the
 * system's), asking each query once (`tries: 1`) with the configured timeout, in front of a
 * small LRU cache with fixed lifetimes. It runs in sandbox processes (the network is not
 * restricted there), one per process.
 *
 * Why failures are cached too: a message's authentication asks a handful of names, and a
 * folder of mail from one sender asks the same ones again. When DNS is unreachable (offline
 * `portcullis scan`, a dead server) each would wait for its timeout; remembering the failure
 * for TEMPORARY_FAILURE_TTL_MS makes the next message fail at once, so scanning stays fast and
 * the result is a temperror, which carries no score. Identical queries in flight share one
 * lookup. node:dns does not report TTLs for TXT or MX, so lifetimes are fixed and short.
 */
import { Resolver as NodeResolver } from 'node:dns/promises';
import { PortcullisError } from '../../core/errors.js';
import { DNS_NOT_FOUND_CODES, dnsError, type DnsAnswer, type Resolver } from './resolver.js';

/** How long an answer is reused. */
export const ANSWER_TTL_MS = 300_000;
/** How long "no such name / no such record" is reused. */
export const NOT_FOUND_TTL_MS = 60_000;
/** How long a timeout or server failure is reused before the server is asked again. */
export const TEMPORARY_FAILURE_TTL_MS = 5_000;
/** Most cached queries per process; the least recently used goes first. */
export const MAX_CACHED_QUERIES = 10_000;
/**
 * Consecutive temporary failures (timeouts, refused, server failures) after which DNS is taken
 * to be down: for DNS_DOWN_MS, queries of names not in the cache fail at once instead of each
 * waiting for its own timeout (offline scans of many senders). One query after that is a probe.
 */
export const DNS_DOWN_AFTER_FAILURES = 3;
export const DNS_DOWN_MS = 10_000;

/** Record types analyzers ask for; anything else is refused without a query. */
const SUPPORTED_TYPES: ReadonlySet<string> = new Set(['A', 'AAAA', 'MX', 'TXT', 'PTR', 'CNAME', 'NS']);

export interface CachingResolverOptions {
  /** `dns.servers`: `1.2.3.4`, `127.0.0.1:5353`, `[::1]:53`; empty or absent: the system's. */
  readonly servers?: readonly string[];
  /** Per query, in milliseconds (`dns.timeoutMs`). */
  readonly timeoutMs: number;
  /** The lookup itself (tests count queries); default: node:dns/promises at the servers. */
  readonly query?: (name: string, type: string) => Promise<DnsAnswer>;
  readonly now?: () => number;
  readonly maxEntries?: number;
}

interface CacheEntry {
  readonly answer: Promise<DnsAnswer>;
  /** Infinity while the query is in flight. */
  expires: number;
}

/** node:dns at the given servers; a server that is not an IP literal is a configuration error. */
export function nodeDnsQuery(servers: readonly string[], timeoutMs: number): (name: string, type: string) => Promise<DnsAnswer> {
  const resolver = new NodeResolver({ timeout: timeoutMs, tries: 1 });
  if (servers.length > 0) {
    try {
      resolver.setServers([...servers]);
    } catch (err) {
      throw new PortcullisError('PORTCULLIS_ERR_CONFIG', `dns.servers: ${servers.join(', ')}: each must be an IP address with an optional port`, { cause: err });
    }
  }
  return (name, type) => resolver.resolve(name, type) as Promise<DnsAnswer>;
}

export function createCachingResolver(options: CachingResolverOptions): Resolver {
  const query = options.query ?? nodeDnsQuery(options.servers ?? [], options.timeoutMs);
  const now = options.now ?? Date.now;
  const maxEntries = options.maxEntries ?? MAX_CACHED_QUERIES;
  const cache = new Map<string, CacheEntry>();
  let consecutiveFailures = 0;
  let downUntil = 0;

  return async (name, type) => {
    const rrtype = type.toUpperCase();
    if (!SUPPORTED_TYPES.has(rrtype)) throw dnsError('ENOTIMP', name, rrtype);
    // Names are case-insensitive; a trailing dot names the same node.
    const key = `${rrtype} ${name.toLowerCase().replace(/\.$/, '')}`;
    const cached = cache.get(key);
    if (cached && cached.expires > now()) {
      // Re-inserting keeps the Map in least-recently-used order.
      cache.delete(key);
      cache.set(key, cached);
      return cached.answer;
    }
    cache.delete(key);
    if (now() < downUntil) throw dnsError('ETIMEOUT', name, rrtype);
    const entry: CacheEntry = { answer: query(name, rrtype), expires: Infinity };
    cache.set(key, entry);
    while (cache.size > maxEntries) {
      const oldest = cache.keys().next().value as string;
      cache.delete(oldest);
    }
    entry.answer.then(
      () => {
        consecutiveFailures = 0;
        entry.expires = now() + ANSWER_TTL_MS;
      },
      (err: unknown) => {
        const code = (err as { code?: unknown }).code;
        const notFound = typeof code === 'string' && DNS_NOT_FOUND_CODES.has(code);
        // "No such name" is an answer: the server is up.
        consecutiveFailures = notFound ? 0 : consecutiveFailures + 1;
        if (consecutiveFailures >= DNS_DOWN_AFTER_FAILURES) downUntil = now() + DNS_DOWN_MS;
        entry.expires = now() + (notFound ? NOT_FOUND_TTL_MS : TEMPORARY_FAILURE_TTL_MS);
      },
    );
    return entry.answer;
  };
}
