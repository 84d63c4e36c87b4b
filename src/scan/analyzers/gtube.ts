/**
 * GTUBE, the Generic Test for Unsolicited Bulk Email: a fixed string that every spam filter
 * treats as spam, so an operator can test the path end to end. Looked for in the raw bytes (any
 * encoding left as sent) and in the decoded text and HTML bodies (base64 or quoted-printable).
 */
import type { Analyzer } from '../analyzer.js';
import { finding } from '../../core/finding.js';

export const GTUBE = 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X';
const GTUBE_BYTES = Buffer.from(GTUBE, 'latin1');

export const gtube: Analyzer = {
  name: 'gtube',
  directions: ['inbound', 'outbound'],
  dependsOn: [],
  async analyze(ctx) {
    const where = ctx.raw.includes(GTUBE_BYTES)
      ? 'the raw message'
      : ctx.message.textBodies.some((t) => t.includes(GTUBE))
        ? 'a decoded text body'
        : ctx.message.htmlBodies.some((t) => t.includes(GTUBE))
          ? 'a decoded HTML body'
          : undefined;
    return where === undefined ? [] : [finding('SPAM_GTUBE', `the GTUBE test string is in ${where}`)];
  },
};
