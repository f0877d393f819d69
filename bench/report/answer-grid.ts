/**
 * The answer as a grid: for one op, queue depth and metric, page size × batch,
 * each cell the verdict of the best engine mode against sync there. The grid
 * is what report.md and report.html open with; grid-chart.ts draws it.
 */
import { metricStat, pickSyncReference } from './crossover';
import { BACKING_ORDER, OP_ORDER, distinct, distinctModes, modeId, modeLabel, pageLabel as pageLabelOf, preferred, rank, type Mode } from './labels';
import type { Backing, Cell, CrossoverMetric, Op, PoolTemperature, Report } from './schema';
import { chartTemperature } from './svg';
import { verdictOf, type Verdict } from './verdict';

export interface GridCell {
  pageSize: number;
  batch: number;
  /** The engine mode shown: the one with the most favourable median here. */
  mode: Mode;
  verdict: Verdict;
}

export interface AnswerGrid {
  op: Op;
  /** Batches in flight per async cell (1: submit, await, submit the next). */
  depth: number;
  metric: CrossoverMetric;
  temperature: PoolTemperature;
  backing: Backing;
  pageSizes: number[];
  batches: number[];
  /** Only measured (page size, batch) pairs, row by row. */
  cells: GridCell[];
  /** Per page size: the smallest batch from which async wins at every larger batch measured; null: never. */
  crossover: Map<number, number | null>;
  /** Async modes compared in every cell. */
  modes: Mode[];
}

/** Queue depth of a cell: its own field where a report has one, else the run's. */
export function depthOf(cell: Cell, report: Report): number {
  const own = (cell as Cell & { depth?: unknown }).depth;
  if (typeof own === 'number' && own >= 1) return own;
  const d = report.options?.depth;
  return typeof d === 'number' && d >= 1 ? d : 1;
}

/** Is `a` a better median than `b` for async in this metric? */
const favours = (metric: CrossoverMetric, a: number, b: number): boolean => (metric === 'throughput' ? a > b : a < b);

function buildGrid(report: Report, op: Op, depth: number, metric: CrossoverMetric): AnswerGrid | null {
  const mine = report.cells.filter((c) => c.op === op && (c.path === 'sync' || depthOf(c, report) === depth));
  const temperature = chartTemperature(mine.filter((c) => c.path === 'async'));
  if (temperature === undefined) return null;
  const atTemp = mine.filter((c) => c.temperature === temperature);
  const backing = preferred(distinct(atTemp.map((c) => c.backing)), BACKING_ORDER);
  if (backing === undefined) return null;
  const chosen = atTemp.filter((c) => c.backing === backing);
  const asyncCells = chosen.filter((c) => c.path === 'async');
  const pageSizes = distinct(asyncCells.map((c) => c.pageSize)).sort((a, b) => a - b);
  const batches = distinct(asyncCells.map((c) => c.batch)).sort((a, b) => a - b);
  const cells: GridCell[] = [];
  const crossover = new Map<number, number | null>();
  for (const pageSize of pageSizes) {
    const sync = chosen.filter((c) => c.path === 'sync' && c.pageSize === pageSize);
    if (sync.length === 0) continue;
    const row: GridCell[] = [];
    for (const batch of batches) {
      const candidates = asyncCells.filter((c) => c.pageSize === pageSize && c.batch === batch);
      if (candidates.length === 0) continue;
      const best = candidates.reduce((b, c) =>
        favours(metric, metricStat(c, metric).median, metricStat(b, metric).median) ? c : b,
      );
      const ref = pickSyncReference(sync, batch);
      row.push({
        pageSize,
        batch,
        mode: { path: 'async', waitMode: best.waitMode!, workers: best.workers! },
        verdict: verdictOf(metricStat(best, metric), metricStat(ref, metric), metric),
      });
    }
    let from: number | null = null;
    for (let i = row.length - 1; i >= 0 && row[i]!.verdict.winner === 'async'; i--) from = row[i]!.batch;
    crossover.set(pageSize, from);
    cells.push(...row);
  }
  if (cells.length === 0) return null;
  const modes = distinctModes(asyncCells);
  return { op, depth, metric, temperature, backing, pageSizes: distinct(cells.map((c) => c.pageSize)), batches, cells, crossover, modes };
}

/** Every grid a report has: per op, then queue depth, throughput then caller CPU. */
export function answerGrids(report: Report): AnswerGrid[] {
  const ops = distinct(report.cells.map((c) => c.op), (a, b) => rank(OP_ORDER, a) - rank(OP_ORDER, b));
  const out: AnswerGrid[] = [];
  for (const op of ops) {
    const depths = distinct(
      report.cells.filter((c) => c.op === op && c.path === 'async').map((c) => depthOf(c, report)),
    ).sort((a, b) => a - b);
    for (const depth of depths) {
      for (const metric of ['throughput', 'callerCpu'] as const) {
        const g = buildGrid(report, op, depth, metric);
        if (g) out.push(g);
      }
    }
  }
  return out;
}

/** File name of a grid: answer-store-throughput.svg, answer-store-callercpu-qd4.svg. */
export function gridFile(g: Pick<AnswerGrid, 'op' | 'metric' | 'depth'>): string {
  return `answer-${g.op}-${g.metric === 'throughput' ? 'throughput' : 'callercpu'}${g.depth === 1 ? '' : `-qd${g.depth}`}.svg`;
}

/** "store, 1 batch in flight: throughput". */
export function gridTitle(g: AnswerGrid): string {
  const what = g.metric === 'throughput' ? 'throughput (async / sync, higher is better for async)' : 'caller CPU (async / sync, lower is better for async)';
  return `${g.op}, ${g.depth} batch${g.depth === 1 ? '' : 'es'} in flight: ${what}`;
}

/** Counts of a grid's verdicts, for the words under it. */
export function gridCounts(g: AnswerGrid): Record<'async' | 'sync' | 'none', number> {
  const c = { async: 0, sync: 0, none: 0 };
  for (const cell of g.cells) c[cell.verdict.winner]++;
  return c;
}

/** The repetitions behind a grid: "n = 5 per side" or "n = 3–5". */
export function gridN(g: AnswerGrid): string {
  const ns = g.cells.flatMap((c) => [c.verdict.nAsync, c.verdict.nSync]);
  const lo = Math.min(...ns);
  const hi = Math.max(...ns);
  return lo === hi ? `n = ${lo} repetitions per side` : `n = ${lo}–${hi} repetitions per side`;
}

export const modeShort = (m: Mode): string => modeLabel(m).replace(' ×', '×');
export { modeId };

/** One sentence per grid: the counts and each page size's crossover. */
export function gridSentence(g: AnswerGrid): string {
  const c = gridCounts(g);
  const what = g.metric === 'throughput' ? 'throughput' : 'caller CPU';
  const per = g.pageSizes
    .map((size) => {
      const b = g.crossover.get(size);
      return `${pageLabelOf(size)} ${b === null || b === undefined ? 'never' : `from batch ${b}`}`;
    })
    .join(', ');
  return (
    `${g.op}, ${what}${g.depth === 1 ? '' : ` (${g.depth} batches in flight)`}: async wins in ${c.async} of ${g.cells.length} cells, ` +
    `sync in ${c.sync}, no significant difference in ${c.none}; async wins ${what} ${per}.`
  );
}
