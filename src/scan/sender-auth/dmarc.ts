/**
 * DMARC (RFC 7489) results as findings: DMARC_PASS or DMARC_FAIL for the From domain, and on
 * failure the policy the domain asks for this message (the subdomain policy sp= for a
 * subdomain): DMARC_POLICY_REJECT, DMARC_POLICY_QUARANTINE or DMARC_POLICY_NONE. Enforcement
 * (policy/default-rules.ts) acts on the policy ids; they are reported only when DMARC failed,
 * so a policy id always means "this message fails a domain that asks for that". No record is
 * DMARC_NONE; DNS trouble is DMARC_TEMPERROR (no score); a broken record DMARC_PERMERROR.
 */
import type { DMARCResult } from 'mailauth';
import { finding, type Finding } from '../../core/finding.js';
import { authValue } from './auth-value.js';

const POLICY_IDS: Readonly<Record<string, string>> = {
  reject: 'DMARC_POLICY_REJECT',
  quarantine: 'DMARC_POLICY_QUARANTINE',
  none: 'DMARC_POLICY_NONE',
};

export function dmarcFindings(result: DMARCResult | false | undefined): Finding[] {
  if (!result) return [];
  const status = result.status.result;
  const domain = authValue(result.domain);
  switch (status) {
    case 'pass':
      return [finding('DMARC_PASS', `dmarc=pass header.from=${domain} p=${authValue(result.p)}`)];
    case 'fail': {
      const policy = typeof result.policy === 'string' ? result.policy.toLowerCase() : 'none';
      const pct = typeof result.pct === 'number' && result.pct < 100 ? ` pct=${result.pct}` : '';
      return [
        finding('DMARC_FAIL', `dmarc=fail header.from=${domain} policy=${authValue(policy)}${pct}`),
        finding(POLICY_IDS[policy] ?? 'DMARC_POLICY_NONE', `${domain} asks p=${authValue(policy)}${pct} for mail that fails DMARC`),
      ];
    }
    case 'none':
      return [finding('DMARC_NONE', `no DMARC record for ${domain}`)];
    case 'temperror':
    case 'temperr':
      return [finding('DMARC_TEMPERROR', `DMARC record of ${domain} could not be fetched`)];
    default:
      return [finding('DMARC_PERMERROR', `dmarc=${authValue(status)} header.from=${domain}`)];
  }
}
