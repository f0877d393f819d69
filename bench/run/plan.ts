/**
 * The run as a list of pools, each with the cells and baselines measured on it,
 * and a rough cost of every piece so the progress bar can tell a person how long
 * is left. Nothing here touches memory: it only decides what to measure.
 */
import type { Backing, BaselineName, Op, PageSource, PoolTemperature } from '../report/schema';
import { poolPages, type AsyncMode, type RunOptions } from './options';

export interface CellSpec {
  op: Op;
  path: 'sync' | 'async';
  /** Async only. */
  mode?: AsyncMode;
  batch: number;
  /** Async only: batches in flight (queue depth) and how pages reach the engine. */
  depth?: number;
  source?: PageSource;
  /** NUMA crossing only: the node whose CPUs the workers are pinned to, and those CPUs. */
  workerNode?: number;
  cpus?: number[];
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
  /** 'sweep': the main sweep; 'backing': the comparison subset of an extra backing; 'numa': the NUMA crossing. */
  role: 'sweep' | 'backing' | 'numa';
  /** NUMA crossing only: the node the pool is bound to. */
  numaNode?: number;
  cells: CellSpec[];
  baselines: BaselineSpec[];
}

/** Source pages registered with the engine (and copied by every baseline): at most 8 MiB, 4 to 64 pages. */
export function sourcePages(pageSize: number): number {
  return Math.max(4, Math.min(64, Math.floor((8 << 20) / pageSize)));
}

/** What one pool's cells cross: ops, sync or not, engine settings, batches, queue depths, page sources. */
interface CellAxes {
  ops: readonly Op[];
  sync: boolean;
  modes: readonly AsyncMode[];
  batches: readonly number[];
  depths: readonly number[];
  sources: readonly PageSource[];
}

/** Sync cells once per batch (depth and source are the engine's); async cells over every axis. */
function cellsFor(a: CellAxes): CellSpec[] {
  const out: CellSpec[] = [];
  for (const op of a.ops) {
    if (a.sync) for (const batch of a.batches) out.push({ op, path: 'sync', batch });
    for (const depth of a.depths) {
      for (const source of a.sources) {
        for (const mode of a.modes) for (const batch of a.batches) out.push({ op, path: 'async', mode, batch, depth, source });
      }
    }
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
  // Pools not among deepTemperatures run the smallest depth only.
  const depths = o.deepTemperatures.includes(temperature) ? o.depths : [Math.min(...o.depths)];
  const pages = poolPages(bytes, pageSize);
  const sub = o.backingSubset;
  return {
    pageSize,
    temperature,
    backingRequested: backing,
    pages,
    byteLength: pages * pageSize,
    role,
    cells:
      role === 'sweep'
        ? cellsFor({ ops: o.ops, sync: o.sync, modes: o.asyncModes, batches: o.batchSizes, depths, sources: o.sources })
        : cellsFor({ ops: sub.ops, sync: sub.sync, modes: sub.asyncModes, batches: sub.batchSizes, depths: sub.depths, sources: ['registered'] }),
    // The backing subset keeps the native limit only: the other baselines do not use the pool.
    baselines: role === 'sweep' ? sweepBaselines(o) : o.baselines.includes('memcpy') ? sub.ops.map((op) => ({ name: 'memcpy' as const, op, batch: 1 })) : [],
  };
}

/**
 * The NUMA crossing: per pool node, a pool of the backing subset's temperature
 * and page sizes, bound to that node, whose async cells (the subset's) run once
 * per worker node, the workers pinned to its CPUs. Sync cells are left out:
 * the calling thread is not pinned, so they would cross nothing.
 */
function numaPools(o: RunOptions): PoolPlan[] {
  if (o.numaPairs.length <= 1) return [];
  const sub = o.backingSubset;
  const out: PoolPlan[] = [];
  const poolNodes = [...new Set(o.numaPairs.map((x) => x.poolNode))];
  for (const pageSize of sub.pageSizes) {
    for (const t of sub.temperatures) {
      for (const node of poolNodes) {
        const base = pool(o, pageSize, t, o.mainBacking, 'numa');
        const asyncCells = cellsFor({ ops: sub.ops, sync: false, modes: sub.asyncModes, batches: sub.batchSizes, depths: sub.depths, sources: ['registered'] });
        const cells = o.numaPairs
          .filter((x) => x.poolNode === node)
          .flatMap((x) => asyncCells.map((c) => ({ ...c, workerNode: x.workerNode, cpus: [...x.workerCpus] })));
        out.push({ ...base, numaNode: node, cells, baselines: [] });
      }
    }
  }
  return out;
}

/** The pools of a run, in the order measured: the main sweep, the backing subsets, then the NUMA crossing. */
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
  out.push(...numaPools(o));
  return out;
}

