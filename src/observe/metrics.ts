/**
 * Prometheus metrics: one registry for the process, one named metric per thing an operator
 * watches. Stages import the metric they update; web/ serves `registry.metrics()` at /metrics.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'portcullis_' });

export const smtpConnections = new Counter({
  name: 'portcullis_smtp_connections_total',
  help: 'SMTP connections accepted, by listener',
  labelNames: ['listener'] as const,
  registers: [registry],
});
export const smtpActiveSessions = new Gauge({
  name: 'portcullis_smtp_active_sessions',
  help: 'SMTP sessions open now',
  registers: [registry],
});
export const smtpReplies = new Counter({
  name: 'portcullis_smtp_replies_total',
  help: 'Final replies to SMTP commands that end or refuse a transaction, by phase and code class',
  labelNames: ['phase', 'class'] as const,
  registers: [registry],
});
export const messagesByAction = new Counter({
  name: 'portcullis_messages_total',
  help: 'Messages that reached a verdict, by action and direction',
  labelNames: ['action', 'direction'] as const,
  registers: [registry],
});
export const findingsById = new Counter({
  name: 'portcullis_findings_total',
  help: 'Findings reported by analyzers, by finding id',
  labelNames: ['id'] as const,
  registers: [registry],
});
export const scanDuration = new Histogram({
  name: 'portcullis_scan_duration_seconds',
  help: 'Time to scan one message in the sandbox pool, queueing included',
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [registry],
});
export const sandboxRestarts = new Counter({
  name: 'portcullis_sandbox_restarts_total',
  help: 'Sandbox processes killed and replaced, by reason',
  labelNames: ['reason'] as const,
  registers: [registry],
});
export const deliveryAttempts = new Counter({
  name: 'portcullis_delivery_attempts_total',
  help: 'Delivery attempts per recipient, by outcome',
  labelNames: ['outcome'] as const,
  registers: [registry],
});
export const queueSize = new Gauge({
  name: 'portcullis_queue_recipients',
  help: 'Recipients waiting for delivery (queued or deferred)',
  registers: [registry],
});
