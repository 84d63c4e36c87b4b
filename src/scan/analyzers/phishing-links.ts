/**
 * Phishing checks on the message's URLs (collected by urls.ts, html-content.ts, pdf-content.ts):
 * link text showing one domain while the link goes to another, IP-literal hosts (decimal, hex and
 * octal IPv4 forms included), userinfo tricks, punycode hosts, look-alikes of protected domains,
 * protected domains hidden in a subdomain, shorteners, free hosting and form services,
 * javascript:/data: links, and credential-lure wording with links away from the sender's domain.
 *
 * Trusts nothing: URLs and text are attacker-controlled; parsing is parse-url.ts (never throws).
 * Each id is reported at most once per message (its detail lists a few examples and the count),
 * so a message with fifty IP links scores like one with two: the fact is "it has them".
 */
import type { Analyzer } from '../analyzer.js';
import { finding, type Finding } from '../../core/finding.js';
import { decodeEncodedWords } from '../../mime/encoded-word.js';
import { firstHeader } from '../../mime/header-section.js';
import { textIsUrl } from '../url/find-text-urls.js';
import { headerMailbox, type HeaderMailbox } from '../url/header-mailbox.js';
import { FREE_HOSTING_SUFFIXES, TRACKING_REDIRECT_DOMAINS, URL_SHORTENERS, hostMatches } from '../url/known-domains.js';
import { findLookalike } from '../url/lookalike.js';
import { parseUrl, type ParsedUrl } from '../url/parse-url.js';
import { DEFAULT_PHISHING_SETTINGS, compilePhishingSettings, type CompiledPhishingSettings } from '../url/phishing-settings.js';

/** Examples named in one finding's detail. */
const MAX_EXAMPLES = 3;
/** Text searched for lure wording per message. */
const MAX_LURE_TEXT_CHARS = 64 * 1024;
const WEB_SCHEMES = new Set(['http', 'https', 'ftp']);

/**
 * Wording that asks the reader to hand over credentials or act on an account under a threat.
 * Phrases, not single words: "password" alone is in every IT newsletter.
 */
const CREDENTIAL_LURE =
  /\b(?:verify|confirm|validate|update|re-?activate|unlock|restore|secure)\s+(?:your\s+|the\s+)?(?:e-?mail\s+|web\s*mail\s+|mailbox\s+|online\s+|bank(?:ing)?\s+|paypal\s+|apple\s+|microsoft\s+|office\s*365\s+)?(?:account|identity|password|login|log-in|credentials|billing|payment\s+(?:information|details|method)|information|details|mailbox)\b|\b(?:account|mailbox|access)\s+(?:has\s+been|was|will\s+be|is)\s+(?:temporarily\s+)?(?:suspended|locked|limited|restricted|disabled|deactivated|closed|blocked|terminated|on\s+hold|compromised|violated)\b|\bunusual\s+(?:sign[\s-]?in|log[\s-]?in|activity)\b|\bpassword\s+(?:expires|will\s+expire|has\s+expired|expired|expiration)\b|\bmailbox\s+(?:is\s+(?:almost\s+)?full|quota|storage)\b|\b(?:sign|log)\s+in\s+to\s+(?:verify|confirm|restore|avoid|keep)\b|\b(?:storage|quota|mailbox)\s+(?:is\s+)?(?:full|exceeded|limit\s+reached)\b|\bunauthori[sz]ed\s+(?:access|login|log-in|sign-in|transaction|activity)\b|\b(?:payment|card)\s+(?:was\s+|has\s+been\s+)?(?:declined|failed)\b|\b(?:termination|deactivation|suspension)\s+(?:notice|pending|warning)\b/i;

interface Hit {
  count: number;
  readonly examples: string[];
}

function note(hits: Map<string, Hit>, id: string, example: string): void {
  const hit = hits.get(id) ?? { count: 0, examples: [] };
  hit.count++;
  if (hit.examples.length < MAX_EXAMPLES) hit.examples.push(example.length > 200 ? `${example.slice(0, 200)}...` : example);
  hits.set(id, hit);
}

