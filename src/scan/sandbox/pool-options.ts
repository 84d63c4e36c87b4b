/**
 * The sandbox pool's options for a configuration: the one place that turns `scan.*`, `dns`,
 * phishing settings and the Bayes snapshot into what the sandboxes get, so the gateway,
 * `portcullis scan` and the benchmarks cannot drift apart (a port added for one analyzer reaches
 * every caller). What differs per caller (how many sandboxes, which paths they may read, how long
 * DNS may take offline) is passed in.
 */
import type { Config } from '../../config/schema.js';
import { bayesSnapshotPath } from '../bayes/model-snapshot.js';
import { knownCorrespondentsPath } from '../url/known-correspondents.js';
import { phishingSettings } from '../url/phishing-settings.js';
import type { SandboxPoolOptions } from './sandbox-pool.js';

export interface PoolPlacement {
  readonly size: number;
  /** Absolute paths the sandboxes may read: the spool, or the files being scanned. */
  readonly readablePaths: readonly string[];
  /** A cap on each DNS query (offline scans must not wait on DNS); `dns.timeoutMs` otherwise. */
  readonly dnsTimeoutMs?: number;
  readonly queueTimeoutMs?: number;
  readonly logger?: SandboxPoolOptions['logger'];
  /** Test-only analyzer modules (programmatic API; never from configuration). */
  readonly analyzerModules?: readonly string[];
}

export function sandboxPoolOptions(config: Config, placement: PoolPlacement): SandboxPoolOptions {
  const dnsTimeoutMs = Math.min(config.dns.timeoutMs, placement.dnsTimeoutMs ?? config.dns.timeoutMs);
  return {
    size: placement.size,
    jobsPerSandbox: config.scan.jobsPerSandbox,
    heapMb: config.scan.heapMb,
    maxRssMb: config.scan.maxRssMb,
    timeoutMs: config.scan.timeoutMs,
    queueTimeoutMs: placement.queueTimeoutMs ?? config.scan.queueTimeoutMs,
    readablePaths: placement.readablePaths,
    disabledAnalyzers: config.scan.disabledAnalyzers,
    ports: {
      clamav: config.scan.clamav,
      hashBlocklist: config.scan.hashBlocklist,
      phishing: phishingSettings(config),
      bayesModel: bayesSnapshotPath(config.dataDir),
      knownCorrespondents: knownCorrespondentsPath(config.dataDir),
      dns: { servers: config.dns.servers, timeoutMs: dnsTimeoutMs },
      authservId: config.smtp.hostname,
      uribl: config.reputation.uribl,
    },
    ...(placement.logger ? { logger: placement.logger } : {}),
    ...(placement.analyzerModules ? { analyzerModules: placement.analyzerModules } : {}),
  };
}
