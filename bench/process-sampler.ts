/**
 * Resident memory and CPU time of a process and its descendants (the gateway or a benchmark
 * process and its sandbox processes), read from /proc (Linux only; elsewhere every figure is 0).
 * Used by the benchmarks only. Trusts /proc; a process that exits mid-sample counts as 0.
 */
import { readFileSync, readdirSync } from 'node:fs';

/** Linux reports CPU time in clock ticks of 1/100 s (CLK_TCK) on every platform Node supports. */
const CLOCK_TICKS_PER_SECOND = 100;
const SAMPLE_INTERVAL_MS = 50;

export interface SampledUsage {
  /** Peak VmRSS of the main process. */
  readonly peakMainKb: number;
  /** Peak of the sum over the main process and its descendants at one moment. */
  readonly peakAllKb: number;
  /** Peak VmRSS of any one descendant (a sandbox). */
  readonly peakChildKb: number;
  /** CPU seconds (user + system) the main process and its descendants used while sampled. */
  readonly cpuSeconds: number;
  /** The main process's share of cpuSeconds. */
  readonly mainCpuSeconds: number;
}

export function childPids(pid: number): number[] {
  try {
    const direct = readdirSync(`/proc/${pid}/task`).flatMap((tid) =>
      readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number),
    );
    return direct.flatMap((child) => [child, ...childPids(child)]);
  } catch {
    return [];
  }
}

export function rssKb(pid: number): number {
  try {
    return Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

function cpuTicks(pid: number): number {
  try {
    // Fields after the parenthesised command name: utime and stime are the 12th and 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

/** Samples RSS every 50 ms and CPU time per process; processes replaced mid-run are counted until they go. */
export function startSampler(pid: number): { stop(): SampledUsage } {
  const startTicks = new Map<number, number>();
  const lastTicks = new Map<number, number>();
  let peakMainKb = 0;
  let peakAllKb = 0;
  let peakChildKb = 0;
  let first = true;
  const sample = (): void => {
    const children = childPids(pid);
    const main = rssKb(pid);
    const childRss = children.map(rssKb);
    peakMainKb = Math.max(peakMainKb, main);
    peakChildKb = Math.max(peakChildKb, ...childRss);
    peakAllKb = Math.max(peakAllKb, childRss.reduce((sum, kb) => sum + kb, main));
    for (const p of [pid, ...children]) {
      const ticks = cpuTicks(p);
      // A process born during the run (a replaced sandbox) counts from zero.
      if (!startTicks.has(p)) startTicks.set(p, first ? ticks : 0);
      lastTicks.set(p, ticks);
    }
    first = false;
  };
  sample();
  const timer = setInterval(sample, SAMPLE_INTERVAL_MS);
  return {
    stop() {
      clearInterval(timer);
      sample();
      const used = (p: number): number => (lastTicks.get(p) ?? 0) - (startTicks.get(p) ?? 0);
      let ticks = 0;
      for (const p of lastTicks.keys()) ticks += used(p);
      return { peakMainKb, peakAllKb, peakChildKb, cpuSeconds: ticks / CLOCK_TICKS_PER_SECOND, mainCpuSeconds: used(pid) / CLOCK_TICKS_PER_SECOND };
    },
  };
}

/** Busy and total CPU time of the whole machine, in clock ticks summed over every core (/proc/stat). */
export interface MachineCpu {
  readonly busyTicks: number;
  readonly totalTicks: number;
}

export function machineCpu(): MachineCpu {
  try {
    // The first line sums every core: user nice system idle iowait irq softirq steal (guest time is already in user).
    const fields = readFileSync('/proc/stat', 'utf8').slice(0, 200).split('\n')[0]?.trim().split(/\s+/).slice(1, 9).map(Number) ?? [];
    const total = fields.reduce((sum, n) => sum + n, 0);
    return { busyTicks: total - (fields[3] ?? 0) - (fields[4] ?? 0), totalTicks: total };
  } catch {
    return { busyTicks: 0, totalTicks: 0 };
  }
}

/** What the machine spent between two readings: CPU milliseconds per unit of work, and how busy it was. */
export function machineCpuSince(before: MachineCpu, units: number): { cpuMsPerUnit: number; busyPercent: number } {
  const after = machineCpu();
  const busy = after.busyTicks - before.busyTicks;
  const total = after.totalTicks - before.totalTicks;
  return {
    cpuMsPerUnit: units > 0 ? (busy * 1000) / CLOCK_TICKS_PER_SECOND / units : 0,
    busyPercent: total > 0 ? (100 * busy) / total : 0,
  };
}
