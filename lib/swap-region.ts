/**
 * SwapRegion: an ArrayBuffer whose pages beyond a resident budget live in a
 * Frontswap. JavaScript reads and writes `region.buffer` like any memory; a
 * page that is not in RAM faults, and a native thread serves the fault through
 * userfaultfd — straight from the pool slot into place (UFFDIO_COPY), or zeros
 * for a page never stored. A reclaimer keeps residency between watermarks:
 * above `resident` pages it evicts victims (CLOCK, see `policy`) until a few
 * percent below; clean pages the Frontswap still holds are dropped without a
 * new store. Linux only; needs userfaultfd with write-protect (Linux ≥ 5.7) and
 * the right to use it (root, access to /dev/userfaultfd, or
 * vm.unprivileged_userfaultfd = 1).
 *
 * While attached, the region owns its Frontswap's pool: every operation on it
 * from JavaScript — this or any other front-end's store/load/invalidate/has/
 * init/batches, the pool's reserve()/release() — throws ERR_REGION_ATTACHED,
 * until `close()`. That is the concurrency rule: the pool's maps and allocator
 * are touched by the region's threads alone, and a page view inside the region
 * can never be the argument of a pool operation that holds the region's lock.
 */
import { addon } from './binding';
import { describe, FrontswapError, invalidArg } from './errors';
import { frontswapHandleOf, type Frontswap } from './frontswap';
import * as check from './validate';

/**
 * How victims are stored: copies (or pwrite to a device) on the reclaim
 * thread, or asynchronously: a copy engine of the region's own over a pool,
 * io_uring writes in batches over a SwapDevice (a victim stays resident until
 * its write completes; a failed write keeps it).
 */
export type EvictMode = 'sync' | 'async';
/** 'clock': a page written since fault-in gets a second chance; 'fifo': fault-in order. */
export type VictimPolicyName = 'clock' | 'fifo';

export interface SwapRegionOptions {
  /** Where evicted pages live; its pool must have 4096-byte pages. */
  frontswap: Frontswap;
  /** The swap type (0..31) the region stores under; it must not be init'ed (the region opens and closes it). */
  type: number;
  /** Size of the region in bytes (rounded up to whole 4096-byte pages). */
  bytes: number;
  /** Pages (4096 bytes) in RAM at most before reclaim starts: the high watermark. */
  resident: number;
  /** Default 'sync'. */
  evict?: EvictMode;
  /** Stored pages after a faulting one fetched with it (0..256). Default 0. */
  readahead?: number;
  /** Default 'clock'. */
  policy?: VictimPolicyName;
  /** Victims per reclaim pass (1..1024). Default 32. */
  batch?: number;
  /** Reclaim stops this many percent below `resident` (1..50). Default 3. */
  lowPercent?: number;
}

export interface SwapRegionStats {
  /** Missing-page faults served: from the Frontswap (backendFaults) or as zeros (zeroFaults). */
  faults: number;
  backendFaults: number;
  zeroFaults: number;
  /** First writes to clean pages (write-protect faults): the page is dirty from then on. */
  writeFaults: number;
  /** Dirty pages stored to the Frontswap and dropped. */
  evictions: number;
  /** Clean pages dropped without a store: the Frontswap still held them. */
  cleanDrops: number;
  /** Never-written zero pages dropped: nothing to store. */
  zeroDrops: number;
  /** Stores the Frontswap refused (full): the page stayed resident, nothing lost. */
  rejectedEvictions: number;
  /** Pages placed by readahead. */
  readaheadPages: number;
  /** Reclaim passes the fault thread ran itself because residency hit the hard cap. */
  directReclaims: number;
  reclaimPasses: number;
  /**
   * Async eviction to a SwapDevice: io_uring submissions (one per reclaim
   * batch) and the page writes they carried; 0 over a pool, with sync
   * eviction, or in a build without liburing (the reclaimer then writes with pwrite).
   */
  uringSubmits: number;
  uringWrites: number;
  residentPages: number;
  peakResidentPages: number;
  pages: number;
  highWatermark: number;
  lowWatermark: number;
  /** Residency at which the fault thread reclaims before serving. */
  hardCap: number;
  /** Fault service time, measured natively from reading the fault to the page in place. */
  latencySamples: number;
  faultP50Ns: number;
  faultP99Ns: number;
  faultP999Ns: number;
  faultMaxNs: number;
  /** CPU time of the region's threads. */
  faultThreadCpuNs: number;
  reclaimCpuNs: number;
  engineCpuNs: number;
}

/** @internal */
export interface SwapRegionHandle {
  buffer(): ArrayBuffer;
  stats(): SwapRegionStats;
  resetLatency(): void;
  touch(pages: Uint32Array, ns: Float64Array | undefined, write: boolean, crossed?: Uint8Array): number;
  close(): void;
  isClosed(): boolean;
}

type HandleCtor = new (
  fs: object | null,
  type: number,
  bytes: number,
  resident: number,
  evict: number,
  readahead: number,
  policy: number,
  batch: number,
  lowPercent: number,
) => SwapRegionHandle;

