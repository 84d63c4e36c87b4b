/**
 * `npm run bench:relay`: relays mail through the gateway (a separate process, fsync on, the
 * issue-2 analyzers in sandbox processes) to a local sink and prints its configuration, then a
 * table and one JSON line (DESIGN.md, Measuring):
 *   - 1, 10 and 100 concurrent connections x 2 KB and 100 KB messages: messages/s with delivery
 *     confirmed (from the first MAIL FROM until the sink has every acknowledged message), the
 *     acceptance rate, p50/p99 SMTP transaction latency (MAIL FROM to the final 250, as the client
 *     sees it), peak RSS of the main process and of the main process plus its sandboxes, and the
 *     CPU seconds they used (messages per CPU-second is the per-core figure);
 *   - memory: 20 concurrent 25 MB messages, the main process's RSS growth over its level before;
 *   - peer (when Postfix is installed): smtp-source -> Postfix -> smtp-sink and
 *     smtp-source -> Portcullis -> smtp-sink with the same 4 KB load, and the ratio. Skipped with
 *     a message when Postfix is absent. It reconfigures the machine's default Postfix instance
 *     (postconf -e), so run it on a test machine.
 * Each cell is bounded by a message count and a time limit. Absolute figures vary between
 * machines and runs; the ratio much less.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { BUILTIN_ANALYZERS } from '../src/scan/registry.js';
import { machineCpu, machineCpuSince, rssKb, startSampler } from './process-sampler.js';
import { formatTable, percentile, round } from './report-table.js';
import { relayConfig, startGatewayProcess, type Endpoint, type GatewayProcess } from '../test/helpers/gateway-process.js';
import { dataPayload, runSmtpLoad, type LoadMessage } from '../test/helpers/smtp-load.js';
import { startSmtpSink, type SmtpSink } from '../test/helpers/smtp-sink.js';
import { freePort } from '../test/helpers/free-port.js';

interface Cell {
  readonly connections: number;
  readonly bytes: number;
  readonly messages: number;
}

const CELLS: readonly Cell[] = [
  { connections: 1, bytes: 2 * 1024, messages: 300 },
  { connections: 10, bytes: 2 * 1024, messages: 1500 },
  { connections: 100, bytes: 2 * 1024, messages: 3000 },
  { connections: 1, bytes: 100 * 1024, messages: 150 },
  { connections: 10, bytes: 100 * 1024, messages: 600 },
  { connections: 100, bytes: 100 * 1024, messages: 1000 },
];
const CELL_TIME_LIMIT_MS = 20_000;
const DELIVERY_WAIT_MS = 60_000;
const MEMORY_CELL = { connections: 20, bytes: 25 * 1024 * 1024 } as const;
const PEER = { sessions: 20, messages: 2000, bytes: 4096, warmupMessages: 2000, rounds: 5 } as const;

interface CellResult {
  readonly connections: number;
  readonly bytes: number;
  readonly offered: number;
  readonly acknowledged: number;
  readonly refused: number;
  readonly deliveredPerSecond: number;
  readonly acceptedPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly peakRssMainMb: number;
  readonly peakRssAllMb: number;
  readonly cpuSeconds: number;
  readonly messagesPerCpuSecond: number;
}

// ---- messages -----------------------------------------------------------------------------

/** A body of `bytes` bytes in 78-byte lines (no line starts with a dot). */
function bodyOf(bytes: number): Buffer {
  const line = 'Portcullis relay benchmark body text, the same for every message of a cell.'.padEnd(76, '=') + '\r\n';
  return Buffer.from(line.repeat(Math.ceil(bytes / line.length)).slice(0, Math.max(0, bytes - 2)) + '\r\n');
}

function messageFactory(run: string, total: number, bytes: number): () => LoadMessage | undefined {
  const headerBytes = 260;
  const body = bodyOf(Math.max(64, bytes - headerBytes));
  let next = 0;
  return () => {
    if (next >= total) return undefined;
    const id = next++;
    return {
      id,
      mailFrom: 'bench@sender.test',
      rcptTo: 'inbox@example.org',
      data: dataPayload(
        [
          'From: Bench <bench@sender.test>',
          'To: <inbox@example.org>',
          `Subject: relay benchmark ${run} ${id}`,
          `Date: ${new Date().toUTCString().replace('GMT', '+0000')}`,
          `Message-ID: <${run}-${id}@sender.test>`,
        ],
        body,
      ),
    };
  };
}

