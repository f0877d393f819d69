/**
 * Names for people, and one fixed order for everything a report lists, so
 * tables, charts and comparisons of the same data always line up the same way.
 */
import type { Backing, BaselineName, CellKey, Op, PoolTemperature, WaitMode } from './schema';
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

/** An engine setting: how its workers wait, and how many there are. */
export interface Mode {
  path: 'sync' | 'async';
  waitMode?: WaitMode;
  workers?: number;
}

/** "sync", or "adaptive ×2" for an async setting. */
export function modeLabel(m: Mode): string {
  return m.path === 'sync' ? 'sync' : `${m.waitMode ?? '?'} ×${m.workers ?? '?'}`;
}

/** A string that is the same for the same mode. */
export function modeId(m: Mode): string {
  return m.path === 'sync' ? 'sync' : `async/${m.waitMode ?? '?'}/${m.workers ?? '?'}`;
}

/** Sync first, then by workers, then by wait mode (adaptive ×1, spin ×1, sleep ×1, adaptive ×2). */
export function compareModes(a: Mode, b: Mode): number {
  if (a.path !== b.path) return a.path === 'sync' ? -1 : 1;
  return (
    (a.workers ?? 0) - (b.workers ?? 0) ||
    rank(WAIT_MODE_ORDER, a.waitMode as WaitMode) - rank(WAIT_MODE_ORDER, b.waitMode as WaitMode)
  );
}

/** The distinct modes among `items`, in display order. */
export function distinctModes(items: readonly Mode[]): Mode[] {
  const seen = new Map<string, Mode>();
  for (const it of items) {
    const id = modeId(it);
    if (!seen.has(id)) {
      const m: Mode = { path: it.path };
      if (it.waitMode !== undefined) m.waitMode = it.waitMode;
      if (it.workers !== undefined) m.workers = it.workers;
      seen.set(id, m);
    }
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
