/**
 * Sender impersonation: a From display name claiming a configured executive or a protected brand
 * while the address is not theirs, a Reply-To that sends answers to another domain or to a
 * free-mail address, a sender domain (From or MAIL FROM) that is a look-alike of the accepted
 * domains or the protected brands (SENDER_LOOKALIKE_DOMAIN, whatever its history), and first
 * contact from a domain that is not known yet and looks like a known correspondent
 * (FIRST_CONTACT_LOOKALIKE: `partnr-corp.example` writing for the first time while
 * `partner-corp.example` writes every week, or `partner-corp.co` for it).
 *
 * Known correspondents come from the seen-senders store (store/seen-senders.ts) through a
 * snapshot file the sandbox re-reads when it changes (scan/url/known-correspondents.ts): the
 * analyzer queries nothing. A message gets at most one of the two look-alike findings: the one
 * about the organisation or a brand when both apply.
 *
 * Trusts nothing: headers are attacker text, read through header-mailbox.ts (never throws).
 */
import type { Analyzer } from '../analyzer.js';
import { finding, type Finding } from '../../core/finding.js';
import { domainOf } from '../../core/address.js';
import { headerMailbox, type HeaderMailbox } from '../url/header-mailbox.js';
import { findCorrespondentLookalike, type KnownCorrespondents } from '../url/known-correspondents.js';
import { FREE_MAIL_DOMAINS } from '../url/known-domains.js';
import { findLookalike, skeleton } from '../url/lookalike.js';
import { registrableParts } from '../url/parse-url.js';
import { DEFAULT_PHISHING_SETTINGS, compilePhishingSettings, type CompiledPhishingSettings } from '../url/phishing-settings.js';

/** Brand labels shorter than this must be a whole word of the display name ("UPS", not "groups"). */
const MIN_BRAND_SUBSTRING = 5;
/** A known name under another suffix (`partner-corp.co`) counts from this label length: `abc.de` and `abc.com` are often strangers. */
const MIN_LABEL_FOR_OTHER_SUFFIX = 5;

/** Lower-case words of a display name, punctuation dropped. */
function words(name: string): string[] {
  return name.toLowerCase().normalize('NFKC').split(/[^\p{L}\p{N}]+/u).filter((w) => w !== '');
}

function claimedExecutive(from: HeaderMailbox, settings: CompiledPhishingSettings): string | undefined {
  const said = ` ${words(from.name).join(' ')} `;
  for (const e of settings.executives) {
    const parts = words(e.name);
    const forward = ` ${parts.join(' ')} `;
    // "Smith, Jane" and "Jane Smith" are the same claim.
    const reversed = parts.length > 1 ? ` ${[...parts.slice(1), parts[0]].join(' ')} ` : forward;
    if ((said.includes(forward) || said.includes(reversed)) && !e.addresses.includes(from.address)) return e.name;
  }
  return undefined;
}

function claimedBrand(from: HeaderMailbox, settings: CompiledPhishingSettings): string | undefined {
  const nameWords = words(from.name);
  if (nameWords.length === 0) return undefined;
  const compact = skeleton(nameWords.join(''));
  const senderLabel = from.registrableLabel.toLowerCase();
  // "Lockergnome Apple Core" from lockergnome.com names its sender: a newsletter about a brand.
  const selfNamed = senderLabel.length >= 4 && compact.includes(skeleton(senderLabel));
  for (const brand of settings.brands) {
    const label = brand.label;
    const claimed = label.length >= MIN_BRAND_SUBSTRING ? compact.includes(brand.shape) : nameWords.includes(label);
    // A brand's own mail comes from its label under any suffix or a domain carrying its name
    // (paypal.de, email.apple.com, microsoftonline.com, yahoogroups.com).
    if (claimed && !senderLabel.includes(label) && !selfNamed) return brand.domain;
  }
  return undefined;
}

/** The first defined result of `check` over `items`. */
function firstOf<T>(items: readonly T[], check: (item: T) => string | undefined): string | undefined {
  for (const item of items) {
    const result = check(item);
    if (result !== undefined) return result;
  }
  return undefined;
}

