import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, parseConfig, resolveSecret } from '../../src/config/load.js';
import { isPortcullisError } from '../../src/core/errors.js';

function configError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(isPortcullisError(err), String(err));
    return err.message;
  }
  assert.fail('expected a configuration error');
}

test('embedded defaults match DESIGN.md', () => {
  const config = parseConfig({}, 'test');
  assert.deepEqual(config.smtp.listen, { host: '127.0.0.1', port: 2525 });
  assert.deepEqual(config.http.listen, { host: '127.0.0.1', port: 8025 });
  assert.equal(config.dataDir, './data');
  assert.deepEqual(config.domains, []);
  assert.equal(config.delivery.expireAfterSeconds, 5 * 24 * 3600);
});

test('an unknown key is named, with its path', () => {
  assert.match(configError(() => parseConfig({ smtp: { lisen: '127.0.0.1:25' } }, 'f.yaml')), /smtp\.lisen: unknown key/);
});

test('a bad value names the key and why', () => {
  const message = configError(() => parseConfig({ smtp: { listen: 'nowhere' }, trustedNetworks: ['10.0.0.0/33'] }, 'f.yaml'));
  assert.match(message, /smtp\.listen: expected host:port/);
  assert.match(message, /trustedNetworks\.0: expected an IP address or CIDR/);
});

test('downstream shorthand URL becomes a next hop; duplicate domains are refused', () => {
  const config = parseConfig({ domains: [{ name: 'example.org', downstream: 'smtp://[::1]:2526' }] }, 't');
  assert.equal(config.domains[0]?.downstream.host, '::1');
  assert.equal(config.domains[0]?.downstream.port, 2526);
  assert.equal(config.domains[0]?.downstream.tls, 'opportunistic');
  const dup = { name: 'example.org', downstream: 'smtp://10.0.0.5' };
  assert.match(configError(() => parseConfig({ domains: [dup, dup] }, 't')), /listed twice/);
});

test('thresholds must be ordered', () => {
  assert.match(configError(() => parseConfig({ policy: { thresholds: { tag: 10, quarantine: 5, reject: 20 } } }, 't')), /policy\.thresholds/);
});

test('YAML files: syntax errors, missing file, PORTCULLIS_DATA_DIR override', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-config-'));
  try {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'smtp:\n  listen: [unclosed\n');
    assert.match(configError(() => loadConfig(bad, {})), /not valid YAML/);
    assert.match(configError(() => loadConfig(join(dir, 'missing.yaml'), {})), /does not exist/);
    const good = join(dir, 'good.yaml');
    writeFileSync(good, 'dataDir: /var/lib/x\nsmtp:\n  hostname: mx.example.org\n');
    const loaded = loadConfig(good, { PORTCULLIS_DATA_DIR: join(dir, 'data') });
    assert.equal(loaded.config.dataDir, join(dir, 'data'));
    assert.equal(loaded.config.smtp.hostname, 'mx.example.org');
    assert.equal(loadConfig(undefined, { PORTCULLIS_CONFIG: good }).path, good);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('secrets come from literals, files and environment variables; errors never show the value', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-secret-'));
  try {
    const file = join(dir, 'pass');
    writeFileSync(file, 's3cret\n');
    assert.equal(resolveSecret('literal', 'k'), 'literal');
    assert.equal(resolveSecret({ file }, 'k'), 's3cret');
    assert.equal(resolveSecret({ env: 'RELAY_PASS' }, 'k', { RELAY_PASS: 'fromenv' }), 'fromenv');
    assert.match(configError(() => resolveSecret({ env: 'NOPE' }, 'domains.0.downstream.auth.pass', {})), /domains\.0\.downstream\.auth\.pass: environment variable NOPE is not set/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
