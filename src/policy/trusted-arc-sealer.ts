/**
 * Trusted ARC sealers: a forwarder or mailing list breaks SPF (it sends from its own address)
 * and often DKIM (it edits subject or footer), so the original sender's DMARC fails at the final
 * hop even for honest mail. When such a forwarder is configured as trusted
 * (`policy.trustedArcSealers`) and its ARC seal verified (the ARC analyzer's ARC_PASS), its seal
 * vouches for the authentication it saw, and DMARC enforcement yields (default-rules.ts).
 *
 * Trust: the ARC_PASS finding's detail is written by our ARC analyzer and names the sealing
 * domain of the newest ARC set, as `d=DOMAIN` or as its first domain name; the domain itself
 * came from the message but was proven by the seal's DNS key. Nothing else in a message can
 * produce ARC_PASS. Exact domain match only: a trusted `lists.example` does not trust
 * `evil.lists.example`.
 *
 * Contract: pure; returns the derived ARC_TRUSTED_SEALER finding (score 0, it explains the
 * verdict) or nothing.
 */
import type { Config } from '../config/schema.js';
import type { Finding } from '../core/finding.js';

const TAGGED_DOMAIN = /\bd=([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+)/i;
const ANY_DOMAIN = /\b([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.[a-z]{2,63})\b/i;

/** The sealing domain named by an ARC_PASS detail, lower case, or undefined. */
export function arcSealerOf(detail: string): string | undefined {
  const match = TAGGED_DOMAIN.exec(detail) ?? ANY_DOMAIN.exec(detail);
  return match?.[1]?.toLowerCase().replace(/\.$/, '');
}

export function trustedArcSealer(findings: readonly Finding[], policy: Pick<Config['policy'], 'trustedArcSealers'>): Finding | undefined {
  if (policy.trustedArcSealers.length === 0) return undefined;
  for (const finding of findings) {
    if (finding.id !== 'ARC_PASS') continue;
    const sealer = arcSealerOf(finding.detail);
    if (sealer !== undefined && policy.trustedArcSealers.includes(sealer)) {
      return { id: 'ARC_TRUSTED_SEALER', detail: `sealed by trusted forwarder ${sealer}: DMARC policy not enforced` };
    }
  }
  return undefined;
}
