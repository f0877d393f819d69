/**
 * PagePool: real memory, mmap'd by the addon and cut into equal page slots.
 * It reports the backing the kernel really gave (checked in /proc/self/smaps),
 * never the one that was asked for.
 */
import { addon, type NativeMemoryUsage, type PoolHandle } from './binding';
import { FrontswapError, describe, invalidArg } from './errors';
import * as check from './validate';
import { MIN_PAGE_SIZE, parsePageSize } from './page-size';
import { wire } from './wire';

export type Backing = 'hugetlb' | 'thp' | 'normal';
export type BackingRequest = 'auto' | Backing;
/** Bytes, or size text ('4k', '64K', '2m': see lib/page-size.ts); a power of two from 4 KiB to 2 MiB. */
export type PageSize = 4096 | 2097152 | '4k' | '2m' | number | string;

export interface PagePoolOptions {
  /** Bytes per page. Default 4096. */
  pageSize?: PageSize;
  /** How many pages the pool holds. */
  pages: number;
  /**
   * 'auto' (default): hugetlb pages when enough are reserved, else transparent
   * huge pages, else normal pages. 'hugetlb' fails with ERR_HUGEPAGES_UNAVAILABLE
   * when the kernel has none to give; 'thp' with ERR_THP_UNAVAILABLE when THP is off.
   */
  backing?: BackingRequest;
  /** Fault every page in now rather than on first use. Default true. */
  prefault?: boolean;
  /**
   * Non-temporal stores for copies into the pool. 'auto' (default) uses them
   * when the pool is more than twice the last-level cache.
   */
  streamStores?: 'auto' | boolean;
  /**
   * Bind the pool's memory to this NUMA node (mbind, MPOL_BIND) before any page
   * is faulted in. A node that does not exist or has no memory throws
   * ERR_NUMA_NODE_UNAVAILABLE. Default: wherever first touch puts it.
   */
  numaNode?: number;
}

export interface PoolMemoryUsage extends NativeMemoryUsage {}

const handles = new WeakMap<PagePool, PoolHandle>();

function pageSizeOption(v: unknown): number {
  return v === undefined ? MIN_PAGE_SIZE : parsePageSize(v);
}

export class PagePool {
  /** Bytes per page. */
  readonly pageSize: number;
  /** Pages the pool holds. */
  readonly capacity: number;
  /** pageSize × capacity. */
  readonly byteLength: number;
  /** What the kernel really backs the pool with. */
  readonly backing: Backing;
  /** Whether stores into the pool use non-temporal (streaming) stores. */
  readonly streamStores: boolean;
  /** The node asked for with `numaNode`, or null. */
  readonly numaNodeRequested: number | null;

  constructor(options: PagePoolOptions) {
    const o = check.options(options, 'PagePool options');
    if (options === undefined) throw invalidArg('PagePool needs options: { pages, pageSize?, backing?, prefault?, streamStores?, numaNode? }');
    check.knownKeys(o, 'PagePool options', ['pageSize', 'pages', 'backing', 'prefault', 'streamStores', 'numaNode']);
    const pageSize = pageSizeOption(o['pageSize']);
    const pages = check.integer(o['pages'], 'pages', 1, 0xfffffffe);
    const backing = check.oneOf(o['backing'] ?? 'auto', 'backing', ['auto', 'hugetlb', 'thp', 'normal'] as const);
    const prefault = check.boolean(o['prefault'] ?? true, 'prefault');
    const stream = o['streamStores'] ?? 'auto';
    if (stream !== 'auto' && typeof stream !== 'boolean') {
      throw invalidArg(`streamStores must be 'auto', true or false, got ${describe(stream)}`);
    }
    const node = o['numaNode'] === undefined ? null : check.integer(o['numaNode'], 'numaNode', 0, 1023);
    const h = addon.createPool(pageSize, pages, backing, prefault, stream === 'auto' ? 0 : stream ? 2 : 1, node ?? -1);
    handles.set(this, h);
    this.pageSize = h.pageSize;
    this.capacity = h.capacity;
    this.byteLength = h.byteLength;
    this.backing = h.backing;
    this.streamStores = h.streamStores;
    this.numaNodeRequested = node;
  }

  /**
   * The NUMA node the pool's pages are on now, asked of the kernel (move_pages
   * as a query, over up to 256 pages): a node number, 'mixed' when they are
   * spread over several, null when the kernel does not say (pages not yet
   * faulted in, or no NUMA support).
   */
  get numaNode(): number | 'mixed' | null {
    const n = handleOf(this).numaNode();
    return n >= 0 ? n : n === -2 ? 'mixed' : null;
  }

  /** Pages held by front-ends and reservations. */
  get usedPages(): number {
    return handleOf(this).usedPages();
  }

  get freePages(): number {
    return handleOf(this).freePages();
  }

  get closed(): boolean {
    return handleOf(this).isClosed();
  }

  /**
   * Unmaps the pool (once copies still in flight on it have landed). Idempotent;
   * every later use throws ERR_POOL_CLOSED.
   */
  close(): void {
    handleOf(this).close();
  }

  /** Resident bytes and huge-page use, read from /proc/self/smaps now. */
  memoryUsage(): PoolMemoryUsage {
    return handleOf(this).memoryUsage();
  }

  /**
   * Takes `count` zeroed slots out of circulation for raw engine copies and
   * baselines; null (and nothing taken) when fewer are free. `count` above the
   * capacity is a RangeError (ERR_OUT_OF_RANGE): it could never be met.
   */
  reserve(count: number): Uint32Array | null {
    return handleOf(this).reserve(count);
  }

  /** Gives reserved slots back. All must be reserved slots of this pool, or none is released. */
  release(slots: Uint32Array): void {
    if (!(slots instanceof Uint32Array)) throw invalidArg(`slots must be a Uint32Array, got ${describe(slots)}`);
    handleOf(this).release(slots);
  }
}

/** @internal The native handle behind a pool. */
export function handleOf(pool: PagePool): PoolHandle {
  const h = handles.get(pool);
  if (!h) throw invalidArg(`expected a PagePool, got ${describe(pool)}`);
  return h;
}

/** @internal */
export function assertOpen(pool: PagePool): void {
  if (handleOf(pool).isClosed()) throw new FrontswapError(wire.messages.ERR_POOL_CLOSED, 'ERR_POOL_CLOSED');
}
