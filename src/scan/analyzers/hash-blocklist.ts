/**
 * The hash-blocklist analyzer: a file in `ctx.facts.files` (an attachment, an archive member,
 * an embedded file) whose sha256 is on the configured blocklist gives HASH_BLOCKLISTED, a
 * decisive reject. Works without clamd. The list is `ctx.ports.hashBlocklist`, parsed once per
 * sandbox process by parseHashBlocklist from the file `scan.hashBlocklist` names; no list, no
 * findings.
 *
 * File format: one sha256 in hex per line (either case); anything after it on the line,
 * separated by white space, is ignored, so `sha256sum` output works as is; `#` starts a comment;
 * blank lines are skipped. Any other line is an error naming its number (a typo must not leave a
 * hash silently unchecked).
 */
import type { Analyzer } from '../analyzer.js';
import { PortcullisError } from '../../core/errors.js';
import { finding, type Finding } from '../../core/finding.js';
import { describeFile } from '../describe-file.js';

const SHA256_LINE = /^([0-9a-fA-F]{64})(?:\s.*)?$/;

/** Parses a blocklist file's text into lower-case hex values; `source` names it in errors. */
export function parseHashBlocklist(text: string, source: string): ReadonlySet<string> {
  const hashes = new Set<string>();
  for (const [index, line] of text.split(/\r?\n/).entries()) {
    const content = line.replace(/#.*$/, '').trim();
    if (content === '') continue;
    const m = SHA256_LINE.exec(content);
    if (!m?.[1]) throw new PortcullisError('PORTCULLIS_ERR_CONFIG', `${source} line ${index + 1}: expected a sha256 in hex (64 hex digits)`);
    hashes.add(m[1].toLowerCase());
  }
  return hashes;
}

export const hashBlocklist: Analyzer = {
  name: 'hash-blocklist',
  directions: ['inbound', 'outbound'],
  // file-types runs after the extracting analyzers, so every member is in ctx.facts.files by then.
  dependsOn: ['file-types'],
  analyze(ctx) {
    const blocked = ctx.ports.hashBlocklist;
    const findings: Finding[] = [];
    if (!blocked || blocked.size === 0) return Promise.resolve(findings);
    const reported = new Set<string>();
    for (const file of ctx.facts.files) {
      const sha256 = file.sha256.toLowerCase();
      if (!blocked.has(sha256) || reported.has(sha256)) continue;
      reported.add(sha256);
      findings.push(finding('HASH_BLOCKLISTED', `sha256 ${sha256} of ${describeFile(file)} is on the blocklist`));
    }
    return Promise.resolve(findings);
  },
};
