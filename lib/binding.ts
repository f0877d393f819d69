/**
 * The addon, loaded from one place (with `bindings`, which finds
 * build/Release/frontswap.node), and the exact shape of what it exports.
 * Nothing outside lib/ talks to it directly except the benchmarks' baselines.
 */
import bindings from 'bindings';
import * as path from 'node:path';
import { FrontswapError } from './errors';
import { resizableGetter } from './view-slots';
import { markAsUntransferable } from 'node:worker_threads';

export interface PoolHandle {
  readonly pageSize: number;
  readonly capacity: number;
  readonly byteLength: number;
  readonly mappedBytes: number;
  readonly backing: 'hugetlb' | 'thp' | 'normal';
  readonly streamStores: boolean;
  usedPages(): number;
  freePages(): number;
  close(): void;
  isClosed(): boolean;
  memoryUsage(): NativeMemoryUsage;
  reserve(count: number): Uint32Array | null;
  release(slots: Uint32Array): void;
  /** The node the pages are on now: the node, -1 unknown, -2 spread over several. */
  numaNode(): number;
  /** Writes back and evicts the cache lines of these slots' pages; returns the lines flushed. */
  flushPages(slots: Uint32Array): number;
}

export interface NativeMemoryUsage {
  mappedBytes: number;
  residentBytes: number;
  kernelPageSize: number;
  anonHugeBytes: number;
  hugetlbBytes: number;
  /** Native bookkeeping of the pool itself (free-slot stack, slot owners). */
  metadataBytes: number;
}

export interface FrontswapHandle {
  init(type: number): void;
  store(type: number, offset: number, page: ArrayBufferView): boolean;
  load(type: number, offset: number, page: ArrayBufferView): boolean;
  invalidatePage(type: number, offset: number): boolean;
  /** The same three with key = type * 2^32 + offset (one argument less to convert). */
  storeKey(key: number, page: ArrayBufferView): boolean;
  loadKey(key: number, page: ArrayBufferView): boolean;
  invalidateKey(key: number): boolean;
  invalidateArea(type: number): void;
  has(type: number, offset: number): boolean;
  stats(out: Float64Array): void;
  /** Returns the mask of workers whose completion counts in waitFor must be reached. */
  submit(ops: Uint32Array, count: number, views: ArrayBufferView[] | null, results: Int32Array, waitFor: Uint32Array): number;
}

export interface EngineHandle {
  /** The words the workers publish their progress in (a SharedArrayBuffer; indices in Wire.sharedWords). */
  readonly sharedWords: Int32Array;
  registerBuffer(view: ArrayBufferView): number;
  unregisterBuffer(id: number): void;
  registerPool(pool: PoolHandle): number;
  submitRaw(ops: Uint32Array, count: number, status: Int32Array, waitFor: Uint32Array): number;
  /** Hands landed copies' slots back to their pools and refills the rings from the backlog. */
  reap(): void;
  setWaiting(waiting: boolean): void;
  cpuTimes(out: Float64Array): void;
  /** Every worker's CPUs as the kernel reports them after pinning. */
  workerCpus(): number[][];
  shutdown(): void;
}

/** The wire protocol as the addon exports it (native/node/wire.h); lib/wire.ts is its one reader. */
export interface Wire {
  /** Swap types 0..types-1 (a power of two); engine workers 1..maxWorkers; a packed key is type * keyTypeFactor + offset. */
  limits: { types: number; maxWorkers: number; keyTypeFactor: number };
  /** A frontswap op: `words` u32; word 0 = opcode | type << typeShift | buffer kind << bufShift. */
  fsOp: {
    words: number;
    fieldMask: number;
    typeShift: number;
    bufShift: number;
    store: number;
    load: number;
    invalidate: number;
    bufNone: number;
    bufView: number;
    bufRegistered: number;
  };
  /** A raw engine op: `words` u32 (opcode, pool id, slot, buffer id or destination slot, byte offset). */
  rawOp: { words: number; toSlot: number; fromSlot: number; slotToSlot: number };
  /** A device front-end's io_uring op: `words` u32 (kind, type, offset). */
  devOp: { words: number; store: number; load: number; invalidate: number };
  /** A front-end's counters, in the order stats() writes them. */
  stats: string[];
  /** A SwapDevice's counters and an io_uring queue's, in the order their stats() write them. */
  deviceStats: string[];
  uringStats: string[];
  /** Indices of the engine's shared words: block 0 engine-wide, worker w's block at (w + 1) * stride. */
  sharedWords: {
    stride: number;
    armed: number;
    done: number;
    wakeTarget: number;
    sleeping: number;
    sleeps: number;
    wakeups: number;
    jsWakes: number;
    submitted: number;
    backlog: number;
  };
  /** Error code names by number (raw batch statuses are their negatives). */
  codes: string[];
  /** The messages of the codes that name nothing, as native code words them. */
  messages: { ERR_POOL_CLOSED: string; ERR_ENGINE_CLOSED: string };
  /** Built with liburing (io_uring for SwapDevice). */
  uring: boolean;
}

