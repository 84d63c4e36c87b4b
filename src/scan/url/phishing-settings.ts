/**
 * What the phishing checks need from the configuration, as plain JSON data that crosses into the
 * sandbox processes (sandbox-protocol.ts SandboxPortSettings): the organisation's own domains, the
 * protected brand domains and the executives whose names must not front other addresses.
 *
 * Trusts the configuration (validated by config/schema.ts). Contract: phishingSettings() is pure;
 * compilePhishingSettings() splits domains once per settings object (cached), never throws.
 */
import type { Config } from '../../config/schema.js';
import { DEFAULT_PROTECTED_DOMAINS } from './known-domains.js';
import { protectedDomain, type ProtectedDomain } from './lookalike.js';
import { registrableParts } from './parse-url.js';

export interface Executive {
  /** The name as people write it: `Jane Smith`. */
  readonly name: string;
  /** Her real addresses, lower case. */
  readonly addresses: readonly string[];
}

export interface PhishingSettings {
  /** Accepted domains (config `domains[].name`): the organisation's own. */
  readonly ownDomains: readonly string[];
  /** Brand domains protected from look-alikes and display-name use. */
  readonly protectedDomains: readonly string[];
  readonly executives: readonly Executive[];
}

/** Offline scans and tests without configuration: the built-in brand list only. */
export const DEFAULT_PHISHING_SETTINGS: PhishingSettings = { ownDomains: [], protectedDomains: DEFAULT_PROTECTED_DOMAINS, executives: [] };

export function phishingSettings(config: Config): PhishingSettings {
  return {
    ownDomains: config.domains.map((d) => d.name),
    protectedDomains: [...new Set([...(config.phishing.builtinProtectedDomains ? DEFAULT_PROTECTED_DOMAINS : []), ...config.phishing.protectedDomains])],
    executives: config.phishing.executives.map((e) => ({ name: e.name, addresses: e.addresses })),
  };
}

/** The settings prepared for matching. */
export interface CompiledPhishingSettings {
  /** Own and protected domains ("known"), split into registrable domain and label. */
  readonly known: readonly ProtectedDomain[];
  /** Registrable domains of `known`, for exact "is it the brand itself" tests. */
  readonly knownDomains: ReadonlySet<string>;
  /** Brand names a display name may claim (`paypal`, `docusign`), each with the labels that may use it. */
  readonly brands: readonly ProtectedDomain[];
  readonly executives: readonly Executive[];
}

const compiled = new WeakMap<PhishingSettings, CompiledPhishingSettings>();

export function compilePhishingSettings(settings: PhishingSettings): CompiledPhishingSettings {
  const cached = compiled.get(settings);
  if (cached !== undefined) return cached;
  const split = (domains: readonly string[]): ProtectedDomain[] =>
    domains.flatMap((d) => {
      const parts = registrableParts(d.toLowerCase());
      return parts === undefined ? [] : [protectedDomain(parts.domain, parts.label)];
    });
  const known = split([...settings.ownDomains, ...settings.protectedDomains]);
  const result: CompiledPhishingSettings = {
    known,
    knownDomains: new Set(known.map((k) => k.domain)),
    brands: split(settings.protectedDomains),
    executives: settings.executives.map((e) => ({ name: e.name, addresses: e.addresses.map((a) => a.toLowerCase()) })),
  };
  compiled.set(settings, result);
  return result;
}
