/**
 * One pool of the run and what every measurement on it shares: the pool as the
 * kernel really backed it, the source pages, and a random key order. Keys
 * 0..capacity-1 are stored in order into an empty pool, so they land in slots
 * 0..capacity-1 and a random key is a random slot.
 */
import { FrontswapError } from '../../lib/errors';
import { addon } from '../../lib/binding';
import { PagePool, handleOf } from '../../lib/page-pool';
import type { MachineInfo } from '../../lib/machine-info';
import type { Frontswap } from '../../lib/frontswap';
import { rng } from './clock';
import type { Backing, PoolSetup } from '../report/schema';
import { formatBytes } from '../report/stats';
import { sourcePages, type PoolPlan } from './plan';

/** Length of the random key sequence (a power of two); samples walk it from where the last one stopped. */
const KEY_SEQUENCE = 1 << 16;
export const KEY_MASK = KEY_SEQUENCE - 1;
const HUGE_PAGE = 2 * 1024 * 1024;

export interface PoolBench {
  plan: PoolPlan;
  pool: PagePool;
  setup: PoolSetup;
  pageSize: number;
  capacity: number;
  /** What the kernel gave. */
  backing: Backing;
  /** Source pages, one buffer (registered with each engine), and a view per page. */
  src: Uint8Array;
  srcPages: number;
  views: Uint8Array[];
  /** Random keys in [0, capacity), KEY_SEQUENCE long. */
  keys: Uint32Array;
  /** Where the next sample starts in `keys`. */
  cursor: number;
  /** Cold pool: every repetition flushes the window of pages it walks before it is timed. */
  cold: boolean;
  /** ns per page each variant saw last (sizes the next cold window), by variant. */
  rates: Map<string, number>;
  /** Where async cells record each engine setting's worker CPUs (the first engine of each). */
  workerCpus: Record<string, number[][]> | null;
  /** When set (tests), every flush and every walk of the key sequence is logged: [start, count]. */
  log: { flushed: [number, number][]; walked: [number, number][] } | null;
}

/** Fills `n` bytes with a non-zero pattern, so no copy can be skipped as a zero page. */
function fillPattern(a: Uint8Array, seed: number): void {
  const next = rng(seed);
  const words = new Uint32Array(a.buffer, a.byteOffset, a.byteLength >>> 2);
  for (let i = 0; i < words.length; i++) words[i] = next(0xffffffff) | 0x01010101;
}

/** Free 2 MiB huge pages the kernel holds now (null: unknown). */
export function freeHugePages(m: MachineInfo): number | null {
  const pool = m.hugePages.pools.find((p) => p.sizeBytes === HUGE_PAGE);
  if (pool) return pool.free;
  return m.hugePages.sizeBytes === HUGE_PAGE ? m.hugePages.free : null;
}

/** Huge pages a pool of `byteLength` bytes needs under hugetlb. */
export function hugePagesNeeded(byteLength: number): number {
  return Math.ceil(byteLength / HUGE_PAGE);
}

/** Why a pool could not be had (no hugetlb pages, THP off, mmap refused), or rethrows what is not that. */
export function unavailableReason(e: unknown): string {
  if (e instanceof FrontswapError && ['ERR_HUGEPAGES_UNAVAILABLE', 'ERR_THP_UNAVAILABLE', 'ERR_MMAP_FAILED', 'ERR_NUMA_NODE_UNAVAILABLE'].includes(e.code)) {
    return `${e.message} (${e.code})`;
  }
  throw e;
}

/** Maps, prefaults and describes the pool of `plan`. Throws FrontswapError when the backing is unavailable. */
export function openPool(plan: PoolPlan, seed: number, streamStores: boolean, numaNode?: number): PoolBench {
  const pool = new PagePool({
    pageSize: plan.pageSize,
    pages: plan.pages,
    backing: plan.backingRequested,
    prefault: true,
    streamStores,
    ...(numaNode === undefined ? {} : { numaNode }),
  });
  try {
    const usage = pool.memoryUsage();
    const setup: PoolSetup = {
      temperature: plan.temperature,
      pageSize: pool.pageSize,
      pages: pool.capacity,
      byteLength: pool.byteLength,
      backingRequested: plan.backingRequested,
      backing: pool.backing,
      hugeBytes: usage.anonHugeBytes + usage.hugetlbBytes,
      streamStores: pool.streamStores,
      numaNode: pool.numaNode,
      flushed: plan.temperature === 'cold',
    };
    const srcPages = sourcePages(pool.pageSize);
    const src = new Uint8Array(srcPages * pool.pageSize);
    fillPattern(src, seed ^ pool.pageSize);
    const views = Array.from({ length: srcPages }, (_, i) => src.subarray(i * pool.pageSize, (i + 1) * pool.pageSize));
    const next = rng(seed + pool.capacity);
    const cold = plan.temperature === 'cold';
    const keys = cold ? distinctKeys(pool.capacity, next) : new Uint32Array(KEY_SEQUENCE);
    if (!cold) for (let i = 0; i < keys.length; i++) keys[i] = next(pool.capacity);
    return {
      plan,
      pool,
      setup,
      pageSize: pool.pageSize,
      capacity: pool.capacity,
      backing: pool.backing,
      src,
      srcPages,
      views,
      keys,
      cursor: 0,
      cold,
      rates: new Map(),
      workerCpus: null,
      log: null,
    };
  } catch (e) {
    pool.close();
    throw e;
  }
}

