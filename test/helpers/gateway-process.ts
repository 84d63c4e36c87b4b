/**
 * Starts the gateway as a separate process (`node bin/portcullis.js start --config F`), for
 * tests and benchmarks that need a real crash (SIGKILL), a real restart on the same data
 * directory, or the gateway's own resident memory.
 *
 * Trust: the child is the code under test. Its stdout is read as pino JSON lines to find the
 * `"msg":"ready"` line with the bound ports (the config may ask for port 0); everything it
 * prints is kept (a bounded tail) for failure messages. Test code may use child_process; the
 * product may not (DESIGN.md invariant 1, test/security/no-shell.test.ts).
 *
 * Contract: `startGatewayProcess()` resolves once the ready line arrived, or rejects with the
 * output after `readyTimeoutMs` or if the process exits first (and then kills it). The config
 * object is written as YAML to a temporary file removed when the process exits;
 * PORTCULLIS_DATA_DIR is set to `dataDir`, which the caller owns (and removes).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { projectRoot } from './project-root.js';

export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

export interface GatewayProcessOptions {
  /** The configuration, as it would be written in YAML (ports may be 0). */
  readonly config: Record<string, unknown>;
  readonly dataDir: string;
  readonly readyTimeoutMs?: number;
  /** Extra environment variables. */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * The script run with `start --config F` (default $PORTCULLIS_TEST_GATEWAY_ENTRY, else
   * bin/portcullis.js); another one lets the harness itself be checked against a stand-in.
   */
  readonly entry?: string;
}

export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface GatewayProcess {
  readonly pid: number;
  readonly smtp: Endpoint;
  readonly http: Endpoint;
  readonly dataDir: string;
  /** The YAML file the process was started with (a test may rewrite it and send SIGHUP). */
  readonly configPath: string;
  /** Resolves when the process has exited. */
  readonly exited: Promise<ProcessExit>;
  /** The last part of stdout and stderr, for failure messages. */
  output(): string;
  /** SIGTERM (drain), then SIGKILL if it has not exited within `timeoutMs`. */
  stop(timeoutMs?: number): Promise<ProcessExit>;
  /** SIGKILL: a crash. */
  kill(): Promise<ProcessExit>;
}

const OUTPUT_TAIL_BYTES = 64 * 1024;

interface ReadyLine {
  readonly msg?: unknown;
  readonly smtp?: { host?: unknown; port?: unknown };
  readonly http?: { host?: unknown; port?: unknown };
}

function endpointOf(value: ReadyLine['smtp']): Endpoint | undefined {
  if (value && typeof value.host === 'string' && typeof value.port === 'number') return { host: value.host, port: value.port };
  return undefined;
}

export async function startGatewayProcess(options: GatewayProcessOptions): Promise<GatewayProcess> {
  const root = projectRoot();
  const configDir = mkdtempSync(join(tmpdir(), 'portcullis-config-'));
  const configPath = join(configDir, 'portcullis.yaml');
  writeFileSync(configPath, stringify(options.config));

  const child = spawn(process.execPath, [options.entry ?? process.env.PORTCULLIS_TEST_GATEWAY_ENTRY ?? join(root, 'bin', 'portcullis.js'), 'start', '--config', configPath], {
    cwd: root,
    env: { ...process.env, ...options.env, PORTCULLIS_DATA_DIR: options.dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
    shell: false,
  });
  let tail = '';
  const remember = (text: string): void => {
    tail += text;
    if (tail.length > OUTPUT_TAIL_BYTES) tail = tail.slice(-OUTPUT_TAIL_BYTES);
  };
  const exited = new Promise<ProcessExit>((resolve) => {
    child.once('exit', (code, signal) => {
      rmSync(configDir, { recursive: true, force: true });
      resolve({ code, signal });
    });
  });
  const output = (): string => tail;

  const ready = new Promise<{ smtp: Endpoint; http: Endpoint }>((resolve, reject) => {
    let partial = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (text: string) => {
      remember(text);
      partial += text;
      let eol: number;
      while ((eol = partial.indexOf('\n')) !== -1) {
        const line = partial.slice(0, eol);
        partial = partial.slice(eol + 1);
        if (!line.includes('"ready"')) continue;
        try {
          const parsed = JSON.parse(line) as ReadyLine;
          const smtp = endpointOf(parsed.smtp);
          const http = endpointOf(parsed.http);
          if (parsed.msg === 'ready' && smtp && http) resolve({ smtp, http });
        } catch {
          // not a JSON log line; keep reading
        }
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => remember(text));
    void exited.then(({ code, signal }) =>
      reject(new Error(`gateway exited before ready (code ${code}, signal ${signal}):\n${tail}`)),
    );
  });

  const timeoutMs = options.readyTimeoutMs ?? 20_000;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`gateway not ready within ${timeoutMs} ms:\n${tail}`)), timeoutMs);
  });
  let endpoints: { smtp: Endpoint; http: Endpoint };
  try {
    endpoints = await Promise.race([ready, timeout]);
  } catch (err) {
    child.kill('SIGKILL');
    await exited;
    throw err;
  } finally {
    clearTimeout(timer);
  }

  const signalAndWait = async (signal: NodeJS.Signals, timeoutMsForSignal: number): Promise<ProcessExit> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    let killTimer: NodeJS.Timeout | undefined;
    const escalate = new Promise<void>((resolve) => {
      killTimer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve();
      }, timeoutMsForSignal);
    });
    await Promise.race([exited, escalate]);
    clearTimeout(killTimer);
    return exited;
  };

  if (child.pid === undefined) throw new Error('gateway process has no pid');
  return {
    pid: child.pid,
    smtp: endpoints.smtp,
    http: endpoints.http,
    dataDir: options.dataDir,
    configPath,
    exited,
    output,
    stop: (stopTimeoutMs = 15_000) => signalAndWait('SIGTERM', stopTimeoutMs),
    kill: () => signalAndWait('SIGKILL', 5_000),
  };
}

/** A base configuration: loopback listeners on free ports, one accepted domain relayed to `downstream`. */
export function relayConfig(downstream: Endpoint, domain = 'example.org'): Record<string, unknown> {
  return {
    smtp: { listen: '127.0.0.1:0', hostname: 'mx.test' },
    http: { listen: '127.0.0.1:0' },
    domains: [{ name: domain, downstream: `smtp://${downstream.host}:${downstream.port}` }],
    delivery: { retryDelaySeconds: 1, maxRetryDelaySeconds: 2 },
  };
}
