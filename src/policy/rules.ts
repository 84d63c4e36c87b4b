/**
 * Policy rules: who, from where and with what findings → which action. The whole policy is one
 * ordered list, and the first rule that matches decides:
 *
 *   1. the rules of `policy.rules`, in the order written     → verdict rule `rule:<name>`
 *   2. the built-in rules (policy/default-rules.ts)          → `default:<name>`
 *   3. the score thresholds: reject, quarantine, tag          → `threshold:<action>`
 *   4. accept                                                 → `default:accept`
 *
 * A rule's conditions are all optional and must all hold: `direction`; `sender` and `recipient`
 * (address or domain globs, policy/glob-match.ts, lower case; a recipient condition holds when
 * EVERY recipient matches, so adding a recipient can never widen what a rule lets through);
 * `clientNetwork` (CIDR list); `findings` (the message has at least one id matching one glob);
 * `unlessFindings` (it has none);
 * `scoreAtLeast` / `scoreBelow` (the total score).
 *
 * Fail closed (DESIGN.md invariant 3): a user rule whose action is accept or tag is passed over
 * when the message carries a finding of FAIL_CLOSED_RULES (the scan did not finish, or read the
 * message only in part), so no configuration can deliver a message nobody has scanned.
 *
 * Trust: rules are validated configuration (config/schema.ts); addresses and finding ids come from
 * the envelope and the analyzers and are only compared, never interpreted. Pure: no I/O.
 */
import type { Config } from '../config/schema.js';
import type { Direction, Envelope } from '../core/envelope.js';
import type { Action } from '../core/verdict.js';
import { NetworkList } from '../smtp/network-list.js';
import { defaultRulesFor, FAIL_CLOSED_RULES } from './default-rules.js';
import { globMatch } from './glob-match.js';

export type PolicyRule = Config['policy']['rules'][number];
type Policy = Config['policy'];

/** What rules are matched against: taken from the envelope and the scored findings. */
export interface PolicyFacts {
  readonly direction: Direction;
  /** Envelope sender; '' is the null sender. */
  readonly sender: string;
  readonly recipients: readonly string[];
  readonly clientAddress: string;
  readonly findingIds: readonly string[];
  readonly score: number;
}

/** A rule of the effective list, with the name the verdict reports. */
export interface RankedRule {
  /** `rule:<name>`, `default:<name>`, `threshold:<action>` or `default:accept`. */
  readonly verdictRule: string;
  readonly rule: PolicyRule;
  /** User rules may be passed over for fail-closed findings; built-in rules never are. */
  readonly fromConfig: boolean;
}

export interface RuleDecision {
  readonly action: Action;
  /** The rule that decided, as the verdict names it. */
  readonly rule: string;
}

export function policyFacts(envelope: Envelope, findingIds: readonly string[], score: number): PolicyFacts {
  return {
    direction: envelope.direction,
    sender: envelope.mailFrom,
    recipients: envelope.rcptTo,
    clientAddress: envelope.clientAddress,
    findingIds,
    score,
  };
}

const effectiveCache = new WeakMap<Policy, readonly RankedRule[]>();

/** The complete ordered rule list of a policy (user rules, built-in rules, thresholds, accept). */
export function effectiveRules(policy: Policy): readonly RankedRule[] {
  const cached = effectiveCache.get(policy);
  if (cached) return cached;
  const { tag, quarantine, reject } = policy.thresholds;
  const thresholds: PolicyRule[] = [
    { name: 'reject', scoreAtLeast: reject, action: 'reject' },
    { name: 'quarantine', scoreAtLeast: quarantine, action: 'quarantine' },
    { name: 'tag', scoreAtLeast: tag, action: 'tag' },
  ];
  const list: RankedRule[] = [
    ...policy.rules.map((rule) => ({ verdictRule: `rule:${rule.name}`, rule, fromConfig: true })),
    ...defaultRulesFor(policy).map((rule) => ({ verdictRule: `default:${rule.name}`, rule, fromConfig: false })),
    ...thresholds.map((rule) => ({ verdictRule: `threshold:${rule.name}`, rule, fromConfig: false })),
    { verdictRule: 'default:accept', rule: { name: 'accept', action: 'accept' }, fromConfig: false },
  ];
  effectiveCache.set(policy, list);
  return list;
}

