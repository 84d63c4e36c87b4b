/**
 * The composition root: builds the running gateway from a configuration. Everything with a
 * lifetime (database, spool, sandbox pool, delivery queue, SMTP listeners, HTTP server) is made
 * here, wired through the ports each stage declares, and shut down here in the reverse order.
 * `portcullis start` and the integration tests both call `startGateway`.
 *
 * Start-up refuses to listen on a non-loopback address while no accepted domain is configured:
 * the embedded defaults accept mail for anyone into the local mailbox, which must never be
 * reachable from a network.
 */
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Config } from './config/schema.js';
import { PortcullisError } from './core/errors.js';
import { DeliveryThread } from './deliver/delivery-thread.js';
import { RecipientCallout } from './deliver/recipient-callout.js';
import { AuditLog } from './observe/audit-log.js';
import { createLogger } from './observe/logger.js';
import { TrackingLog } from './observe/tracking.js';
import { RetentionSweep } from './quarantine/retention-sweep.js';
import { sandboxPoolOptions } from './scan/sandbox/pool-options.js';
import { SandboxPool } from './scan/sandbox/sandbox-pool.js';
import { Scanner } from './scan/scanner.js';
import { verifyUserPassword } from './service/user-service.js';
import { SessionReputation } from './smtp/reputation/session-reputation.js';
import { SmtpListener, type ListenerKind } from './smtp/smtp-listener.js';
import { loadTlsMaterial } from './smtp/tls-material.js';
import { createCachingResolver } from './scan/dns/caching-resolver.js';
import { SpoolStore, spoolDirectory, type SpoolFileLayer } from './spool/spool-store.js';
import { openDatabase } from './store/database.js';
import { SeenSenders } from './store/seen-senders.js';
import { knownCorrespondentsPath } from './scan/url/known-correspondents.js';
import { createHttpServer, type HealthReport } from './web/http-server.js';

export interface GatewayOptions {
  readonly logger?: Logger;
  /** Extra analyzer modules for the sandboxes (tests only; never from configuration). */
  readonly analyzerModules?: readonly string[];
  /** A file layer for the spool (tests instrument it). */
  readonly spoolFiles?: SpoolFileLayer;
}

export interface BoundAddress {
  readonly host: string;
  readonly port: number;
}

