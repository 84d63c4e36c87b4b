/**
 * Parses one URL taken from a message into the facts the phishing checks need: scheme, host (as
 * the browser will resolve it, and as it was written), userinfo, the kind of host (domain or IP
 * literal) and its registrable domain (public suffix list, via tldts).
 *
 * Trusts nothing: the input is attacker text of any length and shape. Parsing is WHATWG URL's
 * (what browsers do: `http://0x7f.1/` is 127.0.0.1, a Unicode host becomes punycode), so a check
 * sees the host the click would reach. Contract: never throws; undefined for what no browser would
 * open as a URL. Input longer than MAX_URL_LENGTH is cut there first.
 */
import { domainToUnicode } from 'node:url';
import { parse as parseDomain } from 'tldts';
import { MAX_URL_LENGTH } from '../content-inspection.js';

export type HostKind = 'domain' | 'ipv4' | 'ipv6' | 'none';

export interface ParsedUrl {
  /** The normalised URL (WHATWG serialisation). */
  readonly href: string;
  /** Lower-case scheme without the colon: `https`, `mailto`, `javascript`, `data`. */
  readonly scheme: string;
  /** Lower-case ASCII host as resolved (punycode; dotted IPv4; `[v6]`; no trailing dot); '' when none. */
  readonly host: string;
  /** The host as written in the URL (before IPv4 number normalisation), lower-cased. */
  readonly writtenHost: string;
  /** The host in Unicode (differs from `host` for punycode labels). */
  readonly unicodeHost: string;
  readonly hostKind: HostKind;
  /** `user` or `user:password` before the host; '' when none. */
  readonly userinfo: string;
  /** The registrable domain (`google.co.uk` for accounts.google.co.uk); undefined for IPs and unknown suffixes. */
  readonly registrableDomain?: string;
  /** The registrable domain without its public suffix (`google`). */
  readonly registrableLabel?: string;
}

const AUTHORITY = /^[a-z][a-z0-9+.-]*:\/\/([^/?#\\]*)/i;
const IPV4_DOTTED = /^\d{1,3}(\.\d{1,3}){3}$/;

/**
 * The registrable domain of a host name, private suffixes included (so `evil.blogspot.com` is its
 * own site, not blogspot's), or undefined for an IP or a name without a known suffix.
 */
export function registrableParts(hostname: string): { readonly domain: string; readonly label: string } | undefined {
  const parsed = parseDomain(hostname, { allowPrivateDomains: true, extractHostname: false });
  if (parsed.isIp === true || parsed.domain === null || parsed.domainWithoutSuffix === null) return undefined;
  return { domain: parsed.domain, label: parsed.domainWithoutSuffix };
}

export function parseUrl(input: string): ParsedUrl | undefined {
  const raw = input.slice(0, MAX_URL_LENGTH).trim();
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  const scheme = url.protocol.replace(/:$/, '').toLowerCase();
  // `paypal.com.` is paypal.com to DNS and to the browser.
  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  const authority = AUTHORITY.exec(raw)?.[1] ?? '';
  const afterUser = authority.slice(authority.lastIndexOf('@') + 1);
  const writtenHost = (afterUser.startsWith('[') ? afterUser.slice(0, afterUser.indexOf(']') + 1) : afterUser.replace(/:\d*$/, '')).toLowerCase();
  const hostKind: HostKind = host === '' ? 'none' : host.startsWith('[') ? 'ipv6' : IPV4_DOTTED.test(host) ? 'ipv4' : 'domain';
  const userinfo = url.username === '' && url.password === '' ? '' : url.password === '' ? safeDecode(url.username) : `${safeDecode(url.username)}:${safeDecode(url.password)}`;
  const parts = hostKind === 'domain' ? registrableParts(host) : undefined;
  return {
    href: url.href,
    scheme,
    host,
    writtenHost,
    unicodeHost: hostKind === 'domain' && host.includes('xn--') ? domainToUnicode(host) || host : host,
    hostKind,
    userinfo,
    ...(parts !== undefined ? { registrableDomain: parts.domain, registrableLabel: parts.label } : {}),
  };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
