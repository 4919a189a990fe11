// How the benchmarks measure and print: elapsed time with vmbackup's own CPU beside it, the calls made by kind, and
// each figure's verdict against its goal.
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { diffCalls, type CallCounts, type Target } from '../provider/azure/index.js';

/** Elapsed time, and vmbackup's own CPU time beside it: on a loaded machine the first waits for cores, the second less so. */
export async function measure<T>(target: Target, fn: () => Promise<T>): Promise<{ value: T; seconds: number; cpu: string; calls: CallCounts }> {
  const before = target.calls.snapshot();
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const value = await fn();
  const used = process.cpuUsage(cpu0);
  return {
    value,
    seconds: (performance.now() - t0) / 1000,
    cpu: `vmbackup's CPU ${((used.user + used.system) / 1e6).toFixed(2)} s, load ${loadavg()[0].toFixed(1)}`,
    calls: diffCalls(before, target.calls.snapshot()),
  };
}

export const total = (calls: CallCounts): number => Object.values(calls).reduce((a, b) => a + b, 0);
export const verdict = (ok: boolean): string => (ok ? 'within goal' : 'MISSES goal');
/** One line per kind of call, in name order. */
export const breakdown = (calls: CallCounts): string[] =>
  Object.entries(calls)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `      ${String(v).padStart(6)}  ${k}`);
/** This process's peak resident memory so far, in MB. */
export const peakMb = (): number => process.resourceUsage().maxRSS / 1024;