async function waitFor(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

// ---- the cells --------------------------------------------------------------------------

async function runCell(gateway: GatewayProcess, sink: SmtpSink, cell: Cell, run: string): Promise<CellResult> {
  const deliveredBefore = sink.acceptedCount;
  const sampler = startSampler(gateway.pid);
  const started = performance.now();
  const outcomes = await runSmtpLoad({
    connections: cell.connections,
    endpoint: () => gateway.smtp,
    next: messageFactory(run, cell.messages, cell.bytes),
    deadline: Date.now() + CELL_TIME_LIMIT_MS,
  });
  const acceptedMs = performance.now() - started;
  const acked = outcomes.filter((o) => o.code === 250);
  const delivered = await waitFor(() => sink.acceptedCount - deliveredBefore >= acked.length, DELIVERY_WAIT_MS);
  const deliveredMs = performance.now() - started;
  const usage = sampler.stop();
  if (!delivered) console.error(`cell ${run}: only ${sink.acceptedCount - deliveredBefore} of ${acked.length} delivered in time`);
  const latencies = acked.map((o) => o.latencyMs).sort((a, b) => a - b);
  return {
    connections: cell.connections,
    bytes: cell.bytes,
    offered: outcomes.length,
    acknowledged: acked.length,
    refused: outcomes.length - acked.length,
    deliveredPerSecond: round((1000 * (sink.acceptedCount - deliveredBefore)) / deliveredMs),
    acceptedPerSecond: round((1000 * acked.length) / acceptedMs),
    p50Ms: round(percentile(latencies, 50)),
    p99Ms: round(percentile(latencies, 99)),
    peakRssMainMb: round(usage.peakMainKb / 1024),
    peakRssAllMb: round(usage.peakAllKb / 1024),
    cpuSeconds: round(usage.cpuSeconds, 2),
    messagesPerCpuSecond: usage.cpuSeconds > 0 ? round(acked.length / usage.cpuSeconds) : NaN,
  };
}

async function runMemoryCell(gateway: GatewayProcess, sink: SmtpSink): Promise<Record<string, number>> {
  await new Promise((r) => setTimeout(r, 1_000));
  const before = rssKb(gateway.pid);
  const deliveredBefore = sink.acceptedCount;
  const sampler = startSampler(gateway.pid);
  const outcomes = await runSmtpLoad({
    connections: MEMORY_CELL.connections,
    endpoint: () => gateway.smtp,
    next: messageFactory('memory', MEMORY_CELL.connections, MEMORY_CELL.bytes),
    deadline: Date.now() + 120_000,
    replyTimeoutMs: 120_000,
  });
  const acked = outcomes.filter((o) => o.code === 250).length;
  await waitFor(() => sink.acceptedCount - deliveredBefore >= acked, DELIVERY_WAIT_MS);
  const usage = sampler.stop();
  return {
    messages: MEMORY_CELL.connections,
    messageMb: MEMORY_CELL.bytes / 1024 / 1024,
    acknowledged: acked,
    refused: outcomes.length - acked,
    rssBeforeMb: round(before / 1024),
    peakRssMainMb: round(usage.peakMainKb / 1024),
    rssGrowthMainMb: round((usage.peakMainKb - before) / 1024),
    peakRssAllMb: round(usage.peakAllKb / 1024),
  };
}

// ---- the Postfix peer ---------------------------------------------------------------------

/** Postfix's smtp-sink, counting messages from its `-c` counters. */
async function startPostfixSink(port: number): Promise<{ count(): number; stop(): void }> {
  const child = spawn('/usr/sbin/smtp-sink', ['-c', '-u', 'postfix', `127.0.0.1:${port}`, '1000'], { stdio: ['ignore', 'pipe', 'pipe'], shell: false });
  let count = 0;
  let tail = '';
  child.stdout.setEncoding('latin1');
  child.stdout.on('data', (text: string) => {
    tail = (tail + text).slice(-200);
    const all = [...tail.matchAll(/mesg=(\d+)/g)];
    const last = all[all.length - 1]?.[1];
    if (last !== undefined) count = Number(last);
  });
  child.stderr.resume();
  await new Promise((r) => setTimeout(r, 300));
  return { count: () => count, stop: () => child.kill('SIGTERM') };
}

interface PeerRun {
  readonly perSecond: number;
  /** CPU time of the whole machine (gateway, smtp-source, smtp-sink, kernel) per message relayed. */
  readonly machineCpuMsPerMessage: number;
  readonly machineBusyPercent: number;
}

/** smtp-source at `target` until the sink has counted every message. */
async function smtpSource(target: Endpoint, sink: { count(): number }, messages: number): Promise<PeerRun> {
  const before = sink.count();
  const cpuBefore = machineCpu();
  const started = performance.now();
  const args = ['-s', String(PEER.sessions), '-m', String(messages), '-l', String(PEER.bytes),
    '-f', 'bench@sender.test', '-t', 'inbox@example.org', `${target.host}:${target.port}`];
  await new Promise<void>((resolve, reject) => {
    const child = spawn('/usr/sbin/smtp-source', args, { stdio: 'ignore', shell: false });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`smtp-source exited with ${code}`))));
  });
  const done = await waitFor(() => sink.count() - before >= messages, 120_000);
  const seconds = (performance.now() - started) / 1000;
  const relayed = sink.count() - before;
  if (!done) console.error(`peer: only ${relayed} of ${messages} reached smtp-sink`);
  const cpu = machineCpuSince(cpuBefore, relayed);
  return { perSecond: round(relayed / seconds), machineCpuMsPerMessage: round(cpu.cpuMsPerUnit, 2), machineBusyPercent: round(cpu.busyPercent, 0) };
}

