/**
 * ARC (RFC 8617) results as findings: ARC_PASS, ARC_FAIL or ARC_NONE, with the instance and
 * the sealing domain of the newest ARC set (the forwarder that vouches for the earlier results;
 * policy trusts it only when it is a configured sealer, which is enforcement's business).
 */
import type { ARCResult } from 'mailauth';
import { finding, type Finding } from '../../core/finding.js';
import { authValue } from './auth-value.js';

/** The d= of the newest ARC-Seal, when the chain could be read. */
function sealingDomain(result: ARCResult): string | undefined {
  const chain = result.chain;
  if (!Array.isArray(chain) || chain.length === 0) return undefined;
  const newest = chain[chain.length - 1] as { ['arc-seal']?: { parsed?: { d?: { value?: unknown } } } } | undefined;
  const d = newest?.['arc-seal']?.parsed?.d?.value;
  return typeof d === 'string' ? d : undefined;
}

export function arcFindings(result: ARCResult | false | undefined): Finding[] {
  if (!result) return [];
  const status = result.status.result;
  if (status === 'none') return [finding('ARC_NONE', 'no ARC chain')];
  const id = status === 'pass' ? 'ARC_PASS' : 'ARC_FAIL';
  const sealer = sealingDomain(result);
  const where = `${result.i === false ? '' : ` i=${result.i}`}${sealer === undefined ? '' : ` sealer=${authValue(sealer)}`}`;
  const comment = status === 'pass' || !result.status.comment ? '' : ` (${authValue(result.status.comment)})`;
  return [finding(id, `arc=${status}${where}${comment}`)];
}
