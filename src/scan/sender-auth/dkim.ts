/**
 * DKIM (RFC 6376, RFC 8463) results as findings: one per signature, DKIM_VALID, DKIM_INVALID
 * or DKIM_TEMPERROR, whose detail names the signing domain, the selector and whether the
 * domain is aligned with the From header (relaxed, as DMARC judges it); DKIM_NONE when the
 * message carries no signature. A key that could not be fetched because DNS failed is a
 * temperror (no score); a missing key, a bad signature or a body hash mismatch is invalid.
 */
import type { DKIMVerifyResult } from 'mailauth';
import { finding, type Finding } from '../../core/finding.js';
import { authValue } from './auth-value.js';

export function dkimFindings(result: DKIMVerifyResult | undefined): Finding[] {
  if (!result) return [];
  const signatures = result.results.filter((r) => r.status.result !== 'none');
  if (signatures.length === 0) return [finding('DKIM_NONE', 'no DKIM signature')];
  return signatures.map((r) => {
    const status = r.status.result;
    const id = status === 'pass' ? 'DKIM_VALID' : status === 'temperror' || status === 'temperr' ? 'DKIM_TEMPERROR' : 'DKIM_INVALID';
    const aligned = r.status.aligned ? 'aligned' : 'not aligned';
    const comment = status === 'pass' || !r.status.comment ? '' : ` (${authValue(r.status.comment)})`;
    return finding(id, `dkim=${status} d=${authValue(r.signingDomain)} s=${authValue(r.selector)} ${aligned}${comment}`);
  });
}
