/**
 * The HTTP side for operators and monitoring: `GET /healthz` and `GET /metrics` (Prometheus text
 * from observe/metrics.ts). The REST API and admin pages will be added here as more routes.
 *
 * Trusts: nothing from the client; both routes take no input. The server listens on loopback
 * by default (config `http.listen`); exposing /metrics elsewhere is the operator's choice.
 *
 * Health contract: 200 with `{ status: 'ok', checks }` when every check passes and the gateway is
 * not draining; otherwise 503 with the same body plus `failing`, the names of the failed checks, so
 * a load balancer stops sending new connections while sessions in flight finish.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from '../observe/logger.js';
import { registry } from '../observe/metrics.js';

export interface HealthCheck {
  readonly ok: boolean;
  readonly detail?: string;
}

export interface HealthReport {
  /** `draining` after SIGTERM; `failing` when a component cannot do its work. */
  readonly status: 'ok' | 'draining' | 'failing';
  readonly checks: Readonly<Record<string, HealthCheck>>;
}

export interface HttpServerOptions {
  /** Called on every /healthz request; must be cheap and must not throw. */
  readonly health: () => HealthReport;
  readonly logger?: Logger;
}

/** Requests have no bodies; anything larger than this is refused before it is read. */
const BODY_LIMIT_BYTES = 16 * 1024;

export function createHttpServer(options: HttpServerOptions): FastifyInstance {
  const loggerInstance: FastifyBaseLogger | undefined = options.logger?.child({ component: 'http' });
  const app: FastifyInstance = Fastify({
    ...(loggerInstance ? { loggerInstance } : {}),
    // Health probes arrive every few seconds: logging each would drown the log.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT_BYTES,
  });

  app.get('/healthz', async (_request, reply) => {
    const report = options.health();
    const failing = Object.entries(report.checks)
      .filter(([, check]) => !check.ok)
      .map(([name]) => name);
    const healthy = report.status === 'ok' && failing.length === 0;
    void reply.code(healthy ? 200 : 503).header('cache-control', 'no-store');
    return healthy ? { status: report.status, checks: report.checks } : { status: report.status, failing, checks: report.checks };
  });

  app.get('/metrics', async (_request, reply) => {
    void reply.header('content-type', registry.contentType).header('cache-control', 'no-store');
    return registry.metrics();
  });

  return app;
}
