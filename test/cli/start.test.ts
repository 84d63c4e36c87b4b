// `portcullis start` as a process: SIGHUP reloads the configuration without dropping sessions,
// a bad reload keeps the running configuration; check-config and start name bad keys and exit
// non-zero; a public listen address without accepted domains is refused.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { main } from '../../src/cli/main.js';
import { startGatewayProcess } from '../helpers/gateway-process.js';
import { connectRawSmtp } from '../helpers/raw-smtp.js';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-start-'));
  dirs.push(dir);
  return dir;
}

async function waitForOutput(output: () => string, pattern: RegExp, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(output())) {
    if (Date.now() > deadline) assert.fail(`no ${pattern} in the gateway's output:\n${output().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function captureStderr(fn: () => Promise<number>): Promise<{ code: number; stderr: string; stdout: string }> {
  const err: string[] = [];
  const out: string[] = [];
  const origErr = process.stderr.write.bind(process.stderr);
  const origOut = process.stdout.write.bind(process.stdout);
  process.stderr.write = ((chunk: string | Uint8Array) => (err.push(String(chunk)), true)) as typeof process.stderr.write;
  process.stdout.write = ((chunk: string | Uint8Array) => (out.push(String(chunk)), true)) as typeof process.stdout.write;
  try {
    const code = await fn();
    return { code, stderr: err.join(''), stdout: out.join('') };
  } finally {
    process.stderr.write = origErr;
    process.stdout.write = origOut;
    process.exitCode = undefined;
  }
}

test('SIGHUP applies a new configuration to new transactions and keeps open sessions; a bad one is refused', { timeout: 60_000 }, async () => {
  const base = { smtp: { listen: '127.0.0.1:0', hostname: 'mx.test', maxRecipients: 1 }, http: { listen: '127.0.0.1:0' } };
  const gw = await startGatewayProcess({ config: base, dataDir: tempDir() });
  try {
    const session = await connectRawSmtp(gw.smtp.host, gw.smtp.port);
    await session.command('EHLO client.test');
    await session.command('MAIL FROM:<a@client.test>');
    assert.equal((await session.command('RCPT TO:<b@example.org>')).code, 250);
    assert.equal((await session.command('RCPT TO:<c@example.org>')).code, 452, 'maxRecipients 1 before the reload');
    await session.command('RSET');

    writeFileSync(gw.configPath, stringify({ ...base, smtp: { ...base.smtp, maxRecipients: 3 } }));
    process.kill(gw.pid, 'SIGHUP');
    await waitForOutput(gw.output, /configuration reloaded/);
    assert.equal((await session.command('NOOP')).code, 250, 'the open session survived the reload');
    await session.command('MAIL FROM:<a@client.test>');
    for (const rcpt of ['b', 'c', 'd']) assert.equal((await session.command(`RCPT TO:<${rcpt}@example.org>`)).code, 250);
    await session.command('RSET');

    writeFileSync(gw.configPath, stringify({ ...base, smtp: { ...base.smtp, maxRecipients: 'many' } }));
    process.kill(gw.pid, 'SIGHUP');
    await waitForOutput(gw.output, /reload failed; keeping the running configuration/);
    assert.match(gw.output(), /smtp\.maxRecipients/);
    await session.command('MAIL FROM:<a@client.test>');
    for (const rcpt of ['b', 'c', 'd']) assert.equal((await session.command(`RCPT TO:<${rcpt}@example.org>`)).code, 250);
    assert.equal((await session.command('RCPT TO:<e@example.org>')).code, 452, 'still the reloaded limit of 3');
    session.close();
  } finally {
    const exit = await gw.stop();
    assert.equal(exit.code, 0, gw.output().slice(-2000));
  }
});

test('check-config names the bad key and why, and exits 1', async () => {
  const dir = tempDir();
  const file = join(dir, 'bad.yaml');
  writeFileSync(file, 'smtp:\n  lisen: 127.0.0.1:25\n  maxRecipients: 0\n');
  const { code, stderr } = await captureStderr(() => main(['node', 'portcullis', 'check-config', '--config', file]));
  assert.equal(code, 1);
  assert.match(stderr, /smtp\.lisen: unknown key/);
  assert.match(stderr, /smtp\.maxRecipients: /);
  assert.match(stderr, /PORTCULLIS_ERR_CONFIG/);
});

test('check-config accepts a good file and says what it will do', async () => {
  const file = join(tempDir(), 'good.yaml');
  writeFileSync(file, 'domains:\n  - name: example.org\n    downstream: smtp://127.0.0.1:2526\n');
  const { code, stdout } = await captureStderr(() => main(['node', 'portcullis', 'check-config', '--config', file]));
  assert.equal(code, 0);
  assert.match(stdout, /ok — SMTP 127\.0\.0\.1:2525.*1 accepted domain/);
});

test('a public listen address without accepted domains is refused by check-config and by start', async () => {
  const dir = tempDir();
  const file = join(dir, 'open.yaml');
  writeFileSync(file, `dataDir: ${join(dir, 'data')}\nsmtp:\n  listen: 0.0.0.0:0\nhttp:\n  listen: 127.0.0.1:0\n`);
  const checked = await captureStderr(() => main(['node', 'portcullis', 'check-config', '--config', file]));
  assert.equal(checked.code, 1);
  assert.match(checked.stderr, /refusing to listen on 0\.0\.0\.0:0: no accepted domain is configured/);
  const started = await captureStderr(() => main(['node', 'portcullis', 'start', '--config', file]));
  assert.equal(started.code, 1);
  assert.match(started.stderr, /PORTCULLIS_ERR_UNSAFE_LISTEN/);
});
