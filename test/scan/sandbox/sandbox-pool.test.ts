/**
 * The sandbox pool against real sandbox processes: the watchdog on time and memory (the message
 * fails closed with SCAN_LIMIT_*, the process is replaced, the other sandbox keeps serving),
 * the permission model (no file write, no process), FIFO queueing and SCAN_OVERLOADED; tokenize
 * jobs (the Bayes tokens of a message, as the in-process tokenizer makes them; a file the
 * sandbox may not read is an error, never an empty token list).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Envelope } from '../../../src/core/envelope.js';
import { isPortcullisError } from '../../../src/core/errors.js';
import { parseMessage } from '../../../src/mime/parse-message.js';
import { sandboxRestarts } from '../../../src/observe/metrics.js';
import { GTUBE } from '../../../src/scan/analyzers/gtube.js';
import { tokenizeMessage } from '../../../src/scan/bayes/tokenize-message.js';
import { SandboxPool, type SandboxResult } from '../../../src/scan/sandbox/sandbox-pool.js';
import { sandboxArguments } from '../../../src/scan/sandbox/spawn-sandbox.js';
import { testEnvelope } from '../analyzer-context.js';

const fixture = (name: string): string => fileURLToPath(new URL(`../../fixtures/scan/${name}`, import.meta.url));

const envelope: Envelope = { ...testEnvelope, receivedAt: Date.now() };

function message(subject: string, body = 'Hello.'): string {
  return `From: Alice <alice@example.org>\r\nTo: bob@example.net\r\nDate: Mon, 3 Mar 2025 10:00:00 +0000\r\nMessage-ID: <${Math.random()}@example.org>\r\nSubject: ${subject}\r\n\r\n${body}\r\n`;
}

async function restartsCounted(reason: string): Promise<number> {
  const metric = await sandboxRestarts.get();
  return metric.values.find((v) => v.labels.reason === reason)?.value ?? 0;
}

function ids(result: SandboxResult): string[] {
  return result.kind === 'ok' ? result.findings.map((f) => f.id) : [result.finding.id];
}

let dir: string;
const write = (name: string, content: string): string => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'portcullis-sandbox-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('sandbox arguments', () => {
  test('the permission model is on and grants no write, process or worker', () => {
    const args = sandboxArguments({
      heapMb: 64,
      readablePaths: ['/var/spool/portcullis'],
      worker: { analyzerModules: [], disabledAnalyzers: [], timeoutMs: 1000, heartbeatMs: 100 },
    });
    assert.ok(args.includes('--experimental-permission'));
    assert.ok(args.includes('--allow-fs-read=/var/spool/portcullis'));
    assert.ok(args.includes('--max-old-space-size=64'));
    assert.ok(!args.some((a) => /^--allow-(fs-write|child-process|worker|addons|wasi)/.test(a)), args.join(' '));
    assert.ok(args.some((a) => a.endsWith('/sandbox-worker.js')));
  });

  test('relative readable paths are refused', () => {
    assert.throws(() =>
      sandboxArguments({ heapMb: 64, readablePaths: ['spool'], worker: { analyzerModules: [], disabledAnalyzers: [], timeoutMs: 1000, heartbeatMs: 100 } }),
    );
  });
});

describe('sandbox pool', () => {
  test('a clean message is scanned in a sandbox', async () => {
    const pool = new SandboxPool({ size: 1, heapMb: 64, maxRssMb: 256, timeoutMs: 5000, queueTimeoutMs: 5000, readablePaths: [dir] });
    try {
      await pool.start();
      const result = await pool.scan({ path: write('clean.eml', message('Hello there')), envelope });
      assert.equal(result.kind, 'ok', JSON.stringify(result));
      // No model is trained in this data-less pool, which the classifier reports as a fact.
      assert.deepEqual(ids(result).filter((id) => id !== 'BAYES_UNTRAINED'), []);
      assert.equal(result.kind === 'ok' && result.summary.subject, 'Hello there');
    } finally {
      await pool.close();
    }
  });

  test('SIGINT, SIGTERM and SIGHUP sent to the process group do not end a sandbox: only the gateway does', async () => {
    const pool = new SandboxPool({ size: 1, heapMb: 64, maxRssMb: 256, timeoutMs: 5000, queueTimeoutMs: 5000, readablePaths: [dir] });
    try {
      await pool.start();
      const [pid] = pool.pids;
      assert.ok(pid !== undefined);
      for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.kill(pid, signal);
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(pool.pids, [pid], 'the sandbox was replaced');
      assert.equal(pool.restarts, 0);
      const result = await pool.scan({ path: write('after-signals.eml', message(`Test ${GTUBE}`)), envelope });
      assert.ok(ids(result).includes('SPAM_GTUBE'), ids(result).join(', '));
    } finally {
      await pool.close();
    }
  });

  test('a message after a larger one in the same sandbox is read alone (the read buffer is reused)', async () => {
    const pool = new SandboxPool({ size: 1, heapMb: 64, maxRssMb: 256, timeoutMs: 5000, queueTimeoutMs: 5000, readablePaths: [dir] });
    try {
      await pool.start();
      // GTUBE far past the end of the small message: stale bytes read as part of it would show it.
      const large = await pool.scan({ path: write('large-first.eml', message('large', `${'filler line\r\n'.repeat(120_000)}${GTUBE}`)), envelope });
      assert.ok(ids(large).includes('SPAM_GTUBE'), JSON.stringify(ids(large)));
      // Large enough to borrow the kept buffer too, shorter than the first.
      const medium = await pool.scan({ path: write('medium-after.eml', message('medium', 'other line\r\n'.repeat(100_000))), envelope });
      const small = await pool.scan({ path: write('small-after.eml', message('small')), envelope });
      for (const [result, subject] of [[medium, 'medium'], [small, 'small']] as const) {
        assert.equal(result.kind, 'ok');
        assert.ok(!ids(result).includes('SPAM_GTUBE'), JSON.stringify(ids(result)));
        assert.equal(result.kind === 'ok' && result.summary.subject, subject);
      }
    } finally {
      await pool.close();
    }
  });

  test('a looping analyzer: SCAN_LIMIT_TIME, the sandbox is replaced, the other one serves meanwhile', async () => {
    const pool = new SandboxPool({
      size: 2, heapMb: 64, maxRssMb: 256, timeoutMs: 1500, queueTimeoutMs: 5000, readablePaths: [dir],
      analyzerModules: [fixture('loop-forever-analyzer.js')],
    });
    try {
      await pool.start();
      const pidsBefore = [...pool.pids];
      const countedBefore = await restartsCounted('time');
      const looping = pool.scan({ path: write('loop.eml', message('LOOP-FOREVER please')), envelope });
      // While one sandbox spins, the other must keep serving: several normal scans finish first.
      const started = Date.now();
      for (let i = 0; i < 3; i++) {
        const normal = await pool.scan({ path: write(`normal-${i}.eml`, message(`normal ${i}`)), envelope });
        assert.equal(normal.kind, 'ok');
      }
      assert.ok(Date.now() - started < 1500, 'normal scans were not held up by the looping one');
      const result = await looping;
      assert.equal(result.kind, 'failed');
      assert.deepEqual(ids(result), ['SCAN_LIMIT_TIME']);
      assert.equal(pool.restarts, 1);
      assert.equal((await restartsCounted('time')) - countedBefore, 1);
      const pidsAfter = pool.pids;
      assert.equal(pidsAfter.length, 2);
      assert.equal(pidsAfter.filter((p) => !pidsBefore.includes(p)).length, 1, 'one new process replaced the killed one');
      // The replacement works.
      const again = await pool.scan({ path: write('after.eml', message('after the loop')), envelope });
      assert.equal(again.kind, 'ok');
    } finally {
      await pool.close();
    }
  });

  test('an analyzer allocating without bound: SCAN_LIMIT_MEMORY and a replacement', async () => {
    const pool = new SandboxPool({
      size: 2, heapMb: 512, maxRssMb: 128, timeoutMs: 10_000, queueTimeoutMs: 5000, readablePaths: [dir],
      analyzerModules: [fixture('unbounded-memory-analyzer.js')],
    });
    try {
      await pool.start();
      const pidsBefore = [...pool.pids];
      const hog = pool.scan({ path: write('hog.eml', message('ALLOCATE-FOREVER now')), envelope });
      const normal = await pool.scan({ path: write('normal.eml', message('normal')), envelope });
      assert.equal(normal.kind, 'ok');
      const result = await hog;
      assert.deepEqual(ids(result), ['SCAN_LIMIT_MEMORY'], JSON.stringify(result));
      assert.equal(pool.restarts, 1);
      await waitFor(() => pool.pids.length === 2);
      assert.equal(pool.pids.filter((p) => !pidsBefore.includes(p)).length, 1);
    } finally {
      await pool.close();
    }
  });

  test('the heap cap ends a sandbox with SCAN_LIMIT_MEMORY too', async () => {
    const pool = new SandboxPool({
      size: 1, heapMb: 48, maxRssMb: 4096, timeoutMs: 10_000, queueTimeoutMs: 5000, readablePaths: [dir],
      analyzerModules: [fixture('unbounded-memory-analyzer.js')],
    });
    try {
      await pool.start();
      const result = await pool.scan({ path: write('hog-heap.eml', message('ALLOCATE-FOREVER heap')), envelope });
      assert.deepEqual(ids(result), ['SCAN_LIMIT_MEMORY'], JSON.stringify(result));
      await waitFor(() => pool.pids.length === 1);
      const again = await pool.scan({ path: write('after-heap.eml', message('after')), envelope });
      assert.equal(again.kind, 'ok');
    } finally {
      await pool.close();
    }
  });

  test('a sandbox cannot write a file or start a process', async () => {
    const name = `portcullis-escape-${process.pid}-${Date.now()}`;
    const target = join(tmpdir(), name);
    const pool = new SandboxPool({
      size: 1, heapMb: 64, maxRssMb: 256, timeoutMs: 5000, queueTimeoutMs: 5000, readablePaths: [dir],
      analyzerModules: [fixture('escape-attempt-analyzer.js')],
    });
    try {
      await pool.start();
      const result = await pool.scan({ path: write('escape.eml', message(`ESCAPE-ATTEMPT:${name}`)), envelope });
      assert.equal(result.kind, 'ok');
      const detail = (id: string): string | undefined => (result.kind === 'ok' ? result.findings.find((f) => f.id === id)?.detail : undefined);
      assert.equal(detail('TEST_WRITE_RESULT'), 'ERR_ACCESS_DENIED');
      assert.equal(detail('TEST_SPAWN_RESULT'), 'ERR_ACCESS_DENIED');
      assert.equal(existsSync(target), false);
    } finally {
      rmSync(target, { force: true });
      await pool.close();
    }
  });

  test('a file outside the readable paths cannot be read: the scan fails closed', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'portcullis-outside-'));
    const pool = new SandboxPool({ size: 1, heapMb: 64, maxRssMb: 256, timeoutMs: 5000, queueTimeoutMs: 5000, readablePaths: [dir] });
    try {
      const path = join(outside, 'secret.eml');
      writeFileSync(path, message('secret'));
      await pool.start();
      const result = await pool.scan({ path, envelope });
      assert.deepEqual(ids(result), ['SCAN_INPUT_UNREADABLE']);
      assert.match(result.kind === 'ok' ? (result.findings[0]?.detail ?? '') : '', /ERR_ACCESS_DENIED/);
    } finally {
      rmSync(outside, { recursive: true, force: true });
      await pool.close();
    }
  });

  test('jobs wait in FIFO order for a free sandbox', async () => {
    const pool = new SandboxPool({ size: 1, heapMb: 64, maxRssMb: 256, timeoutMs: 5000, queueTimeoutMs: 5000, readablePaths: [dir] });
    try {
      await pool.start();
      const order: number[] = [];
      await Promise.all(
        [0, 1, 2, 3].map((i) => pool.scan({ path: write(`fifo-${i}.eml`, message(`fifo ${i}`)), envelope }).then(() => order.push(i))),
      );
      assert.deepEqual(order, [0, 1, 2, 3]);
    } finally {
      await pool.close();
    }
  });

  test('jobs queue when all sandboxes are busy, and time out as SCAN_OVERLOADED', async () => {
    const pool = new SandboxPool({
      size: 1, heapMb: 64, maxRssMb: 256, timeoutMs: 1500, queueTimeoutMs: 300, readablePaths: [dir],
      analyzerModules: [fixture('loop-forever-analyzer.js')],
    });
    try {
      await pool.start();
      const looping = pool.scan({ path: write('loop2.eml', message('LOOP-FOREVER')), envelope });
      const waiting = pool.scan({ path: write('wait.eml', message('waiting')), envelope });
      assert.equal(pool.busy, 1);
      assert.equal(pool.queued, 1);
      assert.deepEqual(ids(await waiting), ['SCAN_OVERLOADED']);
      assert.equal(pool.queued, 0);
      assert.deepEqual(ids(await looping), ['SCAN_LIMIT_TIME']);
    } finally {
      await pool.close();
    }
  });

  test('an extra analyzer module that cannot be loaded stops start-up with the reason', async () => {
    const pool = new SandboxPool({
      size: 1, heapMb: 64, maxRssMb: 256, timeoutMs: 1000, queueTimeoutMs: 1000, readablePaths: [dir],
      analyzerModules: [fixture('clean.eml.does-not-exist.js')],
    });
    await assert.rejects(pool.start(), /sandbox could not start/);
    await pool.close();
  });
});

describe('sandbox pool: tokenize jobs', () => {
  test('the tokens of a message match the in-process tokenizer; an mbox From line is skipped by offset', async () => {
    const pool = new SandboxPool({ size: 1, heapMb: 64, maxRssMb: 256, timeoutMs: 5000, queueTimeoutMs: 5000, readablePaths: [dir] });
    try {
      await pool.start();
      const text = message('Cheap WATCHES today', 'Visit https://shop.example.com/deals/now for <b>offers</b>.');
      const path = write('tokenize.eml', text);
      const expected = [...tokenizeMessage(parseMessage(readFileSync(path)).message)].sort();
      assert.ok(expected.includes('subject:watches') && expected.includes('url:shop.example.com'), expected.join(' '));
      assert.deepEqual([...(await pool.tokenize({ path }))].sort(), expected);
      const fromLine = 'From alice@example.org Mon Mar  3 10:00:00 2025\n';
      const mbox = write('tokenize.mbox', fromLine + text);
      assert.deepEqual([...(await pool.tokenize({ path: mbox, offset: Buffer.byteLength(fromLine) }))].sort(), expected);
      // A spool file: the body, then its record; `length` keeps the tokenizer to the body.
      const spoolFile = write('tokenize.msg', `${text}{"record":"zzqqxxjunk"}`);
      assert.deepEqual([...(await pool.tokenize({ path: spoolFile, length: Buffer.byteLength(text) }))].sort(), expected);
    } finally {
      await pool.close();
    }
  });

  test('a file outside the readable paths, or missing, rejects with SCAN_INPUT_UNREADABLE; the sandbox keeps serving', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'portcullis-sandbox-outside-'));
    const pool = new SandboxPool({ size: 1, heapMb: 64, maxRssMb: 256, timeoutMs: 5000, queueTimeoutMs: 5000, readablePaths: [dir] });
    try {
      await pool.start();
      const secret = join(outside, 'secret.eml');
      writeFileSync(secret, message('not yours'));
      const unreadable = (err: unknown): boolean => isPortcullisError(err, 'PORTCULLIS_ERR_SANDBOX') && /SCAN_INPUT_UNREADABLE.*ERR_ACCESS_DENIED/.test(err.message);
      await assert.rejects(pool.tokenize({ path: secret }), unreadable);
      await assert.rejects(pool.tokenize({ path: join(dir, 'missing.eml') }), (err) => isPortcullisError(err, 'PORTCULLIS_ERR_SANDBOX') && /ENOENT/.test(err.message));
      assert.equal(pool.restarts, 0);
      assert.ok((await pool.tokenize({ path: write('after.eml', message('still here')) })).includes('subject:still'));
      const scanned = await pool.scan({ path: write('scan-after.eml', message('scan after tokenize')), envelope });
      assert.equal(scanned.kind, 'ok');
    } finally {
      await pool.close();
      rmSync(outside, { recursive: true, force: true });
    }
  });

  test('a snapshot folder that did not exist before start is created, so files written there later are readable', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'portcullis-sandbox-snapshots-'));
    const bayesFolder = join(dataDir, 'bayes');
    const pool = new SandboxPool({ size: 1, heapMb: 64, maxRssMb: 256, timeoutMs: 5000, queueTimeoutMs: 5000, readablePaths: [dir], ports: { bayesModel: join(bayesFolder, 'model.json') } });
    try {
      await pool.start();
      // Written after the sandbox started, as a first `portcullis train` on a running gateway would.
      const later = join(bayesFolder, 'later.eml');
      writeFileSync(later, message('written later'));
      assert.ok((await pool.tokenize({ path: later })).includes('subject:later'));
    } finally {
      await pool.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('a tokenize job on a closed pool rejects', async () => {
    const pool = new SandboxPool({ size: 1, heapMb: 64, maxRssMb: 256, timeoutMs: 5000, queueTimeoutMs: 5000, readablePaths: [dir] });
    await pool.close();
    await assert.rejects(pool.tokenize({ path: write('closed.eml', message('closed')) }), /SCAN_OVERLOADED/);
  });
});

describe('sandbox pool: several jobs per sandbox', () => {
  const slow = fileURLToPath(new URL('../../fixtures/smtp/slow-analyzer.js', import.meta.url));

  test('jobs that wait overlap in one sandbox instead of queueing', async () => {
    const pool = new SandboxPool({
      size: 1, jobsPerSandbox: 3, heapMb: 64, maxRssMb: 256, timeoutMs: 10_000, queueTimeoutMs: 10_000, readablePaths: [dir],
      analyzerModules: [slow],
    });
    try {
      await pool.start();
      const started = Date.now();
      // Each waits 1.5 s in the slow analyzer: one after another they would take 4.5 s.
      const results = await Promise.all([1, 2, 3].map((i) => pool.scan({ path: write(`slow-${i}.eml`, message(`SLOW-SCAN ${i}`)), envelope })));
      const elapsed = Date.now() - started;
      for (const result of results) assert.equal(result.kind, 'ok', JSON.stringify(result));
      assert.deepEqual(results.map((r) => r.kind === 'ok' && r.summary.subject), ['SLOW-SCAN 1', 'SLOW-SCAN 2', 'SLOW-SCAN 3']);
      assert.ok(elapsed < 4000, `three waiting jobs took ${elapsed} ms: they did not overlap`);
    } finally {
      await pool.close();
    }
  });

  test('a looping job takes the sandbox and the jobs beside it down: SCAN_LIMIT_TIME and SCAN_SANDBOX_CRASH (tempfail), never clean', async () => {
    const pool = new SandboxPool({
      size: 1, jobsPerSandbox: 2, heapMb: 64, maxRssMb: 256, timeoutMs: 2000, queueTimeoutMs: 10_000, readablePaths: [dir],
      analyzerModules: [fixture('loop-forever-analyzer.js'), slow],
    });
    try {
      await pool.start();
      const beside = pool.scan({ path: write('beside.eml', message('SLOW-SCAN beside')), envelope });
      const looping = pool.scan({ path: write('looping.eml', message('LOOP-FOREVER')), envelope });
      // A loop blocks the whole process, so the job whose deadline passes first is named; the
      // pool cannot tell which job spins. Both fail closed.
      const outcomes = [...ids(await looping), ...ids(await beside)].sort();
      assert.deepEqual(outcomes, ['SCAN_LIMIT_TIME', 'SCAN_SANDBOX_CRASH']);
      const after = await pool.scan({ path: write('after.eml', message('after')), envelope });
      assert.equal(after.kind, 'ok', 'the replacement serves');
    } finally {
      await pool.close();
    }
  });

  test('two large messages at once in one sandbox each keep their own bytes (the kept read buffer is lent to one)', async () => {
    const pool = new SandboxPool({
      size: 1, jobsPerSandbox: 2, heapMb: 64, maxRssMb: 256, timeoutMs: 10_000, queueTimeoutMs: 10_000, readablePaths: [dir],
      analyzerModules: [fixture('hold-raw-analyzer.js')],
    });
    try {
      await pool.start();
      // Both over the size that borrows the kept buffer (1 MB) and under the pool's scan-alone size.
      const held = pool.scan({ path: write('held.eml', message('HOLD-RAW first', 'first line\r\n'.repeat(100_000))), envelope });
      await new Promise((r) => setTimeout(r, 300));
      const beside = await pool.scan({ path: write('beside-large.eml', message('second', `${'second line\r\n'.repeat(110_000)}${GTUBE}`)), envelope });
      assert.ok(ids(beside).includes('SPAM_GTUBE'));
      const first = await held;
      assert.equal(first.kind, 'ok');
      assert.deepEqual(ids(first).filter((id) => id === 'SCAN_ANALYZER_ERROR' || id === 'SPAM_GTUBE'), []);
      assert.equal(first.kind === 'ok' && first.summary.subject, 'HOLD-RAW first');
    } finally {
      await pool.close();
    }
  });

  test('a large message is scanned alone: small ones wait for it instead of sharing its sandbox', async () => {
    const pool = new SandboxPool({
      size: 1, jobsPerSandbox: 4, heapMb: 64, maxRssMb: 256, timeoutMs: 10_000, queueTimeoutMs: 10_000, readablePaths: [dir],
      analyzerModules: [slow],
    });
    try {
      await pool.start();
      const large = pool.scan({ path: write('large.eml', message('SLOW-SCAN large')), envelope: { ...envelope, size: 10 * 1024 * 1024 } });
      await waitFor(() => pool.busy === 1);
      const small = pool.scan({ path: write('small.eml', message('small')), envelope });
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(pool.busy, 1, 'the small message did not join the large one');
      assert.equal(pool.queued, 1);
      assert.equal((await large).kind, 'ok');
      assert.equal((await small).kind, 'ok');
    } finally {
      await pool.close();
    }
  });
});

async function waitFor(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