export interface DeviceHandle {
  readonly kind: 'block' | 'file';
  readonly pageSize: number;
  readonly capacity: number;
  readonly logicalBlockSize: number;
  readonly deviceBytes: number;
  stats(out: Float64Array): void;
  holdings(): { source: 'zram' | 'file' | 'loop' | 'none'; heldBytes: number; origBytes: number; comprBytes: number };
  flushDiscards(): number;
  close(): void;
  isClosed(): boolean;
}

export interface UringHandle {
  /** An Int32Array of results when the batch needed no I/O, else the id onComplete will name. */
  submit(ops: Uint32Array, count: number, views: (ArrayBufferView | undefined)[]): Int32Array | number;
  drain(): void;
  stats(out: Float64Array): void;
}

/** The kernel swap probe (native/core/kernel_swap_probe): used by the kernel bench section. */
export type VmCounterSet = Record<string, number>;
export interface KernelProbeRun {
  ok: boolean;
  error: string;
  pageoutNs: number;
  residentAfterFill: number;
  residentAfterPageout: number;
  residentBeforeTouch: number;
  anonHugeKiB: number;
  reclaimRounds: number;
  intact: boolean;
  touchNs: Uint32Array;
  beforePageout: VmCounterSet;
  afterPageout: VmCounterSet;
  beforeTouch: VmCounterSet;
  afterTouch: VmCounterSet;
}
export type PageFill = 'random' | 'text' | 'zero';
export interface KernelProbeBinding {
  run(options: { pages: number; huge: boolean; fill: PageFill; seed: number; cgroupDir?: string; whileOut?: () => void }): KernelProbeRun;
  fill(view: ArrayBufferView, fill: PageFill, seed: number, firstPage: number): void;
  counterNames(): string[];
  readCounters(): VmCounterSet;
}

export interface Addon {
  setErrorClass(cls: typeof FrontswapError): void;
  /** Builtins the addon calls on buffers it obtained natively (pinning async pages). */
  setIntrinsics(resizableGetter: (this: unknown) => unknown, markAsUntransferable: (obj: object) => void): void;
  createPool(pageSize: number, pages: number, backing: string, prefault: boolean, streamStores: number, numaNode: number): PoolHandle;
  createFrontswap(backend: PoolHandle | DeviceHandle, exclusiveGets: boolean, engine: EngineHandle | undefined): FrontswapHandle;
  createSwapDevice(path: string, pageSize: number, pages: number, discardMode: number, discardBatch: number): DeviceHandle;
  createDeviceUring(fs: FrontswapHandle, queueDepth: number, onComplete: (batch: number, results: Int32Array) => void): UringHandle;
  createEngine(
    self: object,
    workers: number,
    waitMode: number,
    spinMicros: number,
    ringSize: number,
    onWake: (self: object) => void,
    cpus: Uint32Array | undefined,
  ): EngineHandle;
  nativeInfo(): { streamCopy: string; lastLevelCacheBytes: number; thpMode: string };
  /** CPU time of the calling thread, in ns. */
  threadCpuNs(): number;
  /** V8's external-memory count, which pools add their mapped bytes to. */
  externalMemory(): number;
  readonly wire: Wire;
  readonly kernelProbe: KernelProbeBinding;
  /** Cache control for cold measurements (native/core/cache_control.h). */
  readonly cache: {
    /** 'clflushopt', 'clflush' or 'none'. */
    readonly flushKind: string;
    /** Evicts pages (indices of `pageSize` bytes) of a view; returns the cache lines flushed. */
    flushView(view: ArrayBufferView, pageSize: number, pages: Uint32Array): number;
    /** ns per dependent load over a random cycle through buffers of these sizes. */
    chaseLatency(sizes: Float64Array, loads: number): Float64Array;
  };
  readonly baselines: {
    /** kernel 0: glibc memcpy; 1: the pool's own page copy without frontswap's bookkeeping. */
    memcpyLoop(pool: PoolHandle, slots: Uint32Array, pages: ArrayBufferView, iterations: number, toPool: boolean, kernel: 0 | 1): number;
    naiveStoreAsync(pool: PoolHandle, slot: number, page: ArrayBufferView): Promise<boolean>;
  };
}

/**
 * FRONTSWAP_BUILD_ROOT points at another build tree (a sanitizer or cmake-js
 * build: <root>/build/Release/frontswap.node) without touching the installed one.
 */
function load(): Addon {
  const root = process.env['FRONTSWAP_BUILD_ROOT'];
  if (root) return bindings({ bindings: 'frontswap', module_root: path.resolve(root) }) as Addon;
  return bindings('frontswap') as Addon;
}

export const addon: Addon = load();
addon.setErrorClass(FrontswapError);
addon.setIntrinsics(resizableGetter(), markAsUntransferable);
