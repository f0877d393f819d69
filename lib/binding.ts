/**
 * The addon, loaded from one place (with `bindings`, which finds
 * build/Release/frontswap.node), and the exact shape of what it exports.
 * Nothing outside lib/ talks to it directly except the benchmarks' baselines.
 */
import bindings from 'bindings';
import * as path from 'node:path';
import { FrontswapError } from './errors';

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
  readonly board: Int32Array;
  registerBuffer(view: ArrayBufferView): number;
  unregisterBuffer(id: number): void;
  registerPool(pool: PoolHandle): number;
  submitRaw(ops: Uint32Array, count: number, status: Int32Array, waitFor: Uint32Array): number;
  /** Reaps finished copies and refills the rings (the backlog is in the board's words). */
  poll(): void;
  drain(): void;
  setWaiting(waiting: boolean): void;
  cpuTimes(out: Float64Array): void;
  shutdown(): void;
}

export interface Layout {
  fsOpWords: number;
  fsStore: number;
  fsLoad: number;
  fsInvalidate: number;
  bufView: number;
  bufRegistered: number;
  rawOpWords: number;
  rawToSlot: number;
  rawFromSlot: number;
  rawSlotToSlot: number;
  statsFields: number;
  boardStride: number;
  boardDone: number;
  boardWakeTarget: number;
  boardArmed: number;
  boardSleeping: number;
  boardSleeps: number;
  boardWakeups: number;
  boardJsWakes: number;
  boardSubmitted: number;
  boardBacklog: number;
  /** Error code names by number (raw batch statuses are their negatives). */
  codes: string[];
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
  createPool(pageSize: number, pages: number, backing: string, prefault: boolean, streamStores: number): PoolHandle;
  createFrontswap(pool: PoolHandle, exclusiveGets: boolean, engine: EngineHandle | undefined): FrontswapHandle;
  createEngine(
    self: object,
    workers: number,
    waitMode: number,
    spinMicros: number,
    ringSize: number,
    onWake: (self: object) => void,
  ): EngineHandle;
  nativeInfo(): { streamCopy: string; lastLevelCacheBytes: number; thpMode: string };
  /** CPU time of the calling thread, in ns. */
  threadCpuNs(): number;
  /** V8's external-memory count, which pools add their mapped bytes to. */
  externalMemory(): number;
  readonly layout: Layout;
  readonly kernelProbe: KernelProbeBinding;
  readonly baselines: {
    memcpyLoop(pool: PoolHandle, slots: Uint32Array, page: ArrayBufferView, iterations: number, toPool: boolean): number;
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
export const layout: Layout = addon.layout;