export interface Gateway {
  readonly smtp: BoundAddress;
  readonly submission?: BoundAddress;
  readonly http: BoundAddress;
  readonly logger: Logger;
  /** Applies a new configuration; keys that need a restart are returned, not applied. */
  reload(config: Config): string[];
  /** SIGTERM: new sessions get 421, transactions in flight finish, the queue is saved. */
  stop(): Promise<void>;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/i;

/** Settings read once at start; changing them needs a restart. */
const RESTART_KEYS = ['dataDir', 'smtp.listen', 'smtp.submission', 'smtp.tls', 'smtp.proxyProtocol', 'http.listen', 'scan.sandboxes', 'scan.jobsPerSandbox', 'scan.heapMb', 'scan.clamav', 'scan.hashBlocklist', 'dns', 'phishing'] as const;

export function assertSafeListen(config: Config): void {
  if (config.domains.length > 0) return;
  const listens = [config.smtp.listen, config.http.listen, ...(config.smtp.submission ? [config.smtp.submission.listen] : [])];
  const open = listens.filter((l) => !LOOPBACK.test(l.host));
  if (open.length > 0) {
    throw new PortcullisError(
      'PORTCULLIS_ERR_UNSAFE_LISTEN',
      `refusing to listen on ${open.map((l) => `${l.host}:${l.port}`).join(', ')}: no accepted domain is configured, so every ` +
        'recipient would be accepted into the local mailbox. Configure `domains` or listen on 127.0.0.1 / ::1.',
    );
  }
}

export async function startGateway(initial: Config, options: GatewayOptions = {}): Promise<Gateway> {
  assertSafeListen(initial);
  let config = initial;
  let draining = false;
  const logger = options.logger ?? createLogger({ level: config.log.level });
  const nodeName = config.nodeName ?? hostname();
  const closers: { readonly name: string; readonly close: () => Promise<unknown> }[] = [];
  const closeAll = async () => {
    for (const { name, close } of closers.splice(0).reverse()) {
      logger.debug({ step: name }, 'stopping');
      await close().catch((err: unknown) => logger.error({ err, step: name }, 'shutdown step failed'));
    }
  };

  try {
    const db = await openDatabase({ dataDir: config.dataDir });
    closers.push({ name: 'database', close: () => db.destroy() });
    const audit = new AuditLog(db);
    const tracking = new TrackingLog(db, { logger });
    closers.push({ name: 'tracking', close: () => tracking.close() });
    // Sender domains of accepted inbound mail: the known correspondents for FIRST_CONTACT_LOOKALIKE;
    // opened before the sandboxes, which may read only folders that exist when they start.
    const seenSenders = await SeenSenders.open(db, { logger, settings: config.phishing.seenSenders, snapshotPath: knownCorrespondentsPath(config.dataDir) });
    closers.push({ name: 'seen senders', close: () => seenSenders.close() });
    const spool = await SpoolStore.open(spoolDirectory(config), {
      fsync: config.spool.fsync,
      logger,
      ...(options.spoolFiles ? { files: options.spoolFiles } : {}),
    });
    const pool = new SandboxPool(
      sandboxPoolOptions(config, {
        size: config.scan.sandboxes,
        readablePaths: [spool.dir],
        logger,
        ...(options.analyzerModules ? { analyzerModules: options.analyzerModules } : {}),
      }),
    );
    closers.push({ name: 'sandboxes', close: () => pool.close() });
    await pool.start();
    const scanner = new Scanner(pool, config.policy, seenSenders);
    // Delivery runs in its own thread (deliver/delivery-thread.ts) with its own database connection.
    const queue = await DeliveryThread.start({ config, logger, spool, tracking });
    closers.push({ name: 'delivery queue', close: () => queue.stop() });
    const requeued = await queue.recover();
    if (requeued > 0) logger.warn({ requeued }, 'recovered committed messages that had no queue state (crash before enqueue)');
    queue.start();
    const retention = new RetentionSweep({ ctx: { db, audit, spool, tracking }, config, logger });
    retention.start();
    closers.push({ name: 'quarantine retention', close: () => retention.stop() });
    const callout = new RecipientCallout({ hostname: config.smtp.hostname, timeoutMs: config.delivery.connectTimeoutSeconds * 1000 });
    const tls = await loadTlsMaterial(config.smtp.tls, config.dataDir, config.smtp.hostname);
    if (tls.selfSigned) logger.warn('STARTTLS uses a self-signed certificate generated in dataDir/tls; configure smtp.tls for production');

    // Blocklists, greylisting and rate limits of the SMTP sessions; the main process's own DNS cache.
    const reputation = new SessionReputation({ config: () => config, resolver: createCachingResolver({ servers: config.dns.servers, timeoutMs: config.dns.timeoutMs }), db });
    const listeners: SmtpListener[] = [];
    const makeListener = (kind: ListenerKind) => {
      const listener = new SmtpListener({
        kind,
        config: () => config,
        tls,
        logger,
        spool,
        scanner,
        queue,
        // Written by the delivery thread's connection: one database writer on the relay path.
        tracking: queue.tracking,
        callout,
        authenticate: (username, password) => verifyUserPassword({ db, audit }, username, password),
        nodeName,
        isDraining: () => draining,
        reputation,
      });
      listeners.push(listener);
      closers.push({ name: `smtp ${kind}`, close: () => listener.close() });
      return listener;
    };
    const smtp = await makeListener('mx').listen(config.smtp.listen.host, config.smtp.listen.port);
    const submission = config.smtp.submission
      ? await makeListener('submission').listen(config.smtp.submission.listen.host, config.smtp.submission.listen.port)
      : undefined;

    const health = (): HealthReport => ({
      status: draining ? 'draining' : 'ok',
      checks: {
        smtp: { ok: !draining, detail: `${listeners.reduce((n, l) => n + l.activeSessions, 0)} sessions` },
        sandboxes: { ok: true, detail: `${pool.busy} busy, ${pool.queued} waiting` },
        delivery: { ok: queue.running, detail: queue.running ? 'thread running' : 'thread being restarted' },
      },
    });
    const web = createHttpServer({ health, logger });
    await web.listen({ host: config.http.listen.host, port: config.http.listen.port });
    closers.push({ name: 'http', close: () => web.close() });
    const httpAddress = web.server.address();
    const http = typeof httpAddress === 'object' && httpAddress ? { host: httpAddress.address, port: httpAddress.port } : config.http.listen;

    logger.info({ smtp, http, ...(submission ? { submission } : {}), node: nodeName, dataDir: config.dataDir, domains: config.domains.length }, 'ready');

    return {
      smtp,
      http,
      logger,
      ...(submission ? { submission } : {}),
      reload(next: Config): string[] {
        const restart = RESTART_KEYS.filter((key) => JSON.stringify(pick(config, key)) !== JSON.stringify(pick(next, key)));
        assertSafeListen(next);
        config = next;
        // The level first: the delivery thread takes the main logger's.
        logger.level = next.log.level;
        for (const listener of listeners) listener.reconfigure(next);
        queue.reconfigure(next);
        retention.reconfigure(next);
        scanner.setPolicy(next.policy);
        return restart;
      },
      async stop(): Promise<void> {
        draining = true;
        logger.info('draining: new sessions get 421, transactions in flight finish');
        await Promise.all(listeners.map((l) => l.idle()));
        logger.debug('no transaction in flight');
        await closeAll();
        logger.info('stopped');
      },
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

function pick(config: Config, path: string): unknown {
  return path.split('.').reduce<unknown>((value, key) => (value as Record<string, unknown> | undefined)?.[key], config);
}