/** The run with the median rate (PEER.rounds is odd). */
function medianRun(runs: readonly PeerRun[]): PeerRun {
  const sorted = [...runs].sort((a, b) => a.perSecond - b.perSecond);
  const median = sorted[Math.floor(sorted.length / 2)];
  if (!median) throw new Error('no peer runs');
  return median;
}

function postfix(...args: string[]): { ok: boolean; out: string } {
  const r = spawnSync('/usr/sbin/postfix', args, { encoding: 'utf8', shell: false });
  return { ok: r.status === 0, out: `${r.stdout}${r.stderr}` };
}

type PeerResult =
  | { readonly skipped: string }
  | {
      readonly load: string;
      readonly postfixVersion: string;
      readonly postfixPerSecond: number;
      readonly portcullisPerSecond: number;
      readonly ratio: number;
      readonly postfixMachineCpuMsPerMessage: number;
      readonly portcullisMachineCpuMsPerMessage: number;
      readonly postfixRuns: readonly PeerRun[];
      readonly portcullisRuns: readonly PeerRun[];
    };

async function measurePeer(dataDir: string): Promise<PeerResult> {
  if (!existsSync('/usr/sbin/postfix') || !existsSync('/usr/sbin/smtp-source') || !existsSync('/usr/sbin/smtp-sink')) {
    return { skipped: 'Postfix (postfix, smtp-source, smtp-sink) is not installed: apt-get install -y postfix' };
  }
  const sinkPort = await freePort();
  const postfixPort = await freePort();
  const settings = [
    'myhostname=bench.test', 'mydestination=', 'inet_interfaces=loopback-only', 'inet_protocols=ipv4',
    'mynetworks=127.0.0.0/8', 'relay_domains=example.org',
    `transport_maps=inline:{example.org=smtp:[127.0.0.1]:${sinkPort}}`,
    'smtpd_recipient_restrictions=permit_mynetworks,reject_unauth_destination',
    'smtp_dns_support_level=disabled', 'smtp_tls_security_level=none', 'smtpd_tls_security_level=none',
    'maillog_file=/var/log/postfix-bench.log', 'compatibility_level=3.6',
  ];
  const conf = spawnSync('/usr/sbin/postconf', ['-e', ...settings], { encoding: 'utf8', shell: false });
  const master = spawnSync('/usr/sbin/postconf', ['-Me', `127.0.0.1:${postfixPort}/inet=127.0.0.1:${postfixPort} inet n - n - - smtpd`], { encoding: 'utf8', shell: false });
  const removeService = (): void => {
    spawnSync('/usr/sbin/postconf', ['-MX', `127.0.0.1:${postfixPort}/inet`], { shell: false });
  };
  if (conf.status !== 0 || master.status !== 0) {
    removeService();
    return { skipped: `postconf failed: ${conf.stderr}${master.stderr}` };
  }
  const wasRunning = postfix('status').ok;
  const started = wasRunning ? postfix('reload') : postfix('start');
  if (!started.ok) {
    removeService();
    return { skipped: `postfix would not start (see /var/log/postfix-bench.log): ${started.out.trim()}` };
  }
  const sink = await startPostfixSink(sinkPort);
  let gateway: GatewayProcess | undefined;
  try {
    await new Promise((r) => setTimeout(r, 1_000));
    const postfixEndpoint = { host: '127.0.0.1', port: postfixPort };
    gateway = await startGatewayProcess({ config: benchConfig({ host: '127.0.0.1', port: sinkPort }), dataDir });
    // Both relays are warmed up first (Postfix's processes started, the gateway's code compiled by
    // the JIT: a relay runs for days), then measured in alternating rounds so that a change in
    // the machine's other load falls on both; the median round of each is compared.
    await smtpSource(postfixEndpoint, sink, PEER.warmupMessages);
    await smtpSource(gateway.smtp, sink, PEER.warmupMessages);
    const postfixRuns: PeerRun[] = [];
    const portcullisRuns: PeerRun[] = [];
    for (let round = 0; round < PEER.rounds; round++) {
      postfixRuns.push(await smtpSource(postfixEndpoint, sink, PEER.messages));
      portcullisRuns.push(await smtpSource(gateway.smtp, sink, PEER.messages));
    }
    const postfixMedian = medianRun(postfixRuns);
    const portcullisMedian = medianRun(portcullisRuns);
    return {
      load: `smtp-source -s ${PEER.sessions} -m ${PEER.messages} -l ${PEER.bytes} -> relay -> smtp-sink, end to end; ${PEER.warmupMessages} warm-up messages each, then ${PEER.rounds} alternating rounds, median`,
      postfixVersion: spawnSync('/usr/sbin/postconf', ['-h', 'mail_version'], { encoding: 'utf8' }).stdout.trim(),
      postfixPerSecond: postfixMedian.perSecond,
      portcullisPerSecond: portcullisMedian.perSecond,
      ratio: round(portcullisMedian.perSecond / postfixMedian.perSecond, 2),
      postfixMachineCpuMsPerMessage: postfixMedian.machineCpuMsPerMessage,
      portcullisMachineCpuMsPerMessage: portcullisMedian.machineCpuMsPerMessage,
      postfixRuns,
      portcullisRuns,
    };
  } finally {
    await gateway?.stop();
    sink.stop();
    removeService();
    if (!wasRunning) postfix('stop');
  }
}

