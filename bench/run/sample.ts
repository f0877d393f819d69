/**
 * What one repetition of a measurement yields, and how repetitions become the
 * report's Metrics. Shared by the sync and async cells and the baselines, so
 * every figure is computed the same way.
 */
import { performance } from 'node:perf_hooks';
import type { CompletionPathCounts, Metrics } from '../report/schema';
import { quantile, stat } from '../report/stats';
import { takeKeys, type PoolBench } from './pool';

/** One repetition's figures. */
export interface Rep {
  /** Wall ns per page over the throughput phase. */
  nsPerPage: number;
  /** Calling-thread CPU ns per page over the throughput phase. */
  callerCpuNsPerPage: number;
  /** Worker CPU ns per page (async and worker baselines). */
  workerCpuNsPerPage?: number;
  /** From the latency phase: ns from submit to the first and the last completed page, p50 and p99. */
  latency?: LatencySummary;
  /** Async cells: how the throughput phase's waits ended, as the engine counted them. */
  paths?: CompletionPathCounts;
}

export interface LatencySummary {
  firstP50: number;
  firstP99: number;
  lastP50: number;
  lastP99: number;
}

/**
 * A clock for the latency phases, in ns: performance.now() costs about half of
 * process.hrtime.bigint() and has sub-microsecond resolution.
 */
export function nowFineNs(): number {
  return performance.now() * 1e6;
}

let timerCost: number | null = null;

/**
 * The cost of one clock read, as seen between two back-to-back reads (median of
 * many): what a latency measured with two reads overstates, and is corrected by.
 */
export function timerCostNs(): number {
  if (timerCost !== null) return timerCost;
  // Several rounds, so the loop is optimized by the time it counts: the lowest round median.
  const deltas = new Float64Array(5000);
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 5; round++) {
    for (let i = 0; i < deltas.length; i++) {
      const a = nowFineNs();
      const b = nowFineNs();
      deltas[i] = b - a;
    }
    best = Math.min(best, quantile(Array.from(deltas).sort((x, y) => x - y), 0.5));
  }
  timerCost = best;
  return timerCost;
}

/** p50 and p99 of per-group latencies (already corrected for the clock's own cost). */
export function summarizeLatency(first: Float64Array, last: Float64Array, n: number): LatencySummary {
  const f = Array.from(first.subarray(0, n)).sort((a, b) => a - b);
  const l = Array.from(last.subarray(0, n)).sort((a, b) => a - b);
  return { firstP50: quantile(f, 0.5), firstP99: quantile(f, 0.99), lastP50: quantile(l, 0.5), lastP99: quantile(l, 0.99) };
}

const nap = new Int32Array(new SharedArrayBuffer(4));
/** A busy-poll that sees no progress for this long gives up rather than hang. */
const STALL_NS = 30e9;

/**
 * Polls `read()` until it reaches `target`; returns the time (nowFineNs) it saw
 * it. Busy-polls for `spinNs` after `since`, timestamping exactly; after that it
 * sleeps ~10 µs between looks, so a worker that needs this thread's CPU gets it
 * (a caller that never yields its CPU can hold a woken worker off for a whole
 * scheduler tick on a machine with few CPUs).
 */
export function pollUntil(read: () => number, target: number, since: number, spinNs: number, what: string): number {
  let spins = 0;
  let napping = false;
  for (;;) {
    if (read() >= target) return nowFineNs();
    if (napping) {
      Atomics.wait(nap, 0, 0, 0.01);
      if (nowFineNs() - since > STALL_NS) throw new Error(`${what}: ${read()} of ${target} copies landed within ${STALL_NS / 1e9} s`);
    } else if (++spins === 256) {
      spins = 0;
      napping = nowFineNs() - since > spinNs;
    }
  }
}

/** How long a latency phase busy-polls before it starts to yield: 4 round trips as measured, from 20 to 200 µs. */
export function spinBudgetNs(roundTripNs: number): number {
  return Math.min(200_000, Math.max(20_000, 4 * roundTripNs));
}

