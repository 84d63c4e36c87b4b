/**
 * The clamav analyzer with a fake VirusScanner: every file in ctx.facts.files is sent (members
 * with their container chain), then the whole message; duplicates once; infected, unavailable
 * and too-large files become findings, and policy turns them into reject, tempfail, quarantine.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import type { AnalyzerContext, ScannedFile, VirusScanner } from '../../../src/scan/analyzer.js';
import { clamav } from '../../../src/scan/analyzers/clamav.js';
import { configSchema } from '../../../src/config/schema.js';
import { decide } from '../../../src/policy/decide.js';
import { contextFor, crlf, testEnvelope } from '../analyzer-context.js';

const policy = configSchema.parse({}).policy;

const MESSAGE = crlf(
  'From: a@example.org',
  'To: b@example.net',
  'Subject: files',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="b"',
  '',
  '--b',
  'Content-Type: text/plain',
  '',
  'see attached',
  '--b',
  'Content-Type: application/octet-stream; name="one.bin"',
  'Content-Disposition: attachment; filename="one.bin"',
  'Content-Transfer-Encoding: base64',
  '',
  Buffer.from('first file').toString('base64'),
  '--b',
  'Content-Type: application/octet-stream; name="two.bin"',
  'Content-Disposition: attachment; filename="two.bin"',
  '',
  'second file',
  '--b',
  'Content-Type: application/octet-stream; name="again.bin"',
  'Content-Disposition: attachment; filename="again.bin"',
  'Content-Transfer-Encoding: base64',
  '',
  Buffer.from('first file').toString('base64'),
  '--b--',
  '',
);

/** A fake scanner: records what it was sent; `verdict` decides the answer per content. */
function fakeScanner(
  verdict: (content: string) => 'clean' | 'down' | string,
  maxBytes = 1_000_000,
): VirusScanner & { readonly sent: string[] } {
  const sent: string[] = [];
  return {
    maxBytes,
    sent,
    scan(content: Uint8Array) {
      const text = Buffer.from(content).toString('latin1');
      sent.push(text);
      const answer = verdict(text);
      if (answer === 'down') return Promise.reject(new Error('clamd at tcp://127.0.0.1:1: connection failed (ECONNREFUSED)'));
      return Promise.resolve(answer === 'clean' ? { infected: false } : { infected: true, signature: answer });
    },
  };
}

function withScanner(scanner: VirusScanner, extraFiles: readonly ScannedFile[] = []): AnalyzerContext {
  const ctx = contextFor(MESSAGE);
  ctx.facts.files.push(...extraFiles);
  return { ...ctx, ports: { virusScanner: scanner } };
}

function member(name: string, container: string[], text: string): ScannedFile {
  const content = Buffer.from(text);
  return { name, container, content, sha256: createHash('sha256').update(content).digest('hex') };
}

describe('clamav analyzer', () => {
  it('does nothing without a configured scanner', async () => {
    assert.deepEqual(await clamav.analyze(contextFor(MESSAGE)), []);
  });

  it('sends each distinct file once, then the whole message, and reports nothing when all are clean', async () => {
    const scanner = fakeScanner(() => 'clean');
    const findings = await clamav.analyze(withScanner(scanner));
    assert.deepEqual(findings, []);
    assert.deepEqual(scanner.sent.slice(0, 2), ['first file', 'second file']);
    assert.equal(scanner.sent.length, 3);
    assert.match(scanner.sent[2] as string, /^From: a@example\.org/);
  });

  it('reports the signature and the file, and skips the whole-message pass once infected', async () => {
    const scanner = fakeScanner((text) => (text === 'second file' ? 'Portcullis.Test.Sig' : 'clean'));
    const findings = await clamav.analyze(withScanner(scanner));
    assert.deepEqual(findings.map((f) => f.id), ['CLAMAV_INFECTED']);
    assert.equal(findings[0]?.detail, 'Portcullis.Test.Sig in "two.bin"');
    assert.equal(scanner.sent.length, 2);
    assert.equal(decide(findings, testEnvelope, policy).action, 'reject');
  });

  it('scans archive members appended by earlier analyzers and names their container chain', async () => {
    const scanner = fakeScanner((text) => (text === 'payload' ? 'Member.Sig' : 'clean'));
    const findings = await clamav.analyze(withScanner(scanner, [member('run.exe', ['invoice.zip', 'inner.tar'], 'payload')]));
    assert.deepEqual(findings.map((f) => f.detail), ['Member.Sig in "invoice.zip" > "inner.tar" > "run.exe"']);
  });

  it('finds what only the whole-message reading shows', async () => {
    const scanner = fakeScanner((text) => (text.startsWith('From:') ? 'Mail.Sig' : 'clean'));
    const findings = await clamav.analyze(withScanner(scanner));
    assert.equal(findings.length, 1);
    assert.match(findings[0]?.detail ?? '', /^Mail\.Sig in the whole message/);
  });

  it('fails closed: an unreachable scanner gives CLAMAV_UNAVAILABLE, stops, and policy tempfails', async () => {
    const scanner = fakeScanner(() => 'down');
    const findings = await clamav.analyze(withScanner(scanner));
    assert.deepEqual(findings.map((f) => f.id), ['CLAMAV_UNAVAILABLE']);
    assert.match(findings[0]?.detail ?? '', /"one\.bin": clamd at .*ECONNREFUSED/);
    assert.equal(scanner.sent.length, 1);
    const verdict = decide(findings, testEnvelope, policy);
    assert.equal(verdict.action, 'tempfail');
    assert.equal(verdict.rule, 'default:scan-unfinished');
  });

  it('does not send a file over maxBytes: CLAMAV_SKIPPED_SIZE, quarantined, the rest still scanned', async () => {
    const big = member('big.iso', [], 'x'.repeat(5000));
    const scanner = fakeScanner(() => 'clean', 4000);
    const findings = await clamav.analyze(withScanner(scanner, [big]));
    assert.deepEqual(findings.map((f) => f.id), ['CLAMAV_SKIPPED_SIZE']);
    assert.match(findings[0]?.detail ?? '', /"big\.iso": 5000 bytes, over the 4000-byte limit/);
    assert.ok(scanner.sent.every((text) => text.length <= 4000));
    assert.deepEqual(scanner.sent.slice(0, 2), ['first file', 'second file']);
    assert.equal(decide(findings, testEnvelope, policy).action, 'quarantine');
  });

  it('shows hidden characters of a file name instead of passing them to the admin', async () => {
    const scanner = fakeScanner((text) => (text === 'rlo' ? 'Rlo.Sig' : 'clean'));
    const findings = await clamav.analyze(withScanner(scanner, [member('inv\u202eexe.pdf', [], 'rlo')]));
    assert.equal(findings[0]?.detail, 'Rlo.Sig in "inv\\u{202e}exe.pdf"');
  });

  it('passes the job\'s signal to the scanner', async () => {
    let seen: AbortSignal | undefined;
    const scanner: VirusScanner = { maxBytes: 100, scan: (_c, signal) => ((seen = signal), Promise.resolve({ infected: false })) };
    const ctx = withScanner(scanner);
    await clamav.analyze(ctx);
    assert.equal(seen, ctx.signal);
  });
});