// ---- main -------------------------------------------------------------------------------

/** Issue 2's own analyzers, the configuration its benchmark item names; `--all-analyzers` runs every built-in one. */
const RELAY_ANALYZERS = ['header-sanity', 'gtube', 'size-limits'] as const;
const ALL_ANALYZERS = process.argv.includes('--all-analyzers');
const ANALYZERS_ON = ALL_ANALYZERS ? BUILTIN_ANALYZERS.map((a) => a.name) : [...RELAY_ANALYZERS];

function benchConfig(downstream: Endpoint): Record<string, unknown> {
  return {
    ...relayConfig(downstream),
    // 100 concurrent connections come from one address in this benchmark.
    smtp: { listen: '127.0.0.1:0', hostname: 'mx.test', maxConnectionsPerIp: 500 },
    spool: { fsync: true },
    scan: { disabledAnalyzers: BUILTIN_ANALYZERS.map((a) => a.name).filter((name) => !ANALYZERS_ON.includes(name)) },
  };
}

function printTable(cells: readonly CellResult[]): void {
  const header = ['conns', 'size', 'sent', '250', 'delivered/s', 'accepted/s', 'p50 ms', 'p99 ms', 'RSS main MB', 'RSS all MB', 'CPU s', 'msgs/CPU-s'];
  const rows = cells.map((c) => [
    c.connections, `${c.bytes / 1024} KB`, c.offered, c.acknowledged, c.deliveredPerSecond, c.acceptedPerSecond,
    c.p50Ms, c.p99Ms, c.peakRssMainMb, c.peakRssAllMb, c.cpuSeconds, c.messagesPerCpuSecond,
  ]);
  for (const line of formatTable(header, rows)) console.log(line);
}

