/**
 * SwapDevice: swap slots on a real block device (zram, a loop device, a
 * partition) or a regular file, opened with O_DIRECT — the "ordinary swap
 * device" behind the same frontswap front-end: `new Frontswap(device)`.
 * Synchronous calls use pread/pwrite on the calling thread; with
 * `{ io: 'uring' }` the async calls go through io_uring.
 */
import { addon, type DeviceHandle } from './binding';
import { invalidArg, outOfRange } from './errors';
import type { PageSize } from './page-pool';
import { MIN_PAGE_SIZE, parsePageSize } from './page-size';
import { namedCounters, wire } from './wire';
import * as check from './validate';

/**
 * What happens to a slot when its page is freed (invalidatePage, invalidateArea,
 * an exclusive load): 'immediate' discards it at once (BLKDISCARD, or
 * fallocate PUNCH_HOLE on a file), `{ batch: N }` collects freed slots and
 * discards N at a time in contiguous ranges (swap's discard), 'none' leaves the
 * stale bytes on the device (counted in stats().staleSlots).
 */
export type DiscardPolicy = 'immediate' | 'none' | { batch: number };

export interface SwapDeviceOptions {
  /** A block device or a regular file; a missing file is created. A file is extended to pages × pageSize. */
  path: string;
  /** Bytes per slot: a multiple of 4096 up to 2 MiB, and of the device's logical block size. Default 4096. */
  pageSize?: PageSize;
  /** Slots on the device. */
  pages: number;
  /** Default 'immediate'. */
  discard?: DiscardPolicy;
}

export interface SwapDeviceStats {
  reads: number;
  writes: number;
  bytesRead: number;
  bytesWritten: number;
  readErrors: number;
  writeErrors: number;
  /** Discard calls issued (one per contiguous range of slots). */
  discards: number;
  /** Slots those calls covered. */
  discardedPages: number;
  discardErrors: number;
  /** Time spent in discard calls, in ns. */
  discardNs: number;
  /** Slots freed after a write, not discarded and not reused: stale bytes on the device. */
  staleSlots: number;
  usedPages: number;
  freePages: number;
}

/** What the device itself holds now. */
export interface DeviceHoldings {
  /** 'zram' (from /sys/block/zramN/mm_stat), 'file' or 'loop' (allocated blocks of the file), 'none'. */
  source: 'zram' | 'file' | 'loop' | 'none';
  /** zram: mem_used_total; a file: its allocated blocks × 512. */
  heldBytes: number;
  /** zram only: orig_data_size. */
  origBytes: number;
  /** zram only: compr_data_size. */
  comprBytes: number;
}

const handles = new WeakMap<SwapDevice, DeviceHandle>();

function parseDiscard(v: unknown): { mode: number; batch: number; policy: DiscardPolicy } {
  if (v === undefined || v === 'immediate') return { mode: 1, batch: 0, policy: 'immediate' };
  if (v === 'none') return { mode: 0, batch: 0, policy: 'none' };
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    check.knownKeys(o, 'discard', ['batch']);
    const batch = check.integer(o['batch'], 'discard.batch', 1, 0xffffffff);
    return { mode: 2, batch, policy: { batch } };
  }
  if (typeof v === 'string') throw outOfRange(`discard must be 'immediate', 'none' or { batch: N }, got ${JSON.stringify(v)}`);
  throw invalidArg(`discard must be 'immediate', 'none' or { batch: N }`);
}

export class SwapDevice {
  readonly path: string;
  readonly pageSize: number;
  /** Slots. */
  readonly capacity: number;
  readonly kind: 'block' | 'file';
  readonly logicalBlockSize: number;
  /** Size of the device (or file) in bytes. */
  readonly deviceBytes: number;
  readonly discard: DiscardPolicy;
  readonly #stats = new Float64Array(wire.deviceStats.length);

  /**
   * Refuses (FrontswapError, nothing written): ERR_DEVICE_KIND (neither a block
   * device nor a regular file), ERR_DEVICE_TOO_SMALL, ERR_DEVICE_MOUNTED,
   * ERR_DEVICE_SWAP_ACTIVE, ERR_DEVICE_BUSY (opened exclusively elsewhere),
   * ERR_DIRECT_IO_UNSUPPORTED, ERR_DISCARD_UNSUPPORTED, ERR_DEVICE_OPEN.
   */
  constructor(options: SwapDeviceOptions) {
    const o = check.options(options, 'SwapDevice options');
    if (options === undefined) throw invalidArg('SwapDevice needs options: { path, pages, pageSize?, discard? }');
    check.knownKeys(o, 'SwapDevice options', ['path', 'pageSize', 'pages', 'discard']);
    const path = o['path'];
    if (typeof path !== 'string' || path.length === 0 || path.includes('\0')) throw invalidArg('path must be a non-empty string');
    const pageSize = o['pageSize'] === undefined ? MIN_PAGE_SIZE : parsePageSize(o['pageSize']);
    const pages = check.integer(o['pages'], 'pages', 1, 0xfffffffe);
    const d = parseDiscard(o['discard']);
    const h = addon.createSwapDevice(path, pageSize, pages, d.mode, d.batch);
    handles.set(this, h);
    this.path = path;
    this.pageSize = h.pageSize;
    this.capacity = h.capacity;
    this.kind = h.kind;
    this.logicalBlockSize = h.logicalBlockSize;
    this.deviceBytes = h.deviceBytes;
    this.discard = d.policy;
  }

  get usedPages(): number {
    return this.stats().usedPages;
  }

  get freePages(): number {
    return this.stats().freePages;
  }

  get closed(): boolean {
    return deviceHandleOf(this).isClosed();
  }

  stats(): SwapDeviceStats {
    deviceHandleOf(this).stats(this.#stats);
    return namedCounters(wire.deviceStats, this.#stats) as unknown as SwapDeviceStats;
  }

  /** What the device holds: zram's mm_stat, or the file's allocated bytes. */
  holdings(): DeviceHoldings {
    return deviceHandleOf(this).holdings();
  }

  /** Discards every stale slot now (a batched policy's remainder); returns how many. ERR_REGION_ATTACHED while a SwapRegion owns the device. */
  flushDiscards(): number {
    return deviceHandleOf(this).flushDiscards();
  }

  /**
   * Waits for I/O in flight, then closes the device (idempotent). Every later
   * operation throws ERR_DEVICE_CLOSED; promises of I/O that was in flight still settle.
   * While a SwapRegion owns the device it throws ERR_REGION_ATTACHED and changes
   * nothing: close the region first.
   */
  close(): void {
    deviceHandleOf(this).close();
  }
}

/** @internal The native handle behind a device. */
export function deviceHandleOf(device: SwapDevice): DeviceHandle {
  const h = handles.get(device);
  if (!h) throw invalidArg('expected a SwapDevice');
  return h;
}

/** @internal */
export function isSwapDevice(v: unknown): v is SwapDevice {
  return typeof v === 'object' && v !== null && handles.has(v as SwapDevice);
}
