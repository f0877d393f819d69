/**
 * The answer a report exists for: from what batch size does the async engine
 * beat the synchronous copy? "Beats" counts only when the Mann–Whitney U test
 * over the repetitions says so (verdict.ts), and the win must hold at every
 * larger batch measured, so one lucky batch size never makes a crossover.
 */
import type { Cell, Crossover, CrossoverMetric, Stat, WaitMode } from './schema';
import { compareModes, compareSetting, modeId, modeLabel, modeOf, pageLabel, poolLabel, type Mode } from './labels';
import { formatRatio, ratio } from './stats';
import { verdictOf } from './verdict';

export const CROSSOVER_METRICS: readonly CrossoverMetric[] = ['throughput', 'callerCpu'];

/** The figure a metric compares: throughput is better higher, caller CPU lower. */
export function metricStat(cell: Cell, metric: CrossoverMetric): Stat {
  return metric === 'throughput' ? cell.metrics.gbps : cell.metrics.callerCpuNsPerPage;
}

/**
 * Async significantly better than sync in this metric (the U test at ALPHA; with
 * fewer than 4 repetitions each, non-overlapping interquartile ranges).
 */
export function asyncBeats(async: Stat, sync: Stat, metric: CrossoverMetric): boolean {
  return verdictOf(async, sync, metric).winner === 'async';
}

/**
 * The sync cell to hold an async batch against: the same batch if measured,
 * else the largest smaller batch, else the smallest batch there is.
 * `sync` must be non-empty and share the async cell's op, page size, temperature and backing.
 */
export function pickSyncReference(sync: readonly Cell[], batch: number): Cell {
  let best: Cell | undefined;
  let smallest: Cell | undefined;
  for (const c of sync) {
    if (c.batch <= batch && (best === undefined || c.batch > best.batch)) best = c;
    if (smallest === undefined || c.batch < smallest.batch) smallest = c;
  }
  if (smallest === undefined) throw new RangeError('pickSyncReference() needs at least one sync cell');
  return best ?? smallest;
}

function settingId(c: Cell): string {
  return `${c.op}|${c.pageSize}|${c.temperature}|${c.backing}`;
}

/** Groups async cells by engine setting, and sync cells by op/page/pool, keeping first occurrences. */
function group(cells: readonly Cell[]): { sync: Map<string, Cell[]>; async: Map<string, Cell[]> } {
  const sync = new Map<string, Cell[]>();
  const async = new Map<string, Cell[]>();
  for (const c of cells) {
    const into = c.path === 'sync' ? sync : async;
    const id = c.path === 'sync' ? settingId(c) : `${settingId(c)}|${modeId(c)}`;
    const list = into.get(id) ?? [];
    if (!list.some((o) => o.batch === c.batch)) list.push(c);
    into.set(id, list);
  }
  return { sync, async };
}

/** One metric for one engine setting, its async cells sorted by batch. */
function crossoverFor(asyncCells: readonly Cell[], syncCells: readonly Cell[], metric: CrossoverMetric): Crossover {
  const first = asyncCells[0]!;
  const rows = asyncCells.map((a) => {
    const s = pickSyncReference(syncCells, a.batch);
    const as = metricStat(a, metric);
    const ss = metricStat(s, metric);
    return { batch: a.batch, beats: asyncBeats(as, ss, metric), ratio: ratio(as.median, ss.median) };
  });

  // Walk down from the largest batch while async keeps winning.
  let at: (typeof rows)[number] | undefined;
  for (let i = rows.length - 1; i >= 0 && rows[i]!.beats; i--) at = rows[i];
  const largest = rows[rows.length - 1]!;

  const waitMode = first.waitMode as WaitMode;
  const workers = first.workers as number;
  const setting = modeOf(first);
  const mode = modeLabel(setting);
  const head = `${pageLabel(first.pageSize)} ${first.op}, ${poolLabel(first.temperature, first.backing)}, ${mode}`;
  let note: string;
  if (at) {
    note =
      metric === 'throughput'
        ? `${head}: async wins from batch ${at.batch} (${formatRatio(at.ratio)} sync throughput)`
        : `${head}: async takes less caller CPU from batch ${at.batch} (${formatRatio(at.ratio)} sync caller CPU)`;
  } else {
    // The most favourable ratio measured, so a near miss reads as one.
    const finite = rows.filter((r) => Number.isFinite(r.ratio));
    const best = finite.reduce<(typeof rows)[number] | undefined>(
      (b, r) => (b === undefined || (metric === 'throughput' ? r.ratio > b.ratio : r.ratio < b.ratio) ? r : b),
      undefined,
    );
    const range = rows.length === 1 ? `batch ${rows[0]!.batch}` : `batches ${rows[0]!.batch}–${largest.batch}`;
    const bestText = best ? ` (best ${formatRatio(best.ratio)} at ${best.batch})` : '';
    note =
      metric === 'throughput'
        ? `${head}: async never wins throughput within ${range}${bestText}`
        : `${head}: async never takes less caller CPU within ${range}${bestText}`;
  }

  return {
    op: first.op,
    pageSize: first.pageSize,
    temperature: first.temperature,
    backing: first.backing,
    waitMode,
    workers,
    ...(setting.depth === undefined ? {} : { depth: setting.depth }),
    ...(setting.source === undefined ? {} : { source: setting.source }),
    metric,
    batch: at ? at.batch : null,
    ratio: at ? at.ratio : largest.ratio,
    note,
  };
}

/**
 * Crossovers for every (op, page size, temperature, backing, wait mode, workers)
 * that has async cells and a sync reference, for throughput and caller CPU.
 */
export function computeCrossovers(cells: readonly Cell[]): Crossover[] {
  const { sync, async } = group(cells);
  const out: Crossover[] = [];
  for (const list of async.values()) {
    const syncCells = sync.get(settingId(list[0]!));
    if (!syncCells || syncCells.length === 0) continue;
    const sorted = [...list].sort((a, b) => a.batch - b.batch);
    for (const metric of CROSSOVER_METRICS) out.push(crossoverFor(sorted, syncCells, metric));
  }
  return out.sort(compareCrossovers);
}

/** Display order: setting, then mode, then throughput before caller CPU. */
export function compareCrossovers(a: Crossover, b: Crossover): number {
  return (
    compareSetting(a, b) ||
    compareModes(crossoverMode(a), crossoverMode(b)) ||
    CROSSOVER_METRICS.indexOf(a.metric) - CROSSOVER_METRICS.indexOf(b.metric)
  );
}

/** The engine setting a crossover is for. */
export function crossoverMode(c: Crossover): Mode {
  return modeOf({ path: 'async', waitMode: c.waitMode, workers: c.workers, ...(c.depth === undefined ? {} : { depth: c.depth }), ...(c.source === undefined ? {} : { source: c.source }) });
}

/**
 * A report's crossovers, computed again from its cells so that every report
 * (also one written by an older version, whose crossovers went by the spread)
 * is judged by the same test; the stored ones when it has no cells.
 */
export function crossoversOf(report: { cells: readonly Cell[]; crossovers: readonly Crossover[] }): Crossover[] {
  return report.cells.length > 0 ? computeCrossovers(report.cells) : [...report.crossovers];
}
