/**
 * The run as a list of pools, each with the cells and baselines measured on it,
 * and a rough cost of every piece so the progress bar can tell a person how long
 * is left. Nothing here touches memory: it only decides what to measure.
 */
import type { Backing, BaselineName, Op, PoolTemperature } from '../report/schema';
import { poolPages, type AsyncMode, type RunOptions } from './options';

export interface CellSpec {
  op: Op;
  path: 'sync' | 'async';
  /** Async only. */
  mode?: AsyncMode;
  batch: number;
}

export interface BaselineSpec {
  name: BaselineName;
  op: Op;
  batch: number;
}

export interface PoolPlan {
  pageSize: number;
  temperature: PoolTemperature;
  backingRequested: 'auto' | Backing;
  pages: number;
  byteLength: number;
  /** 'sweep': the main sweep; 'backing': the comparison subset of an extra backing. */
  role: 'sweep' | 'backing';
  cells: CellSpec[];
  baselines: BaselineSpec[];
}

/** Source pages registered with the engine (and copied by every baseline): at most 8 MiB, 4 to 64 pages. */
export function sourcePages(pageSize: number): number {
  return Math.max(4, Math.min(64, Math.floor((8 << 20) / pageSize)));
}

function cellsFor(ops: readonly Op[], sync: boolean, modes: readonly AsyncMode[], batches: readonly number[]): CellSpec[] {
  const out: CellSpec[] = [];
  for (const op of ops) {
    if (sync) for (const batch of batches) out.push({ op, path: 'sync', batch });
    for (const mode of modes) for (const batch of batches) out.push({ op, path: 'async', mode, batch });
  }
  return out;
}

/** Every baseline of the main sweep, for the ops measured: naive-async stores only (it has no load). */
function sweepBaselines(o: RunOptions): BaselineSpec[] {
  const out: BaselineSpec[] = [];
  for (const op of o.ops) {
    for (const name of o.baselines) {
      if (name === 'naive-async' && op !== 'store') continue;
      if (name === 'naive-async' || name === 'js-worker') for (const batch of o.batchSizes) out.push({ name, op, batch });
      else out.push({ name, op, batch: 1 });
    }
  }
  return out;
}

function pool(o: RunOptions, pageSize: number, temperature: PoolTemperature, backing: 'auto' | Backing, role: PoolPlan['role']): PoolPlan {
  const bytes = temperature === 'hot' ? o.hotPoolBytes : o.coldPoolBytes;
  const pages = poolPages(bytes, pageSize);
  const sub = o.backingSubset;
  return {
    pageSize,
    temperature,
    backingRequested: backing,
    pages,
    byteLength: pages * pageSize,
    role,
    cells: role === 'sweep' ? cellsFor(o.ops, o.sync, o.asyncModes, o.batchSizes) : cellsFor(sub.ops, sub.sync, sub.asyncModes, sub.batchSizes),
    // The backing subset keeps the native limit only: the other baselines do not use the pool.
    baselines: role === 'sweep' ? sweepBaselines(o) : o.baselines.includes('memcpy') ? sub.ops.map((op) => ({ name: 'memcpy' as const, op, batch: 1 })) : [],
  };
}

/** The pools of a run, in the order measured: the main sweep, then the backing subsets. */
export function planRun(o: RunOptions): PoolPlan[] {
  const out: PoolPlan[] = [];
  for (const pageSize of o.pageSizes) {
    for (const t of o.temperatures) {
      if (t === 'hot' && !o.hotPageSizes.includes(pageSize)) continue;
      out.push(pool(o, pageSize, t, o.mainBacking, 'sweep'));
    }
  }
  for (const backing of o.backings.slice(1)) {
    for (const pageSize of o.backingSubset.pageSizes) {
      for (const t of o.backingSubset.temperatures) out.push(pool(o, pageSize, t, backing, 'backing'));
    }
  }
  return out;
}

/** Copy speed assumed for estimates only (bytes per ms). */
const EST_BYTES_PER_MS = 4e6;

/** Rough wall time of one repetition of a cell, in ms: sample, latency phase, prefill, engine start and stop. */
export function estimateCellMs(p: PoolPlan, c: CellSpec, o: RunOptions): number {
  const batchMs = (c.batch * p.pageSize) / EST_BYTES_PER_MS;
  const sample = Math.max(o.sampleMs, 2 * batchMs);
  const latency = Math.max(o.sampleMs * o.latencyShare, 3 * batchMs);
  const prefill = p.byteLength / (2 * EST_BYTES_PER_MS);
  return sample + latency + prefill + (c.path === 'async' ? 3 : 0);
}

export function estimateBaselineMs(p: PoolPlan, b: BaselineSpec, o: RunOptions): number {
  const batchMs = (b.batch * p.pageSize) / EST_BYTES_PER_MS;
  const timed = b.name === 'naive-async' || b.name === 'js-worker';
  return Math.max(o.sampleMs, 2 * batchMs) + (timed ? Math.max(o.sampleMs * o.latencyShare, 3 * batchMs) : 0);
}

export function estimatePoolSetupMs(p: PoolPlan): number {
  return p.byteLength / EST_BYTES_PER_MS;
}

/** The whole plan's estimated cost in ms (warm-up repetition included). */
export function estimatePlanMs(plan: readonly PoolPlan[], o: RunOptions): number {
  let ms = 0;
  const passes = o.repetitions + 1;
  for (const p of plan) {
    ms += estimatePoolSetupMs(p);
    for (const c of p.cells) ms += passes * estimateCellMs(p, c, o);
    for (const b of p.baselines) ms += passes * estimateBaselineMs(p, b, o);
  }
  return ms;
}
