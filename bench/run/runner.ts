/**
 * The benchmark run: pool by pool, the baselines and then the cells, each
 * repetition of every variant on the pool taken in turn; then the report.
 * One pool is mapped at a time, and pools a backing cannot give are skipped
 * with a note saying why.
 */
import type { TextSink } from '../cli/command';
import { readFileSync } from 'node:fs';
import { machineInfo, parseCpuList, type MachineInfo } from '../../lib/machine-info';
import { JsWorkerCopier } from '../baselines/js-worker';
import { baselineKeyId, baselineKeyLabel, cellKeyId, cellKeyLabel } from '../report/keys';
import { pageLabel } from '../report/labels';
import type { Backing, Baseline, CacheEvidence, Cell, CellKey, NumaCell, Placement, PoolSetup, Report } from '../report/schema';
import { formatBytes } from '../report/stats';
import { sampleAsyncCell } from './async-cell';
import { closeBaselines, openBaselines, sampleBaseline, type BaselineResources } from './baselines';
import type { RunOptions } from './options';
import { measureCache, streamStoresFor } from './cache';
import { nowNs } from './clock';
import { formatDuration } from '../report/stats';
import {
  fitToBudget,
  planMemory,
  type Estimator,
  type FittedRun,
  estimateBaselineMs,
  estimateCellMs,
  estimatePlanMs,
  estimatePoolSetupMs,
  planRun,
  sourcePages,
  type BaselineSpec,
  type CellSpec,
  type PoolPlan,
} from './plan';
import { MachineLoad } from './load';
import { numaCrossing, type NumaCrossingPlan } from './numa';
import { describePool, freeHugePages, hugePagesNeeded, openPool, unavailableReason, type PoolBench } from './pool';
import { Progress } from './progress';
import { assembleReport } from './report';
import { timerCostNs, toMetrics, type Rep } from './sample';
import { sampleSyncCell, type PhaseTimes } from './sync-cell';

export interface RunHooks {
  /** Where to draw the progress line (a terminal), or null for none. */
  progress?: TextSink | null;
  /** Where the plan (memory and time, before anything is measured) is told, or null for nowhere. */
  log?: TextSink | null;
  /** The machine's description; read now when not given. */
  machine?: MachineInfo;
}

interface Variant {
  label: string;
  /** Estimated ms of one repetition. */
  weight: number;
  /** Counts as a cell in the progress line. */
  cell: boolean;
  run(): Rep | Promise<Rep>;
}

/**
 * One repetition of a variant, or an error naming it when it runs far past its
 * estimate (a copy that never lands must fail the run, not hang it).
 */
