import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTlsMaterial } from '../../src/smtp/tls-material.js';

test('a self-signed certificate is generated once, kept in dataDir/tls with a private key file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-tls-'));
  try {
    const first = await loadTlsMaterial(undefined, dir, 'mx.example.org');
    assert.equal(first.selfSigned, true);
    const cert = new X509Certificate(first.cert);
    assert.match(cert.subject, /CN=mx\.example\.org/);
    assert.ok(cert.checkPrivateKey(createPrivateKey(first.key)));
    assert.ok(new Date(cert.validTo).getTime() > Date.now() + 365 * 24 * 3600 * 1000);
    assert.equal(statSync(join(dir, 'tls', 'self-signed.key')).mode & 0o077, 0, 'key readable by owner only');
    const second = await loadTlsMaterial(undefined, dir, 'mx.example.org');
    assert.deepEqual(second.cert, first.cert, 'reused, not regenerated');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a configured certificate that cannot be read is a configuration error naming smtp.tls', async () => {
  await assert.rejects(loadTlsMaterial({ cert: '/nonexistent/c.pem', key: '/nonexistent/k.pem' }, tmpdir(), 'x'), /smtp\.tls: cannot read/);
});
