/**
 * Test helper: DKIM as the analyzer verifies it (sender-auth/dkim-verify.ts), asserted equal to
 * mailauth's own dkimVerify on `reference` (the same bytes unless given). Result ids are random
 * per call in mailauth, so they are left out of the comparison.
 */
import assert from 'node:assert/strict';
import { dkimVerify, type DKIMVerifyOptions } from 'mailauth';
import { verifyDkim, type DkimVerification } from '../../../src/scan/sender-auth/dkim-verify.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function withoutRandomIds(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (key, v: unknown) => (key === 'id' && typeof v === 'string' && UUID.test(v) ? undefined : v)));
}

export async function verifyBothWays(raw: Buffer, given: DKIMVerifyOptions, reference: Buffer = raw): Promise<DkimVerification> {
  // One clock for both: each verifier otherwise reads its own, and a signature whose t= is the
  // next second (dkimSign rounds) was from the future for one and not for the other.
  const options: DKIMVerifyOptions = { curTime: new Date(), ...given };
  const ours = await verifyDkim(raw, options);
  const theirs = await dkimVerify(reference, options);
  assert.deepEqual(
    withoutRandomIds({ headerFrom: ours.headerFrom, envelopeFrom: ours.envelopeFrom, results: ours.results, arc: ours.arc }),
    withoutRandomIds({ headerFrom: theirs.headerFrom, envelopeFrom: theirs.envelopeFrom, results: theirs.results, arc: (theirs as unknown as { arc: unknown }).arc }),
  );
  return ours;
}
