import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../../../src/core/snapshot-file.js';
import {
  MAX_KNOWN_CORRESPONDENTS,
  compileKnownCorrespondents,
  findCorrespondentLookalike,
  knownCorrespondentsPath,
  knownCorrespondentsReader,
  parseKnownCorrespondents,
  serializeKnownCorrespondents,
} from '../../../src/scan/url/known-correspondents.js';
import { findLookalike, protectedDomain } from '../../../src/scan/url/lookalike.js';
import { registrableParts } from '../../../src/scan/url/parse-url.js';

test('a snapshot round-trips; malformed or oversized ones are refused with a reason', () => {
  const known = parseKnownCorrespondents(serializeKnownCorrespondents(['partner-corp.example', 'Mail.Globex.com']));
  assert.deepEqual([...known.domains].sort(), ['globex.com', 'partner-corp.example']);
  assert.throws(() => parseKnownCorrespondents('{"format":"other","domains":[]}'), /not a portcullis-known-correspondents/);
  assert.throws(() => parseKnownCorrespondents('{"format":"portcullis-known-correspondents/1","domains":[1]}'), /domain 0/);
  const tooMany = Array.from({ length: MAX_KNOWN_CORRESPONDENTS + 1 }, (_, i) => `d${i}.example`);
  assert.throws(() => parseKnownCorrespondents(serializeKnownCorrespondents(tooMany)), /more than 10000/);
});

test('the sandbox reader sees no list, then the written one; a bad file is none with an error', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-known-'));
  try {
    const path = knownCorrespondentsPath(dir);
    const reader = knownCorrespondentsReader(path);
    assert.equal(reader.current(0), undefined);
    writeFileAtomic(path, serializeKnownCorrespondents(['partner-corp.example']));
    assert.deepEqual(readdirSync(join(dir, 'seen-senders')), ['known.json'], 'no temporary file is left');
    assert.ok(reader.current(2000)?.domains.has('partner-corp.example'));
    writeFileSync(path, '{');
    assert.equal(reader.current(4000), undefined);
    assert.match(reader.error ?? '', /known correspondents snapshot/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A deterministic pseudo-random label of 4 to 14 letters, with hyphens now and then. */
function label(seed: number): string {
  let x = seed * 2654435761 >>> 0;
  const length = 4 + (x % 11);
  let out = '';
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out += i > 2 && i < length - 2 && x % 13 === 0 ? '-' : String.fromCharCode(97 + ((x >>> 8) % 26));
  }
  return out;
}

test('the indexed search finds what findLookalike over the whole list finds, at a bounded cost', () => {
  const domains = Array.from({ length: MAX_KNOWN_CORRESPONDENTS }, (_, i) => `${label(i)}.${['com', 'example', 'co.uk', 'de'][i % 4]}`);
  const known = compileKnownCorrespondents(domains);
  const all = [...known.domains].map((d) => {
    const parts = registrableParts(d)!;
    return protectedDomain(parts.domain, parts.label);
  });
  // Senders: edits, homoglyphs and tokens of known labels, and unrelated names.
  const senders = Array.from({ length: 1000 }, (_, i) => {
    const base = label(i * 7);
    const variant = [base, `${base.slice(0, -1)}x`, base.replace(/o/g, '0').replace(/l/g, '1'), `${base}-billing`, label(100_000 + i)][i % 5]!;
    return `${variant}.net`;
  });
  let hits = 0;
  const started = performance.now();
  for (const sender of senders) {
    const parts = registrableParts(sender)!;
    const indexed = findCorrespondentLookalike(parts.domain, parts.label, known);
    const full = findLookalike(parts.domain, parts.label, all);
    assert.equal(indexed === undefined, full === undefined, sender);
    if (indexed !== undefined) hits++;
  }
  const perSenderMs = (performance.now() - started) / senders.length;
  assert.ok(hits > 100, `the senders include look-alikes (${hits} found)`);
  // Both searches together; the indexed one alone is a fraction of it.
  assert.ok(perSenderMs < 20, `${perSenderMs.toFixed(2)} ms per sender`);
});
