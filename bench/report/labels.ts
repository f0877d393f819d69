/**
 * Names for people, and one fixed order for everything a report lists, so
 * tables, charts and comparisons of the same data always line up the same way.
 */
import type { Backing, BaselineName, CellKey, Op, PageSource, PoolTemperature, WaitMode } from './schema';
import { formatBytes } from './stats';

export const OP_ORDER: readonly Op[] = ['store', 'load'];
/** The page sizes and batches of a full sweep: charts draw no line across one a series lacks. */
export const SWEEP_PAGE_SIZES: readonly number[] = [4096, 16384, 65536, 262144, 1048576, 2097152];
export const SWEEP_BATCHES: readonly number[] = [1, 4, 16, 64, 256];
/** Cold first: a pool much larger than the last-level cache is the case frontswap is for. */
export const TEMPERATURE_ORDER: readonly PoolTemperature[] = ['cold', 'hot'];
export const BACKING_ORDER: readonly Backing[] = ['hugetlb', 'thp', 'normal'];
export const WAIT_MODE_ORDER: readonly WaitMode[] = ['adaptive', 'spin', 'sleep'];
/** The limit first, then what a Node user would write, then the async alternatives. */
export const BASELINE_ORDER: readonly BaselineName[] = ['memcpy', 'glibc-memcpy', 'typedarray-set', 'buffer-copy', 'naive-async', 'js-worker'];

/** Position of `v` in `order`; unknown values sort last, in a stable way. */
export function rank<T>(order: readonly T[], v: T): number {
  const i = order.indexOf(v);
  return i < 0 ? order.length : i;
}

/**
 * An engine setting: how its workers wait, how many there are, how many
 * batches are in flight (depth, absent: 1) and how pages reach the engine
 * (source, absent: registered buffers).
 */
export interface Mode {
  path: 'sync' | 'async';
  waitMode?: WaitMode;
  workers?: number;
  depth?: number;
  source?: PageSource;
}

/** Queue depth of an async setting (absent: 1). */
export const depthOfMode = (m: Pick<Mode, 'depth'>): number => m.depth ?? 1;
const viewsOf = (m: Pick<Mode, 'source'>): boolean => m.source === 'views';

/** The engine setting of a cell or crossover, depth and source included. */
export function modeOf(c: Mode): Mode {
  const m: Mode = { path: c.path };
  if (c.waitMode !== undefined) m.waitMode = c.waitMode;
  if (c.workers !== undefined) m.workers = c.workers;
  if (c.path === 'async' && depthOfMode(c) !== 1) m.depth = c.depth!;
  if (c.path === 'async' && viewsOf(c)) m.source = 'views';
  return m;
}

/** "sync", or "adaptive ×2" for an async setting ("adaptive ×2 QD 8, plain views" at depth 8 from plain views). */
export function modeLabel(m: Mode): string {
  if (m.path === 'sync') return 'sync';
  const qd = depthOfMode(m) === 1 ? '' : ` QD ${depthOfMode(m)}`;
  return `${m.waitMode ?? '?'} ×${m.workers ?? '?'}${qd}${viewsOf(m) ? ', plain views' : ''}`;
}

/**
 * What an async setting adds to its ids beyond wait mode and workers: nothing
 * at depth 1 from registered buffers (every cell before either was a dimension).
 */
export function modeIdExtras(m: Mode): string[] {
  if (m.path === 'sync') return [];
  const out: string[] = [];
  if (depthOfMode(m) !== 1) out.push(`qd${depthOfMode(m)}`);
  if (viewsOf(m)) out.push('views');
  return out;
}

/** A string that is the same for the same mode. */
export function modeId(m: Mode): string {
  if (m.path === 'sync') return 'sync';
  return [`async/${m.waitMode ?? '?'}/${m.workers ?? '?'}`, ...modeIdExtras(m)].join('/');
}

/** Sync first, then by workers, wait mode (adaptive ×1, spin ×1, sleep ×1, adaptive ×2), depth, source. */
export function compareModes(a: Mode, b: Mode): number {
  if (a.path !== b.path) return a.path === 'sync' ? -1 : 1;
  return (
    (a.workers ?? 0) - (b.workers ?? 0) ||
    rank(WAIT_MODE_ORDER, a.waitMode as WaitMode) - rank(WAIT_MODE_ORDER, b.waitMode as WaitMode) ||
    depthOfMode(a) - depthOfMode(b) ||
    Number(viewsOf(a)) - Number(viewsOf(b))
  );
}

/** The distinct modes among `items`, in display order. */
export function distinctModes(items: readonly Mode[]): Mode[] {
  const seen = new Map<string, Mode>();
  for (const it of items) {
    const id = modeId(it);
    if (!seen.has(id)) seen.set(id, modeOf(it));
  }
  return [...seen.values()].sort(compareModes);
}

/** "4 KiB", "2 MiB". */
export function pageLabel(pageSize: number): string {
  return formatBytes(pageSize);
}

/** "cold thp pool". */
export function poolLabel(temperature: PoolTemperature, backing: Backing): string {
  return `${temperature} ${backing} pool`;
}

/** Orders anything keyed by op, page size, temperature and backing. */
export function compareSetting(
  a: Pick<CellKey, 'op' | 'pageSize' | 'temperature' | 'backing'>,
  b: Pick<CellKey, 'op' | 'pageSize' | 'temperature' | 'backing'>,
): number {
  return (
    rank(OP_ORDER, a.op) - rank(OP_ORDER, b.op) ||
    a.pageSize - b.pageSize ||
    rank(TEMPERATURE_ORDER, a.temperature) - rank(TEMPERATURE_ORDER, b.temperature) ||
    rank(BACKING_ORDER, a.backing) - rank(BACKING_ORDER, b.backing)
  );
}

/** Orders cells: setting, then mode, then batch. */
export function compareCellKeys(a: CellKey, b: CellKey): number {
  return compareSetting(a, b) || compareModes(a, b) || a.batch - b.batch;
}

/** Distinct values in first-seen order, then sorted by `cmp` when given. */
export function distinct<T>(values: Iterable<T>, cmp?: (a: T, b: T) => number): T[] {
  const out = [...new Set(values)];
  return cmp ? out.sort(cmp) : out;
}

/** The preferred value among those present: the first of `order` that occurs, else the first seen. */
export function preferred<T>(present: readonly T[], order: readonly T[]): T | undefined {
  for (const v of order) if (present.includes(v)) return v;
  return present[0];
}
