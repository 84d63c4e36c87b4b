/**
 * SPF (RFC 7208) results as findings: one SPF_<RESULT> per message, with the checked identity
 * (the MAIL FROM domain, or the HELO name for the null sender) and the client IP in the detail.
 * Trusts mailauth's evaluation; the record and the names come from DNS and the envelope, so
 * they appear only in the detail, bounded.
 */
import type { SPFResult } from 'mailauth';
import { finding, type Finding } from '../../core/finding.js';
import { authValue } from './auth-value.js';

const SPF_IDS: Readonly<Record<string, string>> = {
  pass: 'SPF_PASS',
  fail: 'SPF_FAIL',
  softfail: 'SPF_SOFTFAIL',
  neutral: 'SPF_NEUTRAL',
  none: 'SPF_NONE',
  temperror: 'SPF_TEMPERROR',
  temperr: 'SPF_TEMPERROR',
  permerror: 'SPF_PERMERROR',
};

export function spfFindings(result: SPFResult | false | undefined): Finding[] {
  if (!result) return [];
  const id = SPF_IDS[result.status.result] ?? 'SPF_PERMERROR';
  return [finding(id, `spf=${result.status.result} domain=${authValue(result.domain)} ip=${authValue(result['client-ip'])}`)];
}