/** Copy speed assumed for estimates when none was measured (bytes per ms). */
export const DEFAULT_EST_BYTES_PER_MS = 4e6;

/** What estimates assume: the options, and the copy speed measured at the start of the run. */
export interface Estimator {
  o: RunOptions;
  bytesPerMs: number;
  /** Measured wall time over estimated, from a trial repetition at the start (1 when none ran). */
  scale?: number;
}

function est(o: RunOptions | Estimator): Estimator {
  return 'bytesPerMs' in o ? o : { o, bytesPerMs: DEFAULT_EST_BYTES_PER_MS };
}

/**
 * The throughput phase: the sample time, shorter on a cold pool whose window of
 * distinct pages is copied sooner, and never less than `minBatches` batches
 * (2; an async cell at depth d keeps d in flight, and drains them at the end).
 */
function sampleMsOf(p: PoolPlan, batchMs: number, e: Estimator, minBatches = 2): number {
  const whole = p.temperature === 'cold' ? p.byteLength / e.bytesPerMs : Number.POSITIVE_INFINITY;
  return Math.max(Math.min(e.o.sampleMs, whole), minBatches * batchMs);
}

/** Rough wall time of one repetition of a cell, in ms: sample, latency phase, prefill, engine start and stop. */
export function estimateCellMs(p: PoolPlan, c: CellSpec, oe: RunOptions | Estimator): number {
  const e = est(oe);
  const batchMs = (c.batch * p.pageSize) / e.bytesPerMs;
  const sample = sampleMsOf(p, batchMs, e, Math.max(2, c.depth ?? 1));
  const latency = Math.max(e.o.sampleMs * e.o.latencyShare, 3 * batchMs);
  const prefill = p.byteLength / e.bytesPerMs;
  return sample + latency + prefill + (c.path === 'async' ? 3 : 0.2);
}

export function estimateBaselineMs(p: PoolPlan, b: BaselineSpec, oe: RunOptions | Estimator): number {
  const e = est(oe);
  const batchMs = (b.batch * p.pageSize) / e.bytesPerMs;
  const timed = b.name === 'naive-async' || b.name === 'js-worker';
  return sampleMsOf(p, batchMs, e) + (timed ? Math.max(e.o.sampleMs * e.o.latencyShare, 3 * batchMs) : 0);
}

export function estimatePoolSetupMs(p: PoolPlan, oe?: RunOptions | Estimator): number {
  return p.byteLength / (oe ? est(oe).bytesPerMs : DEFAULT_EST_BYTES_PER_MS);
}

/** The whole plan's estimated cost in ms (warm-up repetition included). */
export function estimatePlanMs(plan: readonly PoolPlan[], oe: RunOptions | Estimator): number {
  const e = est(oe);
  let ms = 0;
  const passes = e.o.repetitions + 1;
  for (const p of plan) {
    ms += estimatePoolSetupMs(p, e);
    for (const c of p.cells) ms += passes * estimateCellMs(p, c, e);
    for (const b of p.baselines) ms += passes * estimateBaselineMs(p, b, e);
  }
  return ms * (e.scale ?? 1);
}

/** Peak memory of a plan: one pool at a time, plus the JS destination and the worker copier's buffers, which live for the whole run. */
export function planMemory(plan: readonly PoolPlan[]): { poolBytes: number; destinationBytes: number; workerBytes: number; peakBytes: number } {
  const poolBytes = Math.max(0, ...plan.map((p) => p.byteLength));
  const jsDst = plan.filter((p) => p.baselines.some((b) => b.name === 'typedarray-set' || b.name === 'buffer-copy' || b.name === 'js-worker'));
  const destinationBytes = Math.max(0, ...jsDst.map((p) => p.byteLength));
  const jw = plan.filter((p) => p.baselines.some((b) => b.name === 'js-worker'));
  const workerBytes = jw.length === 0 ? 0 : Math.max(...jw.map((p) => p.byteLength)) + Math.max(...jw.map((p) => sourcePages(p.pageSize) * p.pageSize));
  return { poolBytes, destinationBytes, workerBytes, peakBytes: poolBytes + destinationBytes + workerBytes };
}

