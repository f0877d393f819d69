/**
 * One pool of the run and what every measurement on it shares: the pool as the
 * kernel really backed it, the source pages, and a random key order. Keys
 * 0..capacity-1 are stored in order into an empty pool, so they land in slots
 * 0..capacity-1 and a random key is a random slot.
 */
import { FrontswapError } from '../../lib/errors';
import { PagePool } from '../../lib/page-pool';
import type { MachineInfo } from '../../lib/machine-info';
import type { Frontswap } from '../../lib/frontswap';
import { rng } from './clock';
import type { Backing, PoolSetup } from '../report/schema';
import { formatBytes } from '../report/stats';
import { sourcePages, type PoolPlan } from './plan';

/** Length of the random key sequence (a power of two); samples walk it from where the last one stopped. */
const KEY_SEQUENCE = 1 << 16;
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
  if (e instanceof FrontswapError && ['ERR_HUGEPAGES_UNAVAILABLE', 'ERR_THP_UNAVAILABLE', 'ERR_MMAP_FAILED'].includes(e.code)) {
    return `${e.message} (${e.code})`;
  }
  throw e;
}

/** Maps, prefaults and describes the pool of `plan`. Throws FrontswapError when the backing is unavailable. */
export function openPool(plan: PoolPlan, seed: number): PoolBench {
  const pool = new PagePool({ pageSize: plan.pageSize, pages: plan.pages, backing: plan.backingRequested, prefault: true });
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
    };
    const srcPages = sourcePages(pool.pageSize);
    const src = new Uint8Array(srcPages * pool.pageSize);
    fillPattern(src, seed ^ pool.pageSize);
    const views = Array.from({ length: srcPages }, (_, i) => src.subarray(i * pool.pageSize, (i + 1) * pool.pageSize));
    const next = rng(seed + pool.capacity);
    const keys = new Uint32Array(KEY_SEQUENCE);
    for (let i = 0; i < keys.length; i++) keys[i] = next(pool.capacity);
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
    };
  } catch (e) {
    pool.close();
    throw e;
  }
}

/** Where the next sample starts in the key sequence; moves the cursor on by `used`. */
export function takeKeys(pb: PoolBench, used: number): number {
  const at = pb.cursor;
  pb.cursor = (pb.cursor + used) & (KEY_SEQUENCE - 1);
  return at;
}

export const KEY_MASK = KEY_SEQUENCE - 1;

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
