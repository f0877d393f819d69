/**
 * One repetition of a sync cell: frontswap store/load copying on the calling
 * thread. A fresh Frontswap holds every key of the pool (prefilled, untimed);
 * the throughput phase stores (or loads) random keys for at least the sample
 * time, reading the clock once per many ops; the latency phase times groups of
 * `batch` calls: to the end of the first call, and to the end of the last.
 */
import { Frontswap } from '../../lib/frontswap';
import { nowNs, threadCpuNs } from './clock';
import type { Op } from '../report/schema';
import { coldOps, flushWindow, KEY_MASK, prefill, takeKeys, type PoolBench } from './pool';
import {
  MAX_LATENCY_GROUPS,
  MIN_LATENCY_GROUPS,
  nowFineNs,
  opsPerClockRead,
  summarizeLatency,
  timerCostNs,
  type LatencySummary,
  type Rep,
} from './sample';

export interface PhaseTimes {
  /** Least wall time of the throughput phase, ms. */
  sampleMs: number;
  /** Least wall time of the latency phase, ms. */
  latencyMs: number;
}

/**
 * Stores (or loads) random keys, reading the clock once per many ops: for at
 * least `limitNs` on a hot pool; on a cold pool exactly a window of distinct
 * pages sized to take about that long, flushed from the caches first.
 */
function copyLoop(fs: Frontswap, pb: PoolBench, op: Op, batch: number, limitNs: number): { ops: number; wallNs: number; cpuNs: number } {
  const { keys, views, srcPages } = pb;
  const chunk = opsPerClockRead(pb.pageSize, batch);
  const store = op === 'store';
  const rateKey = `sync ${op} ${batch}`;
  const window = pb.cold ? coldOps(pb, rateKey, chunk, limitNs) : 0;
  flushWindow(pb, window);
  let k = pb.cursor;
  let ops = 0;
  const c0 = threadCpuNs();
  const t0 = nowNs();
  let t = t0;
  do {
    for (let i = 0; i < chunk; i++) {
      if (store) fs.store(0, keys[k]!, views[k % srcPages]!);
      else fs.load(0, keys[k]!, views[k % srcPages]!);
      k = (k + 1) & KEY_MASK;
    }
    ops += chunk;
    t = nowNs();
  } while (pb.cold ? ops < window : t - t0 < limitNs || ops < 2 * batch);
  const c1 = threadCpuNs();
  takeKeys(pb, ops);
  pb.rates.set(rateKey, (t - t0) / ops);
  return { ops, wallNs: t - t0, cpuNs: c1 - c0 };
}

/** Groups of `batch` calls, each timed: first call done, last call done. */
function latencyPhase(fs: Frontswap, pb: PoolBench, op: Op, batch: number, limitNs: number): LatencySummary {
  const { keys, views, srcPages } = pb;
  const tc = timerCostNs();
  const first = new Float64Array(MAX_LATENCY_GROUPS);
  const last = new Float64Array(MAX_LATENCY_GROUPS);
  let k = pb.cursor;
  let g = 0;
  const start = nowFineNs();
  let c = start;
  const store = op === 'store';
  while (g < MAX_LATENCY_GROUPS && (g < MIN_LATENCY_GROUPS || c - start < limitNs)) {
    const a = nowFineNs();
    if (store) fs.store(0, keys[k]!, views[k % srcPages]!);
    else fs.load(0, keys[k]!, views[k % srcPages]!);
    k = (k + 1) & KEY_MASK;
    const b = nowFineNs();
    if (store) {
      for (let j = 1; j < batch; j++) {
        fs.store(0, keys[k]!, views[k % srcPages]!);
        k = (k + 1) & KEY_MASK;
      }
    } else {
      for (let j = 1; j < batch; j++) {
        fs.load(0, keys[k]!, views[k % srcPages]!);
        k = (k + 1) & KEY_MASK;
      }
    }
    c = nowFineNs();
    first[g] = Math.max(0, b - a - tc);
    last[g] = Math.max(0, c - a - tc);
    g++;
  }
  takeKeys(pb, g * batch);
  return summarizeLatency(first, last, g);
}

/** One repetition of the sync cell (op, batch) on the pool. */
export function sampleSyncCell(pb: PoolBench, op: Op, batch: number, times: PhaseTimes): Rep {
  const fs = new Frontswap(pb.pool);
  prefill(fs, pb);
  try {
    const limit = times.sampleMs * 1e6;
    const r = copyLoop(fs, pb, op, batch, limit);
    const latency = latencyPhase(fs, pb, op, batch, times.latencyMs * 1e6);
    return { nsPerPage: r.wallNs / r.ops, callerCpuNsPerPage: r.cpuNs / r.ops, latency };
  } finally {
    fs.invalidateArea(0);
  }
}
