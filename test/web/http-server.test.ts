import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { smtpConnections } from '../../src/observe/metrics.js';
import { createHttpServer, type HealthReport } from '../../src/web/http-server.js';

describe('http server', () => {
  it('answers /healthz with 200 when every check passes', async () => {
    const app = createHttpServer({ health: () => ({ status: 'ok', checks: { smtp: { ok: true, detail: '0 sessions' } } }) });
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { status: 'ok', checks: { smtp: { ok: true, detail: '0 sessions' } } });
    await app.close();
  });

  it('answers 503 naming the failing checks, and 503 while draining', async () => {
    let report: HealthReport = { status: 'failing', checks: { smtp: { ok: true }, spool: { ok: false, detail: 'disk full' } } };
    const app = createHttpServer({ health: () => report });
    const failing = await app.inject({ method: 'GET', url: '/healthz' });
    assert.equal(failing.statusCode, 503);
    assert.deepEqual(failing.json().failing, ['spool']);
    report = { status: 'draining', checks: { smtp: { ok: true } } };
    const draining = await app.inject({ method: 'GET', url: '/healthz' });
    assert.equal(draining.statusCode, 503);
    assert.equal(draining.json().status, 'draining');
    // A check failing while the status says ok is still unhealthy.
    report = { status: 'ok', checks: { sandboxes: { ok: false } } };
    assert.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 503);
    await app.close();
  });

  it('serves Prometheus text at /metrics', async () => {
    smtpConnections.inc({ listener: 'http-test' });
    const app = createHttpServer({ health: () => ({ status: 'ok', checks: {} }) });
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    assert.match(res.body, /portcullis_smtp_connections_total\{listener="http-test"\} 1/);
    assert.match(res.body, /# TYPE portcullis_process_resident_memory_bytes gauge/);
    await app.close();
  });

  it('answers 404 for other paths', async () => {
    const app = createHttpServer({ health: () => ({ status: 'ok', checks: {} }) });
    assert.equal((await app.inject({ method: 'GET', url: '/admin' })).statusCode, 404);
    await app.close();
  });
});