/** Shortest sample time and fewest repetitions the planner fits down to (4: the fewest at which the U test can reach p < 0.05). */
export const MIN_SAMPLE_MS = 4;
export const MIN_REPETITIONS = 4;

export interface FittedRun {
  options: RunOptions;
  plan: PoolPlan[];
  estimateMs: number;
  fittedEstimateMs: number;
  /** What was changed, in words. */
  changes: string[];
}

/** Shorter sample times (down to MIN_SAMPLE_MS), then fewer repetitions (down to MIN_REPETITIONS), each scaled by how far the estimate is over. */
function shrinkToBudget(o: RunOptions, bytesPerMs: number, plan: (o: RunOptions) => PoolPlan[], scale: number): FittedRun {
  const budgetMs = o.budgetSeconds * 1000;
  let cur = o;
  let p = plan(cur);
  const estimateMs = estimatePlanMs(p, { o: cur, bytesPerMs, scale });
  let ms = estimateMs;
  const changes: string[] = [];
  // Each step lowers one knob by at least one unit (the estimate also holds prefill and setup, which no knob shortens).
  for (let step = 0; step < 256 && ms > budgetMs; step++) {
    const over = budgetMs / ms;
    if (cur.sampleMs > MIN_SAMPLE_MS) {
      const sampleMs = Math.max(MIN_SAMPLE_MS, Math.min(cur.sampleMs - 1, Math.floor(cur.sampleMs * over)));
      cur = { ...cur, sampleMs };
    } else if (cur.repetitions > MIN_REPETITIONS) {
      const repetitions = Math.max(MIN_REPETITIONS, Math.min(cur.repetitions - 1, Math.floor((cur.repetitions + 1) * over) - 1));
      cur = { ...cur, repetitions };
    } else {
      break;
    }
    p = plan(cur);
    ms = estimatePlanMs(p, { o: cur, bytesPerMs, scale });
  }
  if (cur.sampleMs !== o.sampleMs) changes.push(`sample time ${o.sampleMs} → ${cur.sampleMs} ms`);
  if (cur.repetitions !== o.repetitions) changes.push(`repetitions ${o.repetitions} → ${cur.repetitions}`);
  if (ms > budgetMs) changes.push(`still over the ${o.budgetSeconds} s budget at ${MIN_SAMPLE_MS} ms samples and ${MIN_REPETITIONS} repetitions: narrow the sweep`);
  return { options: cur, plan: p, estimateMs, fittedEstimateMs: ms, changes };
}

/**
 * Fits a run to its budget. First the optional queue depths: a quick run keeps
 * them only if it fits with them as planned; a full run keeps them if it fits
 * with shorter sample times but all its repetitions. Then shorter sample times (down to
 * MIN_SAMPLE_MS), then fewer repetitions (down to MIN_REPETITIONS). What cannot
 * be fitted so is left, and said.
 */
export function fitToBudget(asked: RunOptions, bytesPerMs: number, plan: (o: RunOptions) => PoolPlan[] = planRun, scale = 1): FittedRun {
  if (asked.optionalDepths.length === 0) return shrinkToBudget(asked, bytesPerMs, plan, scale);
  const budgetMs = asked.budgetSeconds * 1000;
  const base: RunOptions = { ...asked, optionalDepths: [] };
  const deeper: RunOptions = { ...base, depths: [...new Set([...asked.depths, ...asked.optionalDepths])].sort((a, b) => a - b) };
  let fits: boolean;
  if (asked.quick) {
    fits = estimatePlanMs(plan(deeper), { o: deeper, bytesPerMs, scale }) <= budgetMs;
  } else {
    // Shorter samples may pay for it, fewer repetitions may not: they decide what the U test can tell apart.
    const shrunk = shrinkToBudget(deeper, bytesPerMs, plan, scale);
    fits = shrunk.fittedEstimateMs <= budgetMs && shrunk.options.repetitions === deeper.repetitions;
  }
  const fit = shrinkToBudget(fits ? deeper : base, bytesPerMs, plan, scale);
  const said = `queue depth ${asked.optionalDepths.join(', ')} ${fits ? 'added: the budget allows it' : 'left out: the run would not fit its budget with it'}`;
  return { ...fit, changes: [said, ...fit.changes] };
}