async function watched(v: Variant): Promise<Rep> {
  const limitMs = 60_000 + 100 * v.weight;
  let timer: NodeJS.Timeout | undefined;
  const stalled = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${v.label}: one repetition took more than ${Math.round(limitMs / 1000)} s; giving up`)), limitMs);
  });
  try {
    return await Promise.race([v.run(), stalled]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs every variant once per repetition, in turn, after one unrecorded warm-up
 * round; the order alternates direction between rounds so no variant always
 * follows the same one. Returns each variant's repetitions in order.
 */
async function interleave(variants: readonly Variant[], reps: number, progress: Progress): Promise<Rep[][]> {
  const out = variants.map(() => [] as Rep[]);
  const forward = variants.map((_, i) => i);
  const backward = [...forward].reverse();
  for (let r = -1; r < reps; r++) {
    for (const i of r % 2 === 0 ? backward : forward) {
      const v = variants[i]!;
      progress.at(`${v.label}${r < 0 ? ' (warm-up)' : ` (rep ${r + 1}/${reps})`}`);
      const rep = await watched(v);
      if (r >= 0) out[i]!.push(rep);
      progress.advance(v.weight, v.cell && r === reps - 1 ? 1 : 0);
    }
  }
  return out;
}

function cellKey(p: PoolPlan, backing: Backing, c: CellSpec): CellKey {
  const key: CellKey = { op: c.op, pageSize: p.pageSize, temperature: p.temperature, backing, path: c.path, batch: c.batch };
  if (c.mode) {
    key.waitMode = c.mode.waitMode;
    key.workers = c.mode.workers;
    key.depth = c.depth ?? 1;
    if (c.source === 'views') key.source = 'views';
  }
  return key;
}

function baselineKey(p: PoolPlan, backing: Backing, b: BaselineSpec): Omit<Baseline, 'metrics'> {
  return { name: b.name, op: b.op, pageSize: p.pageSize, temperature: p.temperature, backing, batch: b.batch };
}

function planWeight(p: PoolPlan, e: Estimator): number {
  return estimatePlanMs([p], e);
}

/** Copy speed for the plan's estimates: TypedArray.set over 32 MiB, best of 3 (a few tens of ms). */
export function calibrateBytesPerMs(): number {
  const bytes = 32 * 1024 * 1024;
  const a = new Uint8Array(bytes).fill(1);
  const b = new Uint8Array(bytes).fill(2);
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 3; i++) {
    const t0 = nowNs();
    b.set(a);
    best = Math.min(best, nowNs() - t0);
  }
  return bytes / Math.max(best / 1e6, 1e-3);
}

/**
 * Measured over estimated wall time of trial repetitions on a small hot pool
 * (a sync cell and an engine cell, engine start and stop included, ~0.1 s):
 * what the estimate misses on this machine now (its load, its thread wake-ups).
 * Clamped to 1..4.
 */
export async function calibrateScale(bytesPerMs: number, o: RunOptions): Promise<number> {
  const p: PoolPlan = { pageSize: 4096, temperature: 'hot', backingRequested: 'auto', pages: 2048, byteLength: 8 << 20, role: 'sweep', cells: [], baselines: [] };
  const pb = openPool(p, o.seed, false);
  try {
    const e: Estimator = { o: { ...o, sampleMs: 5 }, bytesPerMs };
    const times: PhaseTimes = { sampleMs: 5, latencyMs: 5 * o.latencyShare };
    const mode = o.asyncModes[0] ?? { waitMode: 'adaptive' as const, workers: 1 };
    const sync: CellSpec = { op: 'store', path: 'sync', batch: 16 };
    const async: CellSpec = { op: 'store', path: 'async', mode, batch: 16 };
    const est = estimateCellMs(p, sync, e) + estimateCellMs(p, async, e);
    // Four rounds, the fastest of the last three kept: the first also pays for
    // compiling the code it runs, and a neighbour's burst only ever adds time.
    let took = Number.POSITIVE_INFINITY;
    for (let round = 0; round < 4; round++) {
      const t0 = nowNs();
      sampleSyncCell(pb, 'store', 16, times);
      await sampleAsyncCell(pb, 'store', mode, { batch: 16, depth: 1, source: 'registered' }, times);
      if (round > 0) took = Math.min(took, (nowNs() - t0) / 1e6);
    }
    return Math.min(4, Math.max(1, took / est));
  } finally {
    pb.pool.close();
  }
}

/** The line told before the run starts: what it measures, the memory it takes, how long it should take. */
export function planLine(plan: readonly PoolPlan[], o: RunOptions, fit: FittedRun): string {
  const cells = plan.reduce((n, p) => n + p.cells.length, 0);
  const m = planMemory(plan);
  const parts = [`pool ${formatBytes(m.poolBytes)} (one at a time)`];
  if (m.destinationBytes > 0) parts.push(`JS destination ${formatBytes(m.destinationBytes)}`);
  if (m.workerBytes > 0) parts.push(`worker copier ${formatBytes(m.workerBytes)}`);
  const fitted = fit.changes.length > 0 ? `; fitted to the budget: ${fit.changes.join(', ')}` : '';
  return (
    `plan: ${plan.length} pools, ${cells} cells × ${o.repetitions} repetitions of ${o.sampleMs} ms; ` +
    `memory ≈ ${formatBytes(m.peakBytes)} (${parts.join(' + ')}; Node itself adds ~150 MiB); ` +
    `estimated ${formatDuration(fit.fittedEstimateMs)} of a ${formatDuration(o.budgetSeconds * 1000)} budget${fitted}`
  );
}

const HUGE_PAGE = 2 * 1024 * 1024;

/** Leaves out hugetlb pools the machine has too few free huge pages for, with a note on how to reserve them. */
function checkHugetlb(plan: PoolPlan[], m: MachineInfo, notes: string[]): PoolPlan[] {
  const free = freeHugePages(m);
  const short = plan.filter((p) => p.backingRequested === 'hugetlb' && (free === null || free < hugePagesNeeded(p.byteLength)));
  if (short.length === 0) return plan;
  const need = Math.max(...short.map((p) => hugePagesNeeded(p.byteLength)));
  const total = m.hugePages.pools.find((p) => p.sizeBytes === HUGE_PAGE)?.total ?? m.hugePages.total ?? 0;
  const target = total + need - (free ?? 0);
  const which = short.length === plan.filter((p) => p.backingRequested === 'hugetlb').length ? 'its pools' : `${short.length} of its pools`;
  notes.push(
    `hugetlb: not measured — ${which} need ${need} free 2 MiB huge pages (${formatBytes(need * HUGE_PAGE)}) and the kernel has ` +
      `${free ?? 'an unknown number of'} free (${total} reserved). To include it, reserve them as root before the run: ` +
      `echo ${target} > /proc/sys/vm/nr_hugepages (or sysctl -w vm.nr_hugepages=${target}); check HugePages_Free in /proc/meminfo, ` +
      'and set it back afterwards. frontswap bench never reserves huge pages itself.',
  );
  return plan.filter((p) => !short.includes(p));
}

async function startResources(plan: readonly PoolPlan[]): Promise<BaselineResources> {
  const sweep = plan.filter((p) => p.baselines.some((b) => b.name === 'typedarray-set' || b.name === 'buffer-copy' || b.name === 'js-worker'));
  const dstBytes = Math.max(0, ...sweep.map((p) => p.byteLength));
  const dst = new ArrayBuffer(dstBytes);
  new Uint8Array(dst).fill(1);  // faulted in before any sample
  const jw = plan.filter((p) => p.baselines.some((b) => b.name === 'js-worker'));
  let jsWorker: JsWorkerCopier | null = null;
  if (jw.length > 0) {
    jsWorker = await JsWorkerCopier.start({
      poolBytes: Math.max(...jw.map((p) => p.byteLength)),
      srcBytes: Math.max(...jw.map((p) => sourcePages(p.pageSize) * p.pageSize)),
      maxBatch: Math.max(...jw.flatMap((p) => p.baselines.map((b) => b.batch))),
    });
  }
  return { dst, jsWorker };
}

/** Measures one pool: baselines first (on the pool's slots, reserved), then the cells. */
async function measurePool(
  pb: PoolBench,
  cells: CellSpec[],
  baselines: BaselineSpec[],
  e: Estimator,
  res: BaselineResources,
  progress: Progress,
): Promise<{ cells: Cell[]; baselines: Baseline[] }> {
  const p = pb.plan;
  const o = e.o;
  const times: PhaseTimes = { sampleMs: o.sampleMs, latencyMs: o.sampleMs * o.latencyShare };
  const outBaselines: Baseline[] = [];
  if (baselines.length > 0) {
    const ctx = openBaselines(pb, res, baselines, o.seed ^ p.pageSize);
    try {
      const variants: Variant[] = baselines.map((b) => ({
        label: baselineKeyLabel(baselineKey(p, pb.backing, b)),
        weight: estimateBaselineMs(p, b, e),
        cell: false,
        run: () => sampleBaseline(ctx, b, times),
      }));
      const reps = await interleave(variants, o.repetitions, progress);
      baselines.forEach((b, i) => outBaselines.push({ ...baselineKey(p, pb.backing, b), metrics: toMetrics(p.pageSize, reps[i]!) }));
    } finally {
      closeBaselines(ctx);
    }
  }
  const variants: Variant[] = cells.map((c) => ({
    label: cellKeyLabel(cellKey(p, pb.backing, c)) + (c.workerNode === undefined ? '' : `, pool node ${p.numaNode}, workers on node ${c.workerNode}`),
    weight: estimateCellMs(p, c, e),
    cell: true,
    run: () =>
      c.path === 'sync'
        ? sampleSyncCell(pb, c.op, c.batch, times)
        : sampleAsyncCell(pb, c.op, c.mode!, { batch: c.batch, depth: c.depth ?? 1, source: c.source ?? 'registered', ...(c.cpus ? { cpus: c.cpus } : {}) }, times),
  }));
  const reps = await interleave(variants, o.repetitions, progress);
  const outCells = cells.map((c, i) => ({
    ...cellKey(p, pb.backing, c),
    ...(c.workerNode === undefined ? {} : { poolNode: p.numaNode!, workerNode: c.workerNode }),
    metrics: toMetrics(p.pageSize, reps[i]!),
  }));
  return { cells: outCells, baselines: outBaselines };
}

/** Runs the benchmark `o` describes and returns its report. */
export async function runBench(given: RunOptions, hooks: RunHooks = {}): Promise<Report> {
  const startedAt = new Date();
  const t0 = Date.now();
  const machine = hooks.machine ?? machineInfo();
  const load = new MachineLoad();
  const notes: string[] = [];
  const bytesPerMs = calibrateBytesPerMs();
  const cache = measureCache(machine.lastLevelCacheBytes);
  const numa = numaCrossing(machine.numaNodes, allowedCpuList());
  // The NUMA pairs come from this machine's topology, whatever the options held.
  const asked: RunOptions = { ...given, numaPairs: numa.pairs };
  const scale = await calibrateScale(bytesPerMs, asked);
  const fit = fitToBudget(asked, bytesPerMs, (x) => checkHugetlb(planRun(x), machine, []), scale);
  const o = fit.options;
  const e: Estimator = { o, bytesPerMs, scale };
  const plan = checkHugetlb(planRun(o), machine, notes);
  if (fit.changes.length > 0) notes.push(`Fitted to the ${o.budgetSeconds} s budget (--budget): ${fit.changes.join(', ')}.`);
  hooks.log?.write(`${planLine(plan, o, fit)}\n`);
  const totalCells = plan.reduce((n, p) => n + p.cells.length, 0);
  const progress = new Progress(hooks.progress ?? null, estimatePlanMs(plan, e), totalCells);
  const workerCpus: Record<string, number[][]> = {};
  const tc = timerCostNs();

  const pools: PoolSetup[] = [];
  const cells: Cell[] = [];
  const numaCells: NumaCell[] = [];
  const baselines: Baseline[] = [];
  const measuredCells = new Set<string>();
  const measuredBaselines = new Set<string>();
  const res = await startResources(plan);
  try {
    for (const p of plan) {
      const where = `${p.temperature} ${pageLabel(p.pageSize)} pool (${formatBytes(p.byteLength)}, backing '${p.backingRequested}')`;
      progress.at(`mapping the ${where}`);
      let pb: PoolBench;
      try {
        pb = openPool(p, o.seed, streamStoresFor(cache, p.temperature, p.byteLength), p.numaNode);
        pb.workerCpus = workerCpus;
      } catch (err) {
        notes.push(`The ${where} could not be mapped: ${unavailableReason(err)}; skipped.`);
        progress.advance(planWeight(p, e), p.cells.length);
        continue;
      }
      try {
        progress.advance(estimatePoolSetupMs(p, e));
        const got = pb.backing;
        if (p.backingRequested !== 'auto' && got !== p.backingRequested) {
          notes.push(
            `Asked for backing '${p.backingRequested}' for the ${where}; the kernel gave '${got}' ` +
              `(${formatBytes(pb.setup.hugeBytes)} in huge pages): its figures are recorded as '${got}'.`,
          );
        }
        if (p.role === 'numa') {
          // Each pair's cells are their own measurement: nothing is shared with the sweep.
          pools.push(pb.setup);
          progress.at(`${describePool(pb.setup)}, bound to node ${p.numaNode}`);
          const r = await measurePool(pb, p.cells, [], e, res, progress);
          numaCells.push(...(r.cells as NumaCell[]));
          continue;
        }
        const todoCells = p.cells.filter((c) => !measuredCells.has(cellKeyId(cellKey(p, got, c))));
        const todoBaselines = p.baselines.filter((b) => !measuredBaselines.has(baselineKeyId(baselineKey(p, got, b))));
        const skipped = p.cells.length - todoCells.length;
        if (skipped > 0) {
          notes.push(
            `Backing '${p.backingRequested}' (got '${got}') for the ${p.temperature} ${pageLabel(p.pageSize)} pool: ${skipped} of its ` +
              `${p.cells.length} comparison cells were already measured on a ${got} pool in this run and are not repeated.`,
          );
          const passes = o.repetitions + 1;
          const dropped = p.cells.filter((c) => !todoCells.includes(c));
          progress.advance(dropped.reduce((w, c) => w + passes * estimateCellMs(p, c, e), 0), skipped);
          const droppedBase = p.baselines.filter((b) => !todoBaselines.includes(b));
          progress.advance(droppedBase.reduce((w, b) => w + passes * estimateBaselineMs(p, b, e), 0));
        }
        if (todoCells.length === 0 && todoBaselines.length === 0) continue;
        pools.push(pb.setup);
        progress.at(describePool(pb.setup));
        const r = await measurePool(pb, todoCells, todoBaselines, e, res, progress);
        for (const c of r.cells) {
          measuredCells.add(cellKeyId(c));
          cells.push(c);
        }
        for (const b of r.baselines) {
          measuredBaselines.add(baselineKeyId(b));
          baselines.push(b);
        }
      } finally {
        pb.pool.close();
      }
    }
  } finally {
    progress.finish();
    await res.jsWorker?.close();
  }
  if (cells.length === 0 && baselines.length === 0) {
    throw new Error(`nothing could be measured with these options:\n  ${notes.join('\n  ')}`);
  }
  const cpus = machine.cpu.onlineCpus ?? machine.cpu.cores;
  const others = load.othersShare(cpus);
  if (others !== null) {
    const pct = `${(others * 100).toFixed(others < 0.1 ? 1 : 0)}%`;
    notes.push(
      others >= 0.05
        ? `Other processes kept ${pct} of the ${cpus} CPUs busy during the run (/proc/stat): every figure is disturbed, the async ones ` +
            '(which need a free CPU for their workers) most; rerun on a quiet machine.'
        : `Other processes kept ${pct} of the ${cpus} CPUs busy during the run (/proc/stat).`,
    );
  }
  const facts = {
    startedAt,
    durationMs: Date.now() - t0,
    timerCostNs: tc,
    jsWorkerCpu: baselines.some((b) => b.name === 'js-worker' && b.metrics.workerCpuNsPerPage !== undefined),
  };
  notes.push(cacheNote(cache));
  const placement = placementOf(machine, o, workerCpus, numa);
  notes.push(`NUMA: ${placement.numaCrossing}.`);
  const report = assembleReport(o, machine, facts, notes, pools, cells, baselines);
  if (numa.crossing) report.numa = numaCells;
  const m = planMemory(plan);
  report.cache = cache;
  report.placement = placement;
  report.plan = {
    budgetMs: o.budgetSeconds * 1000,
    estimateMs: fit.estimateMs,
    fittedEstimateMs: fit.fittedEstimateMs,
    estimateBytesPerMs: bytesPerMs,
    estimateScale: scale,
    peakMemoryBytes: m.peakBytes,
    changes: fit.changes,
  };
  return report;
}

/** The cache note: how cold was made, what sysfs said, what the probe found, what was decided. */
export function cacheNote(c: CacheEvidence): string {
  const size = (b: number | null): string => (b === null ? 'unknown' : formatBytes(b));
  const first = c.probe[0];
  const last = c.probe[c.probe.length - 1];
  const probe = first && last ? ` (${first.nsPerLoad.toFixed(0)} ns a load at ${size(first.bytes)}, ${last.nsPerLoad.toFixed(0)} ns at ${size(last.bytes)})` : '';
  return (
    `Cache: ${c.method} (${c.flush}). sysfs reports a ${size(c.sysfsLastLevelBytes)} last-level cache; a random pointer chase over ` +
    `${c.probe.length} sizes${probe} puts the knee at ${c.measuredLastLevelBytes === null ? 'none within the sizes probed' : size(c.measuredLastLevelBytes)}; ` +
    `decisions use ${size(c.effectiveLastLevelBytes)}: cold pools larger than ${size(c.streamStoresAboveBytes)} use streaming stores, hot pools never.`
  );
}

/** Where the run ran: CPUs, NUMA nodes (memory-only ones marked), the pairs crossed, the workers' CPUs. */
function placementOf(machine: MachineInfo, o: RunOptions, workerCpus: Record<string, number[][]>, numa: NumaCrossingPlan): Placement {
  const nodes = machine.numaNodes;
  const cpuless = nodes.filter((n) => n.cpuList !== null && n.cpuList.trim() === '').map((n) => n.id);
  return {
    allowedCpus: o.allowedCpus,
    numaNodes: nodes.length,
    cpulessNodes: cpuless,
    numaCrossing: numa.words,
    numaPairs: numa.pairs,
    workerCpus,
  };
}

/** CPUs this process may run on (Cpus_allowed_list of /proc/self/status), or null where it does not say. */
function allowedCpuList(): number[] | null {
  try {
    const line = readFileSync('/proc/self/status', 'utf8').split('\n').find((l) => l.startsWith('Cpus_allowed_list:'));
    return line ? parseCpuList(line.slice(line.indexOf(':') + 1).trim()) : null;
  } catch {
    return null;
  }
}