const native = addon as unknown as { SwapRegionHandle: HandleCtor };
const handles = new WeakMap<SwapRegion, SwapRegionHandle>();
const KEEP = Symbol('frontswap.region');
const MAX_BYTES = 2 ** 44;

export class SwapRegion {
  /** The region's memory. Detached (length 0) once the region is closed. */
  readonly buffer: ArrayBuffer;
  readonly frontswap: Frontswap | null;
  readonly pages: number;
  readonly evict: EvictMode;
  readonly readahead: number;
  readonly #h: SwapRegionHandle;

  constructor(options: SwapRegionOptions) {
    const o = check.options(options, 'SwapRegion options');
    check.knownKeys(o, 'SwapRegion options', ['frontswap', 'type', 'bytes', 'resident', 'evict', 'readahead', 'policy', 'batch', 'lowPercent']);
    if (o['frontswap'] === undefined) throw invalidArg(`SwapRegion options need a frontswap, got ${describe(o['frontswap'])}`);
    const fs = o['frontswap'] as Frontswap;
    const fsHandle = frontswapHandleOf(fs);
    const spec = regionSpec(o);
    this.#h = new native.SwapRegionHandle(fsHandle, spec.type, spec.bytes, spec.resident, spec.evict === 'async' ? 1 : 0, spec.readahead, spec.policy === 'fifo' ? 1 : 0, spec.batch, spec.lowPercent);
    this.frontswap = fs;
    this.pages = Math.ceil(spec.bytes / 4096);
    this.evict = spec.evict;
    this.readahead = spec.readahead;
    this.buffer = this.#h.buffer();
    // A live buffer keeps its region serving faults, even if this object goes.
    Object.defineProperty(this.buffer, KEEP, { value: this.#h });
    handles.set(this, this.#h);
  }

  get closed(): boolean {
    return this.#h.isClosed();
  }

  /** Counters and fault latencies; throws ERR_REGION_CLOSED after close(). */
  stats(): SwapRegionStats {
    return this.#h.stats();
  }

  /** Starts the fault latency histogram afresh (e.g. after a warm-up). */
  resetLatency(): void {
    this.#h.resetLatency();
  }

  /**
   * Serves the faults already raised, stops the region's threads, detaches
   * `buffer` and gives the Frontswap's pool back (its type closed, its slots
   * free). Idempotent.
   */
  close(): Promise<void> {
    this.#h.close();
    return Promise.resolve();
  }
}

interface RegionSpec {
  type: number;
  bytes: number;
  resident: number;
  evict: EvictMode;
  readahead: number;
  policy: VictimPolicyName;
  batch: number;
  lowPercent: number;
}

function regionSpec(o: Record<string, unknown>): RegionSpec {
  const bytes = check.integer(o['bytes'], 'bytes', 1, MAX_BYTES);
  const pages = Math.ceil(bytes / 4096);
  return {
    type: check.integer(o['type'], 'type', 0, 31),
    bytes,
    resident: check.integer(o['resident'], 'resident', 2, Math.max(2, pages)),
    evict: check.oneOf(o['evict'] ?? 'sync', 'evict', ['sync', 'async'] as const),
    readahead: check.integer(o['readahead'] ?? 0, 'readahead', 0, 256),
    policy: check.oneOf(o['policy'] ?? 'clock', 'policy', ['clock', 'fifo'] as const),
    batch: check.integer(o['batch'] ?? 32, 'batch', 1, 1024),
    lowPercent: check.integer(o['lowPercent'] ?? 3, 'lowPercent', 1, 50),
  };
}

/**
 * @internal For the benchmark: the bare userfaultfd floor (every fault gets
 * one prepared page, no Frontswap), and the native touch loop that times
 * faults as the application sees them.
 */
export function preparedPageRegion(bytes: number, resident: number): { buffer: ArrayBuffer; handle: SwapRegionHandle } {
  const h = new native.SwapRegionHandle(null, 0, check.integer(bytes, 'bytes', 1, MAX_BYTES), resident, 0, 0, 1, 32, 3);
  const buffer = h.buffer();
  Object.defineProperty(buffer, KEEP, { value: h });
  return { buffer, handle: h };
}

/** @internal */
export function regionHandleOf(r: SwapRegion): SwapRegionHandle {
  const h = handles.get(r);
  if (!h) throw invalidArg(`expected a SwapRegion, got ${describe(r)}`);
  return h;
}

/** True when this process can use userfaultfd the way SwapRegion needs, and why not otherwise. */
export function userfaultfdAvailable(): { available: boolean; reason: string } {
  try {
    const { handle } = preparedPageRegion(4096 * 2, 2);
    handle.close();
    return { available: true, reason: '' };
  } catch (e) {
    if (e instanceof FrontswapError && e.code === 'ERR_USERFAULTFD_UNAVAILABLE') return { available: false, reason: e.message };
    throw e;
  }
}
