/**
 * URL-domain blocklists (URIBL, SURBL, Spamhaus DBL): the registrable domains of the message's
 * URLs (`facts.urls`, from text, HTML and PDF) are looked up as `domain.zone` A in each
 * configured zone (`reputation.uribl`). A listing code (dns/blocklist-answer.ts) reports
 * URIBL_LISTED weighted by the zone's score, naming the domain, the zone and the code.
 *
 * Trusts nothing from the message: domains come from parse-url.ts (WHATWG parsing, public
 * suffix list), IP hosts are not asked. At most MAX_URIBL_DOMAINS distinct domains per message
 * (in order of appearance), so a message with thousands of links costs a bounded number of
 * queries; all share one budget (dns/resolver.ts withDeadline). An error or timeout is no
 * finding: a list outage or an offline scan must not score mail. No zones or no DNS: nothing
 * is asked. Inbound only: outbound URLs are not sent to third-party lists.
 */
import type { Analyzer } from '../analyzer.js';
import { finding, type Finding } from '../../core/finding.js';
import { withDeadline } from '../dns/resolver.js';
import { blocklistListing } from '../dns/blocklist-answer.js';
import { parseUrl } from '../url/parse-url.js';

/** Most distinct registrable domains of one message that are looked up. */
export const MAX_URIBL_DOMAINS = 20;

/** The distinct registrable domains of `urls`, in order of appearance, at most MAX_URIBL_DOMAINS. */
export function urlDomains(urls: readonly string[]): string[] {
  const domains = new Set<string>();
  for (const url of urls) {
    if (domains.size >= MAX_URIBL_DOMAINS) break;
    const domain = parseUrl(url)?.registrableDomain;
    if (domain !== undefined) domains.add(domain);
  }
  return [...domains];
}

export const urlBlocklist: Analyzer = {
  name: 'url-blocklist',
  directions: ['inbound'],
  dependsOn: ['urls', 'html-content', 'pdf-content'],
  async analyze(ctx) {
    const dns = ctx.ports.dns;
    const zones = ctx.ports.uribl ?? [];
    if (!dns || zones.length === 0) return [];
    const domains = urlDomains(ctx.facts.urls);
    if (domains.length === 0) return [];
    const resolver = withDeadline(dns.resolver, dns.budgetMs);
    const lookups = domains.flatMap((domain) =>
      zones.map(async (zone): Promise<Finding | undefined> => {
        try {
          const code = blocklistListing(await resolver(`${domain}.${zone.zone}`, 'A'));
          return code === undefined ? undefined : finding('URIBL_LISTED', `${domain} listed in ${zone.zone} (${code})`, zone.score);
        } catch {
          return undefined;
        }
      }),
    );
    return (await Promise.all(lookups)).filter((f): f is Finding => f !== undefined);
  },
};
