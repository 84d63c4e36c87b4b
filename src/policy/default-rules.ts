/**
 * The built-in rules: what the gateway does with a finding whatever its score, evaluated after
 * the rules of `policy.rules` and before the score thresholds (policy/rules.ts puts the three
 * together in one ordered list). Each is an ordinary rule with a name, reported in the verdict as
 * `default:<name>`; they are ordered most severe first, so the first that matches is the worst.
 * docs/policy.md lists them: keep the two in step.
 *
 * Fail closed (DESIGN.md invariant 3): a scan that could not finish (time, memory, a crashed
 * sandbox, overload, an analyzer error, an unreadable spool file, clamd down) tempfails, so the
 * sender retries; a parser limit (the message was only partly read) quarantines. The ids of those
 * two rules are FAIL_CLOSED_RULES: a user rule can never turn them into accept or tag.
 *
 * DMARC enforcement (dmarc-reject, dmarc-quarantine) applies to inbound mail only, can be switched
 * off (`policy.dmarc.enforce: false`), and yields to a trusted forwarder: decide() adds
 * ARC_TRUSTED_SEALER when a configured sealer's ARC seal verified, and these rules hold only
 * without it.
 *
 * A new decisive finding id goes into one of these lists (or a new named rule here); its score
 * stays in policy/scores.ts.
 */
import type { Config } from '../config/schema.js';
import type { PolicyRule } from './rules.js';

export const DEFAULT_RULES: readonly PolicyRule[] = [
  {
    // The scan did not finish: nothing is known about the message, so the sender must retry.
    name: 'scan-unfinished',
    findings: ['SCAN_LIMIT_TIME', 'SCAN_LIMIT_MEMORY', 'SCAN_SANDBOX_CRASH', 'SCAN_OVERLOADED', 'SCAN_ANALYZER_ERROR', 'SCAN_INPUT_UNREADABLE', 'CLAMAV_UNAVAILABLE'],
    action: 'tempfail',
  },
  {
    // Malware found, by a virus scanner or by a known hash: refused in the session, never bounced.
    name: 'malware',
    findings: ['CLAMAV_INFECTED', 'HASH_BLOCKLISTED'],
    action: 'reject',
  },
  {
    // A member name built for a shell (CVE-2023-2868) is an attack, not an accident.
    name: 'archive-shell-payload',
    findings: ['ARCHIVE_MEMBER_SHELL_METACHARS'],
    action: 'reject',
  },
  {
    // The sender's domain asks receivers to refuse mail that fails DMARC (p=reject): refused at
    // DATA, so nothing bounces to the forged address. Not when a trusted forwarder's ARC seal
    // vouches for the message (policy.trustedArcSealers; policy/trusted-arc-sealer.ts).
    name: 'dmarc-reject',
    direction: 'inbound',
    findings: ['DMARC_POLICY_REJECT'],
    unlessFindings: ['ARC_TRUSTED_SEALER'],
    action: 'reject',
  },
  {
    // Executables, scripts and the dropper formats that replaced macros, by true type whatever their name.
    name: 'executable',
    findings: ['FILE_EXECUTABLE', 'FILE_SCRIPT', 'FILE_LNK', 'FILE_HTA', 'FILE_DISK_IMAGE', 'FILE_ONENOTE'],
    action: 'quarantine',
  },
  {
    // Content that runs or fetches code when a document is opened. JavaScript in a PDF and Office's
    // suspicious calls only score: forms use the first, and the second only matters with a macro.
    name: 'active-content',
    findings: [
      'OFFICE_VBA_MACRO',
      'OFFICE_XLM_MACRO',
      'OFFICE_REMOTE_TEMPLATE',
      'OFFICE_DDE',
      'OFFICE_EQUATION_EDITOR',
      'RTF_EQUATION_EDITOR',
      'PDF_LAUNCH',
      'HTML_SMUGGLING',
      'SVG_SCRIPT',
    ],
    action: 'quarantine',
  },
  {
    // Archive content that could not be scanned (encrypted, undecodable, damaged) is never clean.
    name: 'archive-unscannable',
    findings: ['ARCHIVE_ENCRYPTED', 'ARCHIVE_UNSUPPORTED_FORMAT', 'ARCHIVE_CORRUPT'],
    action: 'quarantine',
  },
  {
    // A zip built to show different files to different readers, or to escape the extraction folder.
    name: 'archive-evasion',
    findings: ['ARCHIVE_MEMBER_PATH_TRAVERSAL', 'ARCHIVE_ZIP_NAME_MISMATCH', 'ARCHIVE_ZIP_OVERLAPPING_ENTRIES', 'ARCHIVE_ZIP_HIDDEN_ENTRY'],
    action: 'quarantine',
  },
  {
    // DMARC p=quarantine: held for review, with the same trusted-forwarder exception as dmarc-reject.
    name: 'dmarc-quarantine',
    direction: 'inbound',
    findings: ['DMARC_POLICY_QUARANTINE'],
    unlessFindings: ['ARC_TRUSTED_SEALER'],
    action: 'quarantine',
  },
  {
    // A file too large for clamd was not scanned for malware: held, not passed.
    name: 'antivirus-skipped',
    findings: ['CLAMAV_SKIPPED_SIZE'],
    action: 'quarantine',
  },
  {
    // Any other limit: the message was only partly read (scan-unfinished above caught time and memory).
    name: 'scan-limit',
    findings: ['SCAN_LIMIT_*'],
    action: 'quarantine',
  },
];

/** The default rules whose findings mean "not (fully) scanned": no user rule may accept or tag such a message. */
export const FAIL_CLOSED_RULES: readonly PolicyRule[] = DEFAULT_RULES.filter((r) => r.name === 'scan-unfinished' || r.name === 'scan-limit');

/** The built-in rules that enforce the sender domain's DMARC policy (switched off by `policy.dmarc.enforce: false`). */
export const DMARC_RULE_NAMES: ReadonlySet<string> = new Set(['dmarc-reject', 'dmarc-quarantine']);

/** The built-in rules in force under a policy: all of them, less DMARC enforcement when it is off. */
export function defaultRulesFor(policy: Pick<Config['policy'], 'dmarc'>): readonly PolicyRule[] {
  return policy.dmarc.enforce ? DEFAULT_RULES : DEFAULT_RULES.filter((rule) => !DMARC_RULE_NAMES.has(rule.name));
}
