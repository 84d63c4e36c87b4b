/**
 * Known correspondents: the registrable domains that have sent the organisation accepted mail
 * often enough to count as known (store/seen-senders.ts decides which and writes them), as the
 * sandboxes see them, for FIRST_CONTACT_LOOKALIKE (scan/analyzers/impersonation.ts).
 *
 * The main process writes the list as a snapshot file (core/snapshot-file.ts) whenever it
 * changes; each sandbox re-reads it when the file changes, so an analyzer never queries anything
 * and a message costs at most one stat(). Format: JSON
 * `{"format":"portcullis-known-correspondents/1","domains":["partner.example",...]}`, at most
 * MAX_KNOWN_CORRESPONDENTS lower-case registrable domains.
 *
 * Trusts the file's writer (the main process) for what is known; still checks the shape and the
 * bound, since a malformed or oversized list must not cost a sandbox its memory. Contract:
 * findCorrespondentLookalike() is pure, finds what findLookalike() over the whole list finds,
 * and compares with the few known domains that share a piece of the sender's skeleton only.
 */
import { join } from 'node:path';
import { SnapshotReader } from '../../core/snapshot-file.js';
import { editBound, findLookalike, protectedDomain, skeleton, type Lookalike, type ProtectedDomain } from './lookalike.js';
import { registrableParts } from './parse-url.js';

export const KNOWN_CORRESPONDENTS_FORMAT = 'portcullis-known-correspondents/1';
/** Most domains in the snapshot: each sandbox holds the list and its index in memory. The store keeps the most recently seen. */
export const MAX_KNOWN_CORRESPONDENTS = 10_000;
/** Longest domain name (RFC 1035). */
const MAX_DOMAIN_CHARS = 253;

/** Where the snapshot of a data directory lives. */
export function knownCorrespondentsPath(dataDir: string): string {
  return join(dataDir, 'seen-senders', 'known.json');
}

export function serializeKnownCorrespondents(domains: readonly string[]): string {
  return JSON.stringify({ format: KNOWN_CORRESPONDENTS_FORMAT, domains });
}

/** The known correspondents, prepared for matching. */
export interface KnownCorrespondents {
  /** Registrable domains, lower case. */
  readonly domains: ReadonlySet<string>;
  /**
   * The same, split, indexed by the pieces of their label's skeleton: a skeleton `k` edits away
   * from a known one still contains one of its k + 1 pieces unchanged (pigeonhole), so those
   * pieces find every candidate for an edit or a homoglyph without comparing with all of them.
   */
  readonly byPiece: ReadonlyMap<string, readonly ProtectedDomain[]>;
  /** The lengths of the pieces in byPiece: the substrings of a sender's skeleton worth looking up. */
  readonly pieceLengths: readonly number[];
  /** The same, by registrable label (`partner-corp`) and by skeleton: the brand-token and same-label checks. */
  readonly byLabel: ReadonlyMap<string, readonly ProtectedDomain[]>;
  readonly byShape: ReadonlyMap<string, readonly ProtectedDomain[]>;
}

function push<K>(map: Map<K, ProtectedDomain[]>, key: K, value: ProtectedDomain): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

/** `shape` cut into `count` contiguous pieces of near-equal length. */
function pieces(shape: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => shape.slice(Math.floor((i * shape.length) / count), Math.floor(((i + 1) * shape.length) / count)));
}

export function compileKnownCorrespondents(domains: readonly string[]): KnownCorrespondents {
  const byPiece = new Map<string, ProtectedDomain[]>();
  const byLabel = new Map<string, ProtectedDomain[]>();
  const byShape = new Map<string, ProtectedDomain[]>();
  const set = new Set<string>();
  for (const d of domains) {
    const parts = registrableParts(d.toLowerCase());
    if (parts === undefined || set.has(parts.domain)) continue;
    set.add(parts.domain);
    const p = protectedDomain(parts.domain, parts.label);
    for (const piece of new Set(pieces(p.shape, editBound(p.label) + 1))) push(byPiece, piece, p);
    push(byLabel, p.label, p);
    push(byShape, p.shape, p);
  }
  const pieceLengths = [...new Set([...byPiece.keys()].map((k) => k.length))].sort((x, y) => x - y);
  return { domains: set, byPiece, pieceLengths, byLabel, byShape };
}

/** Parses a snapshot; throws an Error naming what is wrong. */
export function parseKnownCorrespondents(text: string): KnownCorrespondents {
  const value = JSON.parse(text) as Record<string, unknown>;
  if (typeof value !== 'object' || value === null || value.format !== KNOWN_CORRESPONDENTS_FORMAT) throw new Error(`not a ${KNOWN_CORRESPONDENTS_FORMAT} snapshot`);
  const domains = value.domains;
  if (!Array.isArray(domains)) throw new Error('domains is not a list');
  if (domains.length > MAX_KNOWN_CORRESPONDENTS) throw new Error(`${domains.length} domains, more than ${MAX_KNOWN_CORRESPONDENTS}`);
  for (const [index, d] of (domains as unknown[]).entries()) {
    if (typeof d !== 'string' || d.length === 0 || d.length > MAX_DOMAIN_CHARS) throw new Error(`domain ${index} is malformed`);
  }
  return compileKnownCorrespondents(domains as string[]);
}

/** The known correspondents as a sandbox sees them; absent or unreadable: none known. */
export interface KnownCorrespondentsSource {
  current(now?: number): KnownCorrespondents | undefined;
  /** Why the last read failed, when it did. */
  readonly error?: string;
}

export function knownCorrespondentsReader(path: string): KnownCorrespondentsSource {
  return new SnapshotReader(path, parseKnownCorrespondents, 'known correspondents snapshot');
}

/**
 * Which known correspondent, if any, the registrable domain `domain` (label `label`) imitates,
 * by the look-alike rules of lookalike.ts. Only the candidates that could match are compared:
 * those sharing a skeleton piece with it (edits, homoglyphs), and the known labels and shapes
 * equal to one of its hyphenated tokens (`partner-corp-billing`) or to the label itself (so the
 * same label under another suffix stays "itself" for findLookalike, as for brands).
 */
export function findCorrespondentLookalike(domain: string, label: string, known: KnownCorrespondents): Lookalike | undefined {
  const cut = label.toLowerCase();
  const shape = skeleton(cut);
  const candidates = new Set<ProtectedDomain>(known.byLabel.get(cut));
  for (const length of known.pieceLengths) {
    for (let at = 0; at + length <= shape.length; at++) for (const p of known.byPiece.get(shape.slice(at, at + length)) ?? []) candidates.add(p);
  }
  for (const token of cut.split(/[-_]/)) for (const p of [...(known.byLabel.get(token) ?? []), ...(known.byShape.get(skeleton(token)) ?? [])]) candidates.add(p);
  return candidates.size === 0 ? undefined : findLookalike(domain, label, [...candidates]);
}
