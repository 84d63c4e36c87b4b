/**
 * Sender authentication for inbound mail: DKIM, SPF, ARC and DMARC verified with mailauth over
 * the raw bytes as received, the envelope's client IP, HELO and MAIL FROM, and the injected
 * DNS resolver (ports.dns). The protocols run in mailauth's order (DKIM first: it parses the
 * headers that ARC and DMARC read; DMARC last: it judges alignment of the SPF and DKIM results)
 * and each reports its own findings (scan/sender-auth/{spf,dkim,arc,dmarc}.ts). The
 * Authentication-Results header (RFC 8601) for our authserv-id is published in facts for the
 * SMTP layer to prepend; an incoming one that claims our authserv-id is forged
 * (AUTH_RESULTS_FORGED): downstream filters would otherwise believe it.
 *
 * DKIM goes through sender-auth/dkim-verify.ts: mailauth's verifier without its slow stream
 * front end, with the same results.
 *
 * Trusts mailauth to evaluate; trusts nothing in the message or in DNS. All of one message's
 * DNS queries share one budget (dns/resolver.ts withDeadline), so a dead DNS server costs at
 * most that budget and yields temperrors, which carry no score. Without ports.dns (sender
 * authentication not configured) it reports nothing.
 */
import { isIP } from 'node:net';
import { arc, dmarc, spf, type ARCResult, type DMARCResult, type DNSResolver, type SPFResult } from 'mailauth';
import type { Analyzer, AnalyzerContext } from '../analyzer.js';
import { finding, type Finding } from '../../core/finding.js';
import type { Envelope } from '../../core/envelope.js';
import { withDeadline } from '../dns/resolver.js';
import { arcFindings } from '../sender-auth/arc.js';
import { dkimFindings } from '../sender-auth/dkim.js';
import { dmarcFindings } from '../sender-auth/dmarc.js';
import { spfFindings } from '../sender-auth/spf.js';
import { authValue } from '../sender-auth/auth-value.js';
import { verifyDkim } from '../sender-auth/dkim-verify.js';

/** Longest result row kept whole in Authentication-Results: a header line must stay under 998. */
export const MAX_AUTH_RESULT_ROW_CHARS = 900;

/** What one message's verification produced, in the order the rows of the header follow. */
interface SenderAuthResults {
  readonly dkimRows: readonly string[];
  readonly findings: readonly Finding[];
  readonly spf?: SPFResult;
  readonly arc?: ARCResult;
  readonly dmarc?: DMARCResult;
}

/**
 * The header for `authservId` from mailauth's result rows (`dkim=pass header.d=...`), CRLF
 * terminated. A row too long for a header line keeps only its `method=result`.
 */
export function authenticationResultsHeader(authservId: string, rows: readonly string[]): string {
  const bounded = rows.map((row) => {
    const flat = row.replace(/\r?\n[ \t]*/g, ' ');
    return flat.length <= MAX_AUTH_RESULT_ROW_CHARS ? flat : (flat.split(' ')[0] ?? 'none=none');
  });
  return `Authentication-Results: ${authservId};\r\n\t${bounded.length > 0 ? bounded.join(';\r\n\t') : 'none'}\r\n`;
}

/** Incoming Authentication-Results headers that name our authserv-id (RFC 8601 section 5: remove or flag them). */
export function forgedAuthResults(ctx: AnalyzerContext, authservId: string): Finding[] {
  const ours = authservId.toLowerCase();
  const fields = ctx.message.headers.get('authentication-results') ?? [];
  const forged = fields.filter((f) => (f.value.split(';')[0] ?? '').trim().split(/\s+/)[0]?.toLowerCase() === ours);
  return forged.length === 0
    ? []
    : [finding('AUTH_RESULTS_FORGED', `${forged.length} incoming Authentication-Results header(s) claim our authserv-id ${authValue(authservId)}`)];
}

/** SPF needs a client address; HELO defaults to it in brackets, as RFC 7208 section 2.3 does for an IP literal. */
function spfInput(envelope: Envelope): { ip: string; helo: string; sender: string } | undefined {
  const ip = envelope.clientAddress;
  if (isIP(ip) === 0) return undefined;
  const rawHelo = envelope.helo || ip;
  const helo = isIP(rawHelo) === 0 ? rawHelo : `[${rawHelo}]`;
  return { ip, helo, sender: envelope.mailFrom };
}

async function verify(ctx: AnalyzerContext, resolver: DNSResolver, authservId: string): Promise<SenderAuthResults> {
  const dkimResult = await verifyDkim(ctx.raw, { resolver, sender: ctx.envelope.mailFrom || undefined });
  const spfArgs = spfInput(ctx.envelope);
  const spfResult = spfArgs ? await spf({ ...spfArgs, mta: authservId, resolver }) : undefined;
  const arcResult = await arc(dkimResult.arc, { resolver });
  const headerFrom = dkimResult.headerFrom;
  const dmarcResult =
    headerFrom && headerFrom.length > 0
      ? await dmarc({
          headerFrom,
          spfDomains: spfResult && spfResult.status.result === 'pass' && spfResult.domain ? [spfResult.domain] : [],
          dkimDomains: dkimResult.results
            .filter((r) => r.status.result === 'pass')
            .map((r) => ({
              ...(r.id !== undefined ? { id: r.id } : {}),
              domain: r.signingDomain,
              ...(r.status.aligned !== undefined ? { aligned: r.status.aligned } : {}),
              ...(r.status.underSized !== undefined ? { underSized: r.status.underSized } : {}),
            })),
          arcResult,
          resolver,
        })
      : false;
  return {
    dkimRows: dkimResult.results.map((r) => r.info),
    findings: [...spfFindings(spfResult), ...dkimFindings(dkimResult), ...arcFindings(arcResult), ...dmarcFindings(dmarcResult)],
    ...(spfResult ? { spf: spfResult } : {}),
    arc: arcResult,
    ...(dmarcResult ? { dmarc: dmarcResult } : {}),
  };
}

export const senderAuth: Analyzer = {
  name: 'sender-auth',
  directions: ['inbound'],
  dependsOn: [],
  async analyze(ctx) {
    const dns = ctx.ports.dns;
    const authservId = ctx.ports.authservId;
    if (!dns || authservId === undefined) return [];
    const resolver = withDeadline(dns.resolver, dns.budgetMs) as unknown as DNSResolver;
    const results = await verify(ctx, resolver, authservId);
    const rows = [...results.dkimRows, results.spf?.info, results.arc?.info, results.dmarc?.info].filter(
      (row): row is string => typeof row === 'string' && row.length > 0,
    );
    ctx.facts.authenticationResults = authenticationResultsHeader(authservId, rows);
    return [...results.findings, ...forgedAuthResults(ctx, authservId)];
  },
};