/**
 * The latency phase of an asynchronous copier: batch after batch, `prepare(k)`
 * readies the batch that starts at key index k (returning the next index),
 * `start()` submits it, and the caller's counter `read()` is polled until the
 * batch's first and its last copy land. Returns the groups' p50 and p99.
 */
export async function asyncLatencyGroups(
  pb: PoolBench,
  batch: number,
  limitNs: number,
  roundTripNs: number,
  what: string,
  read: () => number,
  prepare: (k: number) => number,
  start: () => Promise<unknown>,
): Promise<LatencySummary> {
  const spin = spinBudgetNs(roundTripNs);
  const tc = timerCostNs();
  const first = new Float64Array(MAX_LATENCY_GROUPS);
  const last = new Float64Array(MAX_LATENCY_GROUPS);
  let k = pb.cursor;
  let g = 0;
  const t0 = nowFineNs();
  let c = t0;
  while (g < MAX_LATENCY_GROUPS && (g < MIN_LATENCY_GROUPS || c - t0 < limitNs)) {
    k = prepare(k);
    const a = nowFineNs();
    const p = start();
    const f = pollUntil(read, 1, a, spin, what);
    c = pollUntil(read, batch, a, spin, what);
    await p;
    first[g] = Math.max(0, f - a - tc);
    last[g] = Math.max(0, c - a - tc);
    g++;
  }
  takeKeys(pb, g * batch);
  return summarizeLatency(first, last, g);
}

/** Most groups a latency phase records (enough for a p99 with 20 values above it). */
export const MAX_LATENCY_GROUPS = 2000;
/** Fewest groups a latency phase records, however long a group takes. */
export const MIN_LATENCY_GROUPS = 3;

/**
 * Ops between two clock reads in a sync loop: a whole batch, and at least
 * 256 KiB of copies, so the clock (~50–110 ns a read) stays under 1% of a sample.
 */
export function opsPerClockRead(pageSize: number, batch: number): number {
  return Math.max(batch, Math.ceil((256 * 1024) / pageSize));
}

/** Batches between two clock reads in an async loop: at least 16 pages' worth, never fewer than one batch. */
export function batchesPerClockRead(batch: number): number {
  return Math.max(1, Math.ceil(16 / batch));
}

/** The report's Metrics for `pageSize`-byte pages from the repetitions measured. */
export function toMetrics(pageSize: number, reps: readonly Rep[]): Metrics {
  if (reps.length === 0) throw new RangeError('toMetrics() needs at least one repetition');
  const m: Metrics = {
    gbps: stat(reps.map((r) => pageSize / r.nsPerPage)),
    pagesPerSec: stat(reps.map((r) => 1e9 / r.nsPerPage)),
    nsPerPage: stat(reps.map((r) => r.nsPerPage)),
    callerCpuNsPerPage: stat(reps.map((r) => r.callerCpuNsPerPage)),
  };
  if (reps.every((r) => r.workerCpuNsPerPage !== undefined)) m.workerCpuNsPerPage = stat(reps.map((r) => r.workerCpuNsPerPage!));
  if (reps.every((r) => r.paths !== undefined)) {
    const sum: CompletionPathCounts = { submissions: 0, settledAtSubmit: 0, spunInPlace: 0, polled: 0, wokenByWorker: 0 };
    for (const r of reps) for (const k of Object.keys(sum) as (keyof CompletionPathCounts)[]) sum[k] += r.paths![k];
    m.completionPaths = sum;
  }
  if (reps.every((r) => r.latency !== undefined)) {
    m.firstLatencyP50Ns = stat(reps.map((r) => r.latency!.firstP50));
    m.firstLatencyP99Ns = stat(reps.map((r) => r.latency!.firstP99));
    m.lastLatencyP50Ns = stat(reps.map((r) => r.latency!.lastP50));
    m.lastLatencyP99Ns = stat(reps.map((r) => r.latency!.lastP99));
  }
  return m;
}