function printPeer(peer: PeerResult): void {
  if ('skipped' in peer) {
    console.log(`peer: skipped: ${peer.skipped}`);
    return;
  }
  console.log(`peer: ${peer.load}`);
  const line = (name: string, runs: readonly PeerRun[]): string =>
    `  ${name}: ${runs.map((r) => `${r.perSecond}/s (machine CPU ${r.machineCpuMsPerMessage} ms/msg, ${r.machineBusyPercent}% busy)`).join('; ')}`;
  console.log(line('Postfix   ', peer.postfixRuns));
  console.log(line('Portcullis', peer.portcullisRuns));
  console.log(`  median: Postfix ${peer.postfixPerSecond}/s, Portcullis ${peer.portcullisPerSecond}/s, ratio ${peer.ratio}`);
}

/** `--peer-only`: just the comparison with Postfix, without the cells and the memory cell. */
async function peerOnly(): Promise<void> {
  const peerDataDir = await mkdtemp(join(tmpdir(), 'portcullis-bench-peer-'));
  try {
    const peer = await measurePeer(peerDataDir);
    printPeer(peer);
    console.log(JSON.stringify({ bench: 'relay', analyzers: ANALYZERS_ON, cores: availableParallelism(), node: process.version, peer }));
  } finally {
    await rm(peerDataDir, { recursive: true, force: true });
  }
}

/** `--peer-only` and `--memory-only` run one part; without either, every part runs. */
const ONLY = process.argv.includes('--peer-only') ? 'peer' : process.argv.includes('--memory-only') ? 'memory' : undefined;

async function main(): Promise<void> {
  if (ONLY === 'peer') return peerOnly();
  const dataDir = await mkdtemp(join(tmpdir(), 'portcullis-bench-'));
  const peerDataDir = await mkdtemp(join(tmpdir(), 'portcullis-bench-peer-'));
  const sink = await startSmtpSink({ recordWire: false, keepBodies: false });
  const config = benchConfig({ host: sink.host, port: sink.port });
  const gateway = await startGatewayProcess({ config, dataDir });
  const configuration = {
    fsync: true,
    analyzers: `${ANALYZERS_ON.join(', ')} (${ALL_ANALYZERS ? 'every built-in analyzer' : "issue 2's analyzers; --all-analyzers for every built-in one"})`,
    sandboxes: 'default (scan.sandboxes)',
    deliveryConfirmed: true,
    cores: availableParallelism(),
    node: process.version,
    gateway: 'separate process (bin/portcullis.js start), log level info',
    client: 'raw SMTP sockets in the benchmark process, no pipelining',
    sink: 'smtp-server in the benchmark process',
    cellLimit: `count per cell or ${CELL_TIME_LIMIT_MS / 1000} s, whichever first`,
  };
  console.log('bench:relay configuration');
  for (const [key, value] of Object.entries(configuration)) console.log(`  ${key}: ${Array.isArray(value) ? value.join(', ') : String(value)}`);
  try {
    // Warm-up: start the sandboxes and JIT before anything is measured.
    await runCell(gateway, sink, { connections: 5, bytes: 2048, messages: 50 }, 'warmup');
    const cells: CellResult[] = [];
    if (ONLY === undefined) {
      for (const cell of CELLS) {
        cells.push(await runCell(gateway, sink, cell, `c${cell.connections}-${cell.bytes}`));
      }
      printTable(cells);
    }
    const memory = await runMemoryCell(gateway, sink);
    console.log(
      `memory: ${memory.acknowledged}/${memory.messages} concurrent ${memory.messageMb} MB messages accepted; ` +
        `main RSS ${memory.rssBeforeMb} -> peak ${memory.peakRssMainMb} MB (growth ${memory.rssGrowthMainMb} MB); ` +
        `with sandboxes peak ${memory.peakRssAllMb} MB`,
    );
    await gateway.stop();
    const peer = ONLY === undefined ? await measurePeer(peerDataDir) : undefined;
    if (peer) printPeer(peer);
    console.log(JSON.stringify({ bench: 'relay', configuration, cells, memory, ...(peer ? { peer } : {}) }));
  } finally {
    await gateway.stop();
    await sink.close();
    await rm(dataDir, { recursive: true, force: true });
    await rm(peerDataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : String(err));
  process.exitCode = 1;
});
