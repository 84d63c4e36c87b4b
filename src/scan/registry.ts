/**
 * The analyzer registry: the one explicit list of built-in analyzers, ordered by `dependsOn`
 * (as Rspamd orders symbols by register_dependency, not by file order). Adding an analyzer is
 * one file and one line in BUILTIN_ANALYZERS. Extra analyzers (tests, the programmatic API) are
 * appended; `scan.disabledAnalyzers` from the config removes names.
 *
 * Fails loudly at start-up (PORTCULLIS_ERR_ANALYZERS, naming the analyzers): a repeated name, a
 * dependency cycle, a dependency that is missing or disabled, or a disabled name that does not
 * exist (a typo must not leave an analyzer silently on).
 */
import type { Analyzer } from './analyzer.js';
import { PortcullisError } from '../core/errors.js';
import { gtube } from './analyzers/gtube.js';
import { headerSanity } from './analyzers/header-sanity.js';
import { sizeLimits } from './analyzers/size-limits.js';
import { archiveContents } from './analyzers/archive-contents.js';
import { clamav } from './analyzers/clamav.js';
import { hashBlocklist } from './analyzers/hash-blocklist.js';
import { fileTypes } from './analyzers/file-types.js';
import { officeMacros } from './analyzers/office-macros.js';
import { pdfContent } from './analyzers/pdf-content.js';
import { htmlContent } from './analyzers/html-content.js';
import { urls } from './analyzers/urls.js';
import { phishingLinks } from './analyzers/phishing-links.js';
import { impersonation } from './analyzers/impersonation.js';
import { bayes } from './analyzers/bayes.js';
import { spamHeuristics } from './analyzers/spam-heuristics.js';
import { senderAuth } from './analyzers/sender-auth.js';
import { urlBlocklist } from './analyzers/url-blocklist.js';

export const BUILTIN_ANALYZERS: readonly Analyzer[] = [headerSanity, gtube, sizeLimits, archiveContents, officeMacros, pdfContent, htmlContent, urls, phishingLinks, impersonation, fileTypes, clamav, hashBlocklist, bayes, spamHeuristics, senderAuth, urlBlocklist];

export interface AnalyzerListOptions {
  /** Analyzers appended after the built-in ones (loaded from `analyzerModules` in a sandbox). */
  readonly extra?: readonly Analyzer[];
  /** Names to remove (config `scan.disabledAnalyzers`). */
  readonly disabled?: readonly string[];
}

export function buildAnalyzerList(options: AnalyzerListOptions = {}): readonly Analyzer[] {
  return orderAnalyzers([...BUILTIN_ANALYZERS, ...(options.extra ?? [])], options.disabled ?? []);
}

/**
 * Removes the disabled analyzers and orders the rest so that every analyzer runs after those it
 * depends on; among analyzers free to run, list order is kept, so the order is deterministic.
 */
export function orderAnalyzers(analyzers: readonly Analyzer[], disabled: readonly string[] = []): readonly Analyzer[] {
  const byName = new Map<string, Analyzer>();
  for (const a of analyzers) {
    if (byName.has(a.name)) throw new PortcullisError('PORTCULLIS_ERR_ANALYZERS', `analyzer ${a.name} is registered twice`);
    byName.set(a.name, a);
  }
  const unknown = disabled.filter((name) => !byName.has(name));
  if (unknown.length > 0) {
    throw new PortcullisError('PORTCULLIS_ERR_ANALYZERS', `scan.disabledAnalyzers names unknown analyzers: ${unknown.join(', ')}`);
  }
  const off = new Set(disabled);
  const enabled = analyzers.filter((a) => !off.has(a.name));
  for (const a of enabled) {
    const missing = a.dependsOn.filter((dep) => !byName.has(dep) || off.has(dep));
    if (missing.length > 0) {
      throw new PortcullisError('PORTCULLIS_ERR_ANALYZERS', `analyzer ${a.name} depends on ${missing.join(', ')}, which is missing or disabled`);
    }
  }

  const ordered: Analyzer[] = [];
  const done = new Set<string>();
  let pending = enabled;
  while (pending.length > 0) {
    const ready = pending.find((a) => a.dependsOn.every((dep) => done.has(dep)));
    if (!ready) {
      throw new PortcullisError('PORTCULLIS_ERR_ANALYZERS', `analyzer dependency cycle among: ${pending.map((a) => a.name).join(', ')}`);
    }
    ordered.push(ready);
    done.add(ready.name);
    pending = pending.filter((a) => a !== ready);
  }
  return ordered;
}