/**
 * The cold pool's key sequence: one random permutation of the slots, repeated
 * (the capacity is a power of two, so it divides the sequence): any window of
 * at most `capacity` consecutive keys names distinct pages.
 */
function distinctKeys(capacity: number, next: (n: number) => number): Uint32Array {
  const perm = new Uint32Array(Math.min(capacity, KEY_SEQUENCE));
  if (capacity > KEY_SEQUENCE) {
    const seen = new Set<number>();
    for (let i = 0; i < perm.length; ) {
      const k = next(capacity);
      if (!seen.has(k)) {
        seen.add(k);
        perm[i++] = k;
      }
    }
  } else {
    for (let i = 0; i < perm.length; i++) perm[i] = i;
    for (let i = perm.length - 1; i > 0; i--) {
      const j = next(i + 1);
      const t = perm[i]!;
      perm[i] = perm[j]!;
      perm[j] = t;
    }
  }
  const keys = new Uint32Array(KEY_SEQUENCE);
  for (let i = 0; i < keys.length; i++) keys[i] = perm[i % perm.length]!;
  return keys;
}

/** Most pages one cold window may hold: distinct pages only. */
export function coldWindowLimit(pb: PoolBench): number {
  return Math.min(pb.capacity, KEY_SEQUENCE);
}

/**
 * Pages a cold repetition of variant `key` walks: enough for `sampleNs` at the
 * speed its last repetition saw (4 GB/s before that), a whole number of
 * `unit`s, at most the distinct pages of the pool (at least one unit).
 */
export function coldOps(pb: PoolBench, key: string, unit: number, sampleNs: number): number {
  const nsPerPage = pb.rates.get(key) ?? pb.pageSize / 4;
  const want = Math.ceil(sampleNs / Math.max(nsPerPage, 1e-3));
  const fit = Math.floor(coldWindowLimit(pb) / unit) * unit;
  return Math.max(unit, Math.min(fit, Math.ceil(want / unit) * unit));
}

/** The keys of the window of `count` starting at key index `at`. */
export function windowKeys(pb: PoolBench, at: number, count: number): Uint32Array {
  const out = new Uint32Array(count);
  for (let i = 0; i < count; i++) out[i] = pb.keys[(at + i) & KEY_MASK]!;
  return out;
}

/**
 * Flushes the pool pages of the `count` keys from the cursor (keys are slots:
 * see prefill), or with `view`, those pages of a JS destination: the lines a
 * cold repetition will touch, and only those. Returns the cache lines flushed.
 */
export function flushWindow(pb: PoolBench, count: number, view?: Uint8Array): number {
  if (!pb.cold || count === 0) return 0;
  const pages = windowKeys(pb, pb.cursor, count);
  pb.log?.flushed.push([pb.cursor, count]);
  return view ? addon.cache.flushView(view, pb.pageSize, pages) : handleOf(pb.pool).flushPages(pages);
}

/** Where the next sample starts in the key sequence; moves the cursor on by `used`. */
export function takeKeys(pb: PoolBench, used: number): number {
  const at = pb.cursor;
  pb.log?.walked.push([at, used]);
  pb.cursor = (pb.cursor + used) & (KEY_SEQUENCE - 1);
  return at;
}



/**
 * Stores keys 0..capacity-1 once, untimed, so timed stores overwrite random
 * keys (random slots) and timed loads find their page. The pool must be empty.
 */
export function prefill(fs: Frontswap, pb: PoolBench): void {
  fs.init(0);
  const { views, srcPages } = pb;
  for (let k = 0; k < pb.capacity; k++) {
    if (!fs.store(0, k, views[k % srcPages]!)) {
      throw new Error(`prefill: the ${formatBytes(pb.setup.byteLength)} pool refused key ${k}: something else holds its pages`);
    }
  }
}

/** One line describing the pool: "cold 4 KiB pool, 256 MiB, thp (256 MiB in huge pages)". */
export function describePool(s: PoolSetup): string {
  return `${s.temperature} ${formatBytes(s.pageSize)} pool, ${formatBytes(s.byteLength)}, ${s.backing} (${formatBytes(s.hugeBytes)} in huge pages)`;
}