/** The first rule of the effective list that matches; the last one always does. */
export function decideByRules(policy: Policy, facts: PolicyFacts): RuleDecision {
  const failClosed = FAIL_CLOSED_RULES.some((rule) => ruleMatches(rule, facts));
  for (const ranked of effectiveRules(policy)) {
    if (ranked.fromConfig && failClosed && (ranked.rule.action === 'accept' || ranked.rule.action === 'tag')) continue;
    if (ruleMatches(ranked.rule, facts)) return { action: ranked.rule.action, rule: ranked.verdictRule };
  }
  // Unreachable: the list ends with an unconditional accept. Kept total for the type checker.
  return { action: 'accept', rule: 'default:accept' };
}

/** True when every condition the rule gives holds for the message. */
export function ruleMatches(rule: PolicyRule, facts: PolicyFacts): boolean {
  if (rule.direction !== undefined && rule.direction !== facts.direction) return false;
  if (rule.sender !== undefined && !addressMatches(rule.sender, facts.sender)) return false;
  if (rule.recipient !== undefined) {
    const globs = rule.recipient;
    if (facts.recipients.length === 0 || !facts.recipients.every((r) => addressMatches(globs, r))) return false;
  }
  if (rule.clientNetwork !== undefined && !networksOf(rule).contains(facts.clientAddress)) return false;
  if (rule.findings !== undefined) {
    const globs = rule.findings;
    if (!facts.findingIds.some((id) => globs.some((g) => globMatch(g, id)))) return false;
  }
  if (rule.unlessFindings !== undefined) {
    const globs = rule.unlessFindings;
    if (facts.findingIds.some((id) => globs.some((g) => globMatch(g, id)))) return false;
  }
  if (rule.scoreAtLeast !== undefined && !(facts.score >= rule.scoreAtLeast)) return false;
  if (rule.scoreBelow !== undefined && !(facts.score < rule.scoreBelow)) return false;
  return true;
}

/**
 * One transaction carries one policy (one DATA reply serves all recipients). Two recipients with
 * the same key match exactly the same recipient-dependent rules for this direction and client,
 * so they can share a transaction; the SMTP layer answers 452 to a recipient whose key differs
 * from the first recipient's. Rules that also name a sender count as recipient-dependent too
 * (the sender is the same for the whole transaction, so at worst this splits needlessly, never
 * wrongly). The key is opaque: compare it, do not parse it.
 */
export function policyKey(config: Pick<Config, 'policy'>, recipient: string, direction: Direction, client: string): string {
  const matched: string[] = [];
  for (const rule of config.policy.rules) {
    if (rule.recipient === undefined) continue;
    if (rule.direction !== undefined && rule.direction !== direction) continue;
    if (rule.clientNetwork !== undefined && !networksOf(rule).contains(client)) continue;
    if (addressMatches(rule.recipient, recipient)) matched.push(rule.name);
  }
  return `${direction}:${matched.join(',')}`;
}

/**
 * An address matches a glob list when one glob matches: a glob with `@` against the whole
 * address, `<>` against the null sender only, any other glob against the domain (so
 * `example.org` is the domain itself and `*.example.org` its subdomains).
 */
function addressMatches(globs: readonly string[], address: string): boolean {
  const lower = address.toLowerCase();
  const at = lower.lastIndexOf('@');
  const domain = at >= 0 ? lower.slice(at + 1) : '';
  return globs.some((glob) => {
    if (glob === '<>') return lower === '';
    if (glob.includes('@')) return lower !== '' && globMatch(glob, lower);
    return domain !== '' && globMatch(glob, domain);
  });
}

const networkCache = new WeakMap<PolicyRule, NetworkList>();

function networksOf(rule: PolicyRule): NetworkList {
  let list = networkCache.get(rule);
  if (!list) {
    list = new NetworkList(rule.clientNetwork ?? []);
    networkCache.set(rule, list);
  }
  return list;
}