function lookalikeSender(domain: string, settings: CompiledPhishingSettings): string | undefined {
  const parts = registrableParts(domain);
  if (parts === undefined) return undefined;
  const hit = findLookalike(parts.domain, parts.label, settings.known);
  return hit === undefined ? undefined : `${domain} imitates ${hit.imitates} (${hit.how})`;
}

/**
 * FIRST_CONTACT_LOOKALIKE's detail for a sender domain, or undefined: the domain is not known
 * (own, protected or a known correspondent) and imitates a known correspondent, or carries the
 * label of one of ours or of a known correspondent under another suffix. Free-mail providers
 * are nobody's look-alike registration; brands own many suffixes (paypal.de), so a brand's
 * label is left to SENDER_LOOKALIKE_DOMAIN's rules.
 */
function firstContactLookalike(domain: string, settings: CompiledPhishingSettings, known: KnownCorrespondents | undefined): string | undefined {
  const parts = registrableParts(domain);
  if (parts === undefined || FREE_MAIL_DOMAINS.has(parts.domain)) return undefined;
  if (settings.knownDomains.has(parts.domain) || known?.domains.has(parts.domain)) return undefined;
  const hit = known === undefined ? undefined : findCorrespondentLookalike(parts.domain, parts.label, known);
  if (hit !== undefined) return `${domain} imitates ${hit.imitates} (${hit.how}), a known correspondent; ${parts.domain} is not known yet`;
  const label = parts.label.toLowerCase();
  if (label.length < MIN_LABEL_FOR_OTHER_SUFFIX || settings.brands.some((b) => b.label === label)) return undefined;
  const sibling = [...settings.known, ...(known?.byLabel.get(label) ?? [])].find((k) => k.label === label && k.domain !== parts.domain);
  return sibling === undefined ? undefined : `${domain} has the name of ${sibling.domain} under another suffix; ${parts.domain} is not known yet`;
}

export const impersonation: Analyzer = {
  name: 'impersonation',
  directions: ['inbound'],
  dependsOn: [],
  async analyze(ctx) {
    const settings = compilePhishingSettings(ctx.ports.phishing ?? DEFAULT_PHISHING_SETTINGS);
    const out: Finding[] = [];
    const from = headerMailbox(ctx.message.headers, 'from');
    if (from !== undefined && from.name !== '') {
      const executive = claimedExecutive(from, settings);
      if (executive !== undefined) out.push(finding('FROM_DISPLAY_NAME_IMPERSONATION', `display name ${JSON.stringify(from.name.slice(0, 100))} claims executive ${executive} from ${from.address}`));
      else {
        const brand = claimedBrand(from, settings);
        if (brand !== undefined) out.push(finding('FROM_DISPLAY_NAME_IMPERSONATION', `display name ${JSON.stringify(from.name.slice(0, 100))} claims ${brand} from ${from.address}`));
      }
    }

    const replyTo = headerMailbox(ctx.message.headers, 'reply-to');
    if (from !== undefined && replyTo !== undefined && replyTo.registrableDomain !== from.registrableDomain) {
      if (FREE_MAIL_DOMAINS.has(replyTo.domain) && !FREE_MAIL_DOMAINS.has(from.domain)) {
        out.push(finding('REPLY_TO_FREEMAIL', `replies go to ${replyTo.address}, a free-mail address; From is ${from.domain}`));
      } else if (replyTo.registrableLabel !== from.registrableLabel) {
        out.push(finding('REPLY_TO_MISMATCH', `replies go to ${replyTo.domain}; From is ${from.domain}`));
      }
    }

    const senderDomains = [...new Set([from?.domain, domainOf(ctx.envelope.mailFrom)].filter((d): d is string => d !== undefined && d !== ''))];
    const lookalike = firstOf(senderDomains, (d) => lookalikeSender(d, settings));
    if (lookalike !== undefined) {
      out.push(finding('SENDER_LOOKALIKE_DOMAIN', lookalike));
    } else {
      const known = ctx.ports.knownCorrespondents?.current();
      const firstContact = firstOf(senderDomains, (d) => firstContactLookalike(d, settings, known));
      if (firstContact !== undefined) out.push(finding('FIRST_CONTACT_LOOKALIKE', firstContact));
    }
    return out;
  },
};