/** Same site: same registrable domain, or the same brand label under another suffix (paypal.de, paypal.com). */
function sameSite(a: ParsedUrl | HeaderMailbox, b: ParsedUrl | HeaderMailbox): boolean {
  if (a.registrableDomain === undefined || b.registrableDomain === undefined) return false;
  return a.registrableDomain === b.registrableDomain || (a.registrableLabel !== undefined && a.registrableLabel === b.registrableLabel);
}

function isTrackingRedirect(url: ParsedUrl): boolean {
  return url.registrableDomain !== undefined && (TRACKING_REDIRECT_DOMAINS.has(url.registrableDomain) || TRACKING_REDIRECT_DOMAINS.has(url.host));
}

/** What the checks conclude about one domain host (a pure function of the host and the settings). */
interface DomainVerdict {
  readonly punycode: boolean;
  readonly lookalike?: string;
  readonly brandSubdomain?: string;
  readonly shortener: boolean;
  readonly freeHosting: boolean;
}

/**
 * Domain verdicts are kept per settings across messages: the look-alike search compares each new
 * registrable domain with every protected one (edit distances), and mail repeats its hosts (a
 * campaign, a newsletter's tracking domain). Cleared when MAX_CACHED_HOSTS is reached, so a
 * message full of random hosts costs the search, never memory.
 */
const MAX_CACHED_HOSTS = 10_000;
const domainVerdicts = new WeakMap<CompiledPhishingSettings, Map<string, DomainVerdict>>();

function domainVerdict(url: ParsedUrl, registrableDomain: string, settings: CompiledPhishingSettings): DomainVerdict {
  let cache = domainVerdicts.get(settings);
  if (cache === undefined) {
    cache = new Map();
    domainVerdicts.set(settings, cache);
  }
  // host, its Unicode form and its registrable domain decide everything below.
  const key = `${url.host} ${url.unicodeHost} ${registrableDomain}`;
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  const unicodeLabel = url.unicodeHost.split('.').at(-(registrableDomain.split('.').length)) ?? url.registrableLabel ?? '';
  const lookalike = findLookalike(registrableDomain, unicodeLabel, settings.known);
  const subdomain = url.host.slice(0, -registrableDomain.length);
  let hidden: string | undefined;
  if (subdomain !== '' && !settings.knownDomains.has(registrableDomain)) {
    const dotted = `.${subdomain}`;
    const dashed = `-${subdomain.replace(/\./g, '-')}`;
    hidden = settings.known.find((k) => dotted.includes(`.${k.domain}.`) || dashed.includes(`-${k.domain.replace(/\./g, '-')}-`))?.domain;
  }
  const verdict: DomainVerdict = {
    punycode: url.host.split('.').some((label) => label.startsWith('xn--')),
    ...(lookalike !== undefined ? { lookalike: `${lookalike.imitates} (${lookalike.how})` } : {}),
    ...(hidden !== undefined ? { brandSubdomain: hidden } : {}),
    shortener: URL_SHORTENERS.has(registrableDomain) || URL_SHORTENERS.has(url.host),
    freeHosting: FREE_HOSTING_SUFFIXES.some((s) => hostMatches(url.host, s)),
  };
  if (cache.size >= MAX_CACHED_HOSTS) cache.clear();
  cache.set(key, verdict);
  return verdict;
}

/** The checks on one URL's host. */
function checkHost(url: ParsedUrl, settings: CompiledPhishingSettings, hits: Map<string, Hit>): void {
  if (url.hostKind === 'ipv4' || url.hostKind === 'ipv6') {
    note(hits, 'URL_IP_LITERAL', url.writtenHost !== url.host ? `${url.host} (written ${url.writtenHost})` : url.host);
  }
  if (url.userinfo.includes('.')) note(hits, 'URL_USERINFO_TRICK', `${url.userinfo}@${url.host}`);
  if (url.hostKind !== 'domain' || url.registrableDomain === undefined) return;
  const verdict = domainVerdict(url, url.registrableDomain, settings);
  if (verdict.punycode) note(hits, 'URL_PUNYCODE', `${url.host} (${url.unicodeHost})`);
  if (verdict.lookalike !== undefined) note(hits, 'URL_LOOKALIKE_DOMAIN', `${url.unicodeHost} imitates ${verdict.lookalike}`);
  if (verdict.brandSubdomain !== undefined) note(hits, 'URL_BRAND_SUBDOMAIN', `${url.host} starts like ${verdict.brandSubdomain}`);
  if (verdict.shortener) note(hits, 'URL_SHORTENER', url.host);
  if (verdict.freeHosting) note(hits, 'URL_FREE_HOSTING', url.host);
}

