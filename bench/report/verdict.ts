/**
 * Async against sync for one figure, in words a reader cannot misread:
 * "async wins", "sync wins", or "no significant difference" — decided by the
 * Mann–Whitney U test over the repetitions, never by the medians alone.
 */
import type { CrossoverMetric, Stat } from './schema';
import { ALPHA, mannWhitney } from './significance';
import { formatRatio, outsideSpread, ratio } from './stats';

export type Winner = 'async' | 'sync' | 'none';

export interface Verdict {
  winner: Winner;
  /** Async median / sync median (throughput: above 1 is better for async; caller CPU: below 1). */
  ratio: number;
  /** Two-sided p-value of the test; null when it was not run (too few repetitions to reach ALPHA). */
  p: number | null;
  nAsync: number;
  nSync: number;
  /** How the winner was decided: the test, or the spread when there were too few repetitions for the test. */
  by: 'u-test' | 'spread';
}

/** Whether a is better than b for this metric. */
function better(a: number, b: number, metric: CrossoverMetric): boolean {
  return metric === 'throughput' ? a > b : a < b;
}

/**
 * The verdict of one async figure against its sync reference. With too few
 * repetitions for the test to ever reach ALPHA (fewer than 4 each), the
 * interquartile ranges decide instead, and the verdict says so.
 */
export function verdictOf(async: Stat, sync: Stat, metric: CrossoverMetric): Verdict {
  const a = async.values.length > 0 ? async.values : [async.median];
  const s = sync.values.length > 0 ? sync.values : [sync.median];
  const r = ratio(async.median, sync.median);
  const base = { ratio: r, nAsync: a.length, nSync: s.length };
  const test = mannWhitney(a, s);
  if (test.minP > ALPHA) {
    const differ = outsideSpread(async, sync);
    const winner: Winner = !differ ? 'none' : better(async.median, sync.median, metric) ? 'async' : 'sync';
    return { ...base, winner, p: null, by: 'spread' };
  }
  const winner: Winner = test.p >= ALPHA ? 'none' : better(async.median, sync.median, metric) ? 'async' : 'sync';
  return { ...base, winner, p: test.p, by: 'u-test' };
}

/** "1.38× throughput", "0.45× caller CPU": always async over sync, with what is divided. */
export function ratioWords(r: number, metric: CrossoverMetric): string {
  return `${formatRatio(r)} ${metric === 'throughput' ? 'throughput' : 'caller CPU'}`;
}

/**
 * "async wins (1.38× throughput)", "sync wins (1.22× caller CPU)",
 * "no significant difference (1.38× throughput)"; ratios are async / sync.
 */
export function verdictText(v: Verdict, metric: CrossoverMetric): string {
  const what = ratioWords(v.ratio, metric);
  const how = v.by === 'spread' ? ', by spread: too few repetitions for the test' : '';
  if (v.winner === 'async') return `async wins (${what}${how})`;
  if (v.winner === 'sync') return `sync wins (${what}${how})`;
  return `no significant difference (${what}${how})`;
}

/** A short form for a grid cell or a table: "async", "sync", "≈". */
export function verdictMark(v: Verdict): string {
  return v.winner === 'none' ? '≈' : v.winner;
}