/** A link whose text reads as a URL on one site while its target is another, redirects of bulk senders aside. */
function textHrefMismatch(text: string, href: ParsedUrl, from: HeaderMailbox | undefined): string | undefined {
  const shown = textIsUrl(text);
  if (shown === undefined) return undefined;
  const shownUrl = parseUrl(shown);
  if (shownUrl?.registrableDomain === undefined || sameSite(shownUrl, href)) return undefined;
  if (isTrackingRedirect(href) || (from !== undefined && sameSite(from, href))) return undefined;
  // A redirect that carries its destination (`?url=https%3A%2F%2Fshop.example`) is the shown site.
  if (decodeSafely(href.href).toLowerCase().includes(shownUrl.registrableDomain)) return undefined;
  return `text ${JSON.stringify(text.slice(0, 100))} links to ${href.host}`;
}

function decodeSafely(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

export const phishingLinks: Analyzer = {
  name: 'phishing-links',
  directions: ['inbound'],
  dependsOn: ['urls'],
  async analyze(ctx) {
    const settings = compilePhishingSettings(ctx.ports.phishing ?? DEFAULT_PHISHING_SETTINGS);
    const from = headerMailbox(ctx.message.headers, 'from');
    const hits = new Map<string, Hit>();
    const parsed = new Map<string, ParsedUrl>();
    const seenHosts = new Set<string>();
    for (const raw of ctx.facts.urls) {
      if (ctx.signal.aborted) break;
      const url = parseUrl(raw);
      if (url === undefined) continue;
      parsed.set(raw, url);
      if (url.scheme === 'javascript' || url.scheme === 'vbscript') note(hits, 'URL_JAVASCRIPT', url.href.slice(0, 80));
      if (url.scheme === 'data') note(hits, 'URL_DATA', url.href.slice(0, 60));
      if (!WEB_SCHEMES.has(url.scheme)) continue;
      const hostKey = `${url.userinfo}@${url.writtenHost}`;
      if (seenHosts.has(hostKey)) continue;
      seenHosts.add(hostKey);
      checkHost(url, settings, hits);
    }

    const awayFromSender: string[] = [];
    for (const link of ctx.facts.links) {
      const href = parsed.get(link.href.trim()) ?? parseUrl(link.href);
      if (href === undefined || !WEB_SCHEMES.has(href.scheme)) continue;
      const mismatch = textHrefMismatch(link.text, href, from);
      if (mismatch !== undefined) note(hits, 'URL_TEXT_HREF_MISMATCH', mismatch);
      if (from !== undefined && !sameSite(from, href) && !isTrackingRedirect(href)) awayFromSender.push(href.host);
    }
    if (from !== undefined && ctx.facts.links.length === 0) {
      // Text-only mail: its URLs are its links.
      for (const url of parsed.values()) if (WEB_SCHEMES.has(url.scheme) && !sameSite(from, url) && !isTrackingRedirect(url)) awayFromSender.push(url.host);
    }
    if (awayFromSender.length > 0) {
      const subject = decodeEncodedWords(firstHeader(ctx.message.headers, 'subject') ?? '').slice(0, 998);
      const text = [subject, ...ctx.message.textBodies, ...ctx.facts.htmlText].join('\n').slice(0, MAX_LURE_TEXT_CHARS);
      const lure = CREDENTIAL_LURE.exec(text);
      if (lure !== null) note(hits, 'PHISH_CREDENTIAL_LURE', `${JSON.stringify(lure[0].slice(0, 80))} with a link to ${awayFromSender[0] ?? ''}, not ${from?.domain ?? ''}`);
    }

    const out: Finding[] = [];
    for (const [id, hit] of hits) out.push(finding(id, `${hit.examples.join('; ')}${hit.count > hit.examples.length ? ` (+${hit.count - hit.examples.length} more)` : ''}`));
    return out;
  },
};
