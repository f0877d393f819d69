/**
 * Frontswap: Linux frontswap's operations over a PagePool. Synchronous calls copy
 * on the calling thread; with a CopyEngine, storeAsync / loadAsync / batch() hand
 * the copies to the engine's workers. Either way the metadata (which slot holds
 * which key) changes when the call is made, so operations on one key take effect
 * in the order they were issued.
 */
import { addon, type FrontswapHandle, type PoolHandle } from './binding';
import { coreOf, type CopyEngine } from './copy-engine';
import { DeviceBatch, DeviceIo, deviceOne, type UringStats } from './device-io';
import type { EngineCore } from './engine/core';
import { describe, FrontswapError, invalidArg, outOfRange } from './errors';
import { handleOf, type PagePool } from './page-pool';
import { deviceHandleOf, isSwapDevice, type SwapDevice } from './swap-device';
import * as check from './validate';
import * as slots from './view-slots';
import { BUF_REGISTERED, BUF_VIEW, FS_OP_WORDS, KEY_TYPE_FACTOR, MAX_TYPE, opsWithRoom, prepInvalidate, prepLoad, prepStore, wire } from './wire';

export interface FrontswapOptions {
  /** A successful load also frees the page (frontswap_tmem_exclusive_gets). Default false. */
  exclusiveGets?: boolean;
  /** The engine that moves bytes for the async operations (a PagePool backend). */
  engine?: CopyEngine;
  /**
   * A SwapDevice backend: 'sync' (default) has the synchronous calls only
   * (pread/pwrite); 'uring' adds storeAsync / loadAsync / batch() through io_uring.
   */
  io?: 'sync' | 'uring';
  /** io: 'uring': entries of the submission queue (1..4096, default 32); more ops wait their turn. */
  queueDepth?: number;
}

export interface FrontswapStats {
  /** Accepted stores, overwrites included. */
  succStores: number;
  /** Stores rejected because the pool was full. */
  failedStores: number;
  /** Accepted stores that overwrote a page already stored under the same key. */
  duplicateStores: number;
  /** Loads that found their page. */
  loads: number;
  /** Loads of a key that held no page. */
  failedLoads: number;
  /** Loads that also freed the page (exclusiveGets). */
  exclusiveLoads: number;
  /** invalidatePage calls that removed a page. */
  invalidates: number;
  /** invalidateArea calls. */
  areaInvalidates: number;
  /** Pages dropped by invalidateArea. */
  areaInvalidatedPages: number;
  /** Pages held now: succStores − duplicateStores − invalidates − exclusiveLoads − areaInvalidatedPages − lostPages. */
  storedPages: number;
  /** The pool's pages in use, by every front-end and reservation. */
  usedPages: number;
  /** The pool's capacity in pages. */
  capacity: number;
  /** Bytes of this front-end's key maps (the metadata beyond the pool's own). */
  mapBytes: number;
  /** Swap types open (init'ed and not invalidateArea'd). */
  initializedTypes: number[];
  /** A device backend's reads and writes that failed (each op reported its errno). */
  ioErrors: number;
  /** Stored pages dropped because an I/O on them failed (storedPages already excludes them). */
  lostPages: number;
}

interface Internals {
  h: FrontswapHandle;
  pool: PoolHandle | null;
  io: DeviceIo | null;
  pageSize: number;
  core: EngineCore | null;
  /** Op arrays of submitted batches, for the next batch to reuse. */
  spareOps: Uint32Array<ArrayBuffer>[];
  /** Where the addon writes a batch's results, read back before submit returns. */
  results: Int32Array;
}

const MAX_OFFSET = 0xffffffff;
// Module-local copies of the wire's limits: the hot paths read a constant, not an import.
const TYPE_MASK = MAX_TYPE;
const KEY_FACTOR = KEY_TYPE_FACTOR;
const internals = new WeakMap<Frontswap<never>, Internals>();

function checkType(type: unknown): number {
  return check.integer(type, 'type', 0, MAX_TYPE);
}

function checkOffset(offset: unknown): number {
  return check.integer(offset, 'offset', 0, MAX_OFFSET);
}

function detached(): FrontswapError {
  return new FrontswapError('page is a view over a detached ArrayBuffer', 'ERR_BUFFER_DETACHED');
}

/**
 * The precise error for a page the hot test refused, as the sync twin words it.
 * Reads the view's internal slots (view-slots.ts), never its own properties.
 */
function checkPage(page: unknown, pageSize: number): ArrayBufferView {
  const v = check.view(page, 'page');
  const length = slots.byteLengthOf(v);
  if (length !== pageSize) {
    if (length <= 0 && slots.isDetached(slots.bufferOf(v))) throw detached();
    throw outOfRange(`page must be exactly ${pageSize} bytes (the pool's pageSize), got ${length}`, 'ERR_BUFFER_SIZE');
  }
  return v;
}

/** The hot paths' cheap test; anything it refuses goes through checkPage for the precise error. */
function isPage(page: unknown, pageSize: number): page is ArrayBufferView {
  return slots.isView(page) && slots.byteLengthOf(page) === pageSize;
}

/**
 * True when (type, offset) can travel as one number. Anything else takes the
 * three-argument path, whose native checks name the bad argument.
 */
function isKey(type: unknown, offset: unknown): boolean {
  return typeof type === 'number' && typeof offset === 'number' && (type & TYPE_MASK) === type && offset >>> 0 === offset;
}

function noUring(): FrontswapError {
  return new FrontswapError("this device Frontswap has no async I/O: pass { io: 'uring' } to its constructor", 'ERR_NO_URING');
}

function noEngine(): FrontswapError {
  return new FrontswapError('this Frontswap has no engine: pass { engine } to its constructor', 'ERR_NO_ENGINE');
}

/** The batch a front-end over backend B gives. */
export type BatchOf<B> = B extends SwapDevice ? DeviceBatch : FrontswapBatch;

export class Frontswap<B extends PagePool | SwapDevice = PagePool> {
  /** The pool behind a pool-backed front-end (null over a device). */
  readonly pool: B extends SwapDevice ? null : PagePool;
  /** The device behind a device-backed front-end (null over a pool). */
  readonly device: B extends SwapDevice ? SwapDevice : null;
  readonly exclusiveGets: boolean;
  readonly engine: CopyEngine | null;
  /** 'uring' when the async calls go through io_uring, 'sync' for a device without, null over a pool. */
  readonly io: 'sync' | 'uring' | null;
  readonly #h: FrontswapHandle;
  readonly #stats: Float64Array;

  /**
   * Over a PagePool (sync copies; with { engine } the async calls use the copy
   * engine) or a SwapDevice (pread/pwrite; with { io: 'uring' } the async calls
   * use io_uring). The semantics and counters are the same over both.
   */
  constructor(backend: B, options?: FrontswapOptions) {
    const o = check.options(options, 'Frontswap options');
    const device = isSwapDevice(backend);
    check.knownKeys(o, 'Frontswap options', device ? ['exclusiveGets', 'io', 'queueDepth'] : ['exclusiveGets', 'engine']);
    this.exclusiveGets = check.boolean(o['exclusiveGets'] ?? false, 'exclusiveGets');
    let io: DeviceIo | null = null;
    if (device) {
      const mode = check.oneOf(o['io'] ?? 'sync', 'io', ['sync', 'uring'] as const);
      const depth = check.integer(o['queueDepth'] ?? 32, 'queueDepth', 1, 4096);
      if (mode === 'sync' && o['queueDepth'] !== undefined) check.knownKeys(o, "Frontswap options (queueDepth needs io: 'uring')", ['exclusiveGets', 'io']);
      this.#h = addon.createFrontswap(deviceHandleOf(backend), this.exclusiveGets, undefined);
      if (mode === 'uring') io = new DeviceIo(this.#h, depth);
      this.pool = null as this['pool'];
      this.device = backend as unknown as this['device'];
      this.engine = null;
      this.io = mode;
      this.#stats = new Float64Array(STAT_NAMES.length);
      internals.set(this as Frontswap<never>, { h: this.#h, pool: null, io, pageSize: backend.pageSize, core: null, spareOps: [], results: new Int32Array(0) });
      return;
    }
    const poolHandle = handleOf(backend as PagePool);
    const engine = (o['engine'] ?? null) as CopyEngine | null;
    const core = engine === null ? null : coreOf(engine);
    core?.assertOpen();
    this.#h = addon.createFrontswap(poolHandle, this.exclusiveGets, core?.handle);
    this.pool = backend as PagePool as this['pool'];
    this.device = null as this['device'];
    this.engine = engine;
    this.io = null;
    this.#stats = new Float64Array(STAT_NAMES.length);
    internals.set(this as Frontswap<never>, { h: this.#h, pool: poolHandle, io: null, pageSize: backend.pageSize, core, spareOps: [], results: new Int32Array(INITIAL_OPS) });
  }

  /** Opens swap type `type` (0..31: wire.limits.types), like swapon. */
  init(type: number): void {
    this.#h.init(type);
  }

  /**
   * Stores a copy of `page` under (type, offset). Returns false when the store
   * is rejected (the pool is full): the caller keeps the page. Storing over an
   * existing key replaces its bytes.
   */
  store(type: number, offset: number, page: ArrayBufferView): boolean {
    return isKey(type, offset) ? this.#h.storeKey(type * KEY_FACTOR + offset, page) : this.#h.store(type, offset, page);
  }

  /** Copies the page stored under (type, offset) into `page`; false if there is none. */
  load(type: number, offset: number, page: ArrayBufferView): boolean {
    return isKey(type, offset) ? this.#h.loadKey(type * KEY_FACTOR + offset, page) : this.#h.load(type, offset, page);
  }

  /** Forgets (type, offset) now: its slot is free for the next store. True if a page was there. */
  invalidatePage(type: number, offset: number): boolean {
    return isKey(type, offset) ? this.#h.invalidateKey(type * KEY_FACTOR + offset) : this.#h.invalidatePage(type, offset);
  }

  /** Forgets every page of `type` and closes the type, like swapoff. */
  invalidateArea(type: number): void {
    this.#h.invalidateArea(type);
  }

  has(type: number, offset: number): boolean {
    return this.#h.has(type, offset);
  }

  stats(): FrontswapStats {
    const s = this.#stats;
    this.#h.stats(s);
    const out: Record<string, number | number[]> = {};
    for (let k = 0; k < STAT_NAMES.length; k++) {
      const name = STAT_NAMES[k]!;
      if (name === TYPES_MASK) out['initializedTypes'] = typesOf(s[k]!);
      else out[name] = s[k]!;
    }
    return out as unknown as FrontswapStats;
  }

  /** io_uring counters of a device front-end with io: 'uring', else null. */
  uringStats(): UringStats | null {
    return internals.get(this as Frontswap<never>)!.io?.stats() ?? null;
  }

  /** store() through the engine (or io_uring): resolves once the bytes are in the pool (or on the device). */
  storeAsync(type: number, offset: number, page: ArrayBufferView): Promise<boolean> {
    const io = internals.get(this as Frontswap<never>)!.io;
    if (io) return this.#deviceOne(io, false, type, offset, page);
    return submitOne(this as Frontswap<never>, prepStore, type, offset, page);
  }

  /** load() through the engine (or io_uring): resolves once the bytes are in `page`. */
  loadAsync(type: number, offset: number, page: ArrayBufferView): Promise<boolean> {
    const io = internals.get(this as Frontswap<never>)!.io;
    if (io) return this.#deviceOne(io, true, type, offset, page);
    return submitOne(this as Frontswap<never>, prepLoad, type, offset, page);
  }

  /** A batch of operations submitted together with one doorbell (one io_uring submission on a device). */
  batch(): BatchOf<B> {
    const i = internals.get(this as Frontswap<never>)!;
    if (i.io) {
      const ps = i.pageSize;
      return new DeviceBatch(i.io, (t, o, p) => checkOp(t, o, p, ps), checkKey) as BatchOf<B>;
    }
    if (this.device) throw noUring();
    if (!i.core) throw noEngine();
    i.core.assertOpen();
    return new FrontswapBatch(i) as BatchOf<B>;
  }

  #deviceOne(io: DeviceIo, load: boolean, type: number, offset: number, page: ArrayBufferView): Promise<boolean> {
    try {
      checkOp(type, offset, page, internals.get(this as Frontswap<never>)!.pageSize);
      return deviceOne(io, load, type, offset, page);
    } catch (e) {
      return Promise.reject(e);
    }
  }
}

/** The counters in the order the addon writes them; the mask of open types becomes a list. */
const STAT_NAMES: readonly string[] = wire.stats;
const TYPES_MASK = 'initializedTypesMask';

function typesOf(mask: number): number[] {
  const types: number[] = [];
  for (let t = 0; t <= MAX_TYPE; t++) if (mask & (2 ** t)) types.push(t);
  return types;
}

/** prepStore or prepLoad. */
type PrepPage = typeof prepStore;

const oneOp = new Uint32Array(FS_OP_WORDS);
const oneResult = new Int32Array(1);
const oneView: ArrayBufferView[] = [];  // read by the addon before submit returns

/** Argument checks that throw the precise error; the hot paths call them only on a miss. */
function checkKey(type: unknown, offset: unknown): void {
  checkType(type);
  checkOffset(offset);
}

function checkOp(type: unknown, offset: unknown, page: unknown, pageSize: number): void {
  checkKey(type, offset);
  checkPage(page, pageSize);
}

/**
 * Where an async op's page is, decided from the page's internal slots alone:
 * a registered buffer (id >= 0, at byteOffset) or the view itself (id -1),
 * whose buffer the addon pins natively at submit. Throws, changing nothing,
 * for a page no copy may run on; the caller writes shared state only after.
 */
interface PageRef {
  id: number;
  byteOffset: number;
}
const pageRef: PageRef = { id: -1, byteOffset: 0 };

function resolvePage(core: EngineCore, type: number, offset: number, page: ArrayBufferView, pageSize: number): PageRef {
  if (!(isKey(type, offset) && isPage(page, pageSize))) checkOp(type, offset, page, pageSize);
  const buffer = slots.bufferOf(page);
  core.registry.assertPinnable(buffer, 'page');
  const id = core.registry.registeredId(page, pageSize);
  pageRef.id = id;
  pageRef.byteOffset = id >= 0 ? core.registry.hitOffset : 0;
  return pageRef;
}

/** Writes op `i` with its page, as resolvePage found it. */
function preparePage(prep: PrepPage, ops: Uint32Array, i: number, type: number, offset: number, page: ArrayBufferView,
  ref: PageRef, views: ArrayBufferView[]): void {
  if (ref.id >= 0) {
    prep(ops, i, type, offset, BUF_REGISTERED, ref.id, ref.byteOffset);
  } else {
    prep(ops, i, type, offset, BUF_VIEW, views.length, 0);
    views.push(page);
  }
}

function submitOne(fs: Frontswap<never>, prep: PrepPage, type: number, offset: number, page: ArrayBufferView): Promise<boolean> {
  try {
    const i = internals.get(fs)!;
    const core = i.core;
    if (!core) throw fs.device ? noUring() : noEngine();
    core.assertOpen();
    const ref = resolvePage(core, type, offset, page, i.pageSize);  // every check before any shared state
    oneView.length = 0;
    preparePage(prep, oneOp, 0, type, offset, page, ref, oneView);
    const waitFor = core.scratchWaitFor;
    const mask = i.h.submit(oneOp, 1, oneView.length ? oneView : null, oneResult, waitFor);
    oneView.length = 0;
    const value = oneResult[0] === 1;
    return new Promise<boolean>((resolve, reject) => {
      core.track({ parts: 0, bytes: i.pageSize, pool: i.pool, keep: page, settle: (err) => (err ? reject(err) : resolve(value)) }, mask, waitFor);
    });
  } catch (e) {
    oneView.length = 0;
    return Promise.reject(e);
  }
}

const INITIAL_OPS = 64;

/**
 * Operations collected now, submitted together. Arguments are checked as they
 * are added; submit() checks them again against the state at that moment and
 * applies all of them or, if any is invalid, none.
 */
export class FrontswapBatch {
  readonly #i: Internals;
  readonly #core: EngineCore;
  #ops: Uint32Array<ArrayBuffer> | null = null;
  #count = 0;
  #views: ArrayBufferView[] = [];

  /** @internal */
  constructor(i: Internals) {
    this.#i = i;
    this.#core = i.core!;
  }

  get length(): number {
    return this.#count;
  }

  store(type: number, offset: number, page: ArrayBufferView): this {
    return this.#page(prepStore, type, offset, page);
  }

  load(type: number, offset: number, page: ArrayBufferView): this {
    return this.#page(prepLoad, type, offset, page);
  }

  /**
   * store() from a page of a registered buffer, named by id and byte offset
   * (io_uring's fixed buffers): no lookup at all per op.
   */
  storeFrom(type: number, offset: number, bufferId: number, byteOffset: number): this {
    return this.#fixed(prepStore, type, offset, bufferId, byteOffset);
  }

  /** load() into a page of a registered buffer, named by id and byte offset. */
  loadInto(type: number, offset: number, bufferId: number, byteOffset: number): this {
    return this.#fixed(prepLoad, type, offset, bufferId, byteOffset);
  }

  invalidatePage(type: number, offset: number): this {
    if (!isKey(type, offset)) checkKey(type, offset);
    prepInvalidate(this.#room(), this.#count, type, offset);
    this.#count++;  // last: a refused op adds nothing
    return this;
  }

  /**
   * Submits every op with one doorbell and empties the batch (it may be reused).
   * Resolves, once every copy has landed, to one result per op in op order:
   * store → accepted, load → found, invalidatePage → a page was removed.
   */
  submit(): Promise<boolean[]> {
    const n = this.#count;
    const views = this.#views;
    const ops = this.#ops;
    this.#count = 0;
    this.#views = [];
    this.#ops = null;
    const i = this.#i;
    try {
      const core = this.#core;
      core.assertOpen();
      if (i.results.length < n) i.results = new Int32Array(Math.max(n, i.results.length * 2));
      const waitFor = core.scratchWaitFor;
      const mask = n === 0 ? 0 : i.h.submit(ops!, n, views.length ? views : null, i.results, waitFor);
      const out = new Array<boolean>(n);
      for (let k = 0; k < n; k++) out[k] = i.results[k] === 1;  // decided now; the copies land later
      return new Promise<boolean[]>((resolve, reject) => {
        core.track({ parts: 0, bytes: n * i.pageSize, pool: i.pool, keep: views, settle: (err) => (err ? reject(err) : resolve(out)) }, mask, waitFor);
      });
    } catch (e) {
      return Promise.reject(e);
    } finally {
      if (ops !== null) i.spareOps.push(ops);  // the addon copied what it needed
    }
  }

  // Every check first, the op written after and counted last: a refused op adds nothing.
  #page(prep: PrepPage, type: number, offset: number, page: ArrayBufferView): this {
    const ref = resolvePage(this.#core, type, offset, page, this.#i.pageSize);
    preparePage(prep, this.#room(), this.#count, type, offset, page, ref, this.#views);
    this.#count++;
    return this;
  }

  #fixed(prep: PrepPage, type: number, offset: number, bufferId: number, byteOffset: number): this {
    if (!isKey(type, offset)) checkKey(type, offset);
    // typeof first: `>>>` on an object would call its valueOf.
    if (typeof bufferId !== 'number' || bufferId >>> 0 !== bufferId) check.integer(bufferId, 'bufferId', 0, 0xffffffff);
    if (typeof byteOffset !== 'number' || byteOffset >>> 0 !== byteOffset) check.integer(byteOffset, 'byteOffset', 0, 0xffffffff);
    prep(this.#room(), this.#count, type, offset, BUF_REGISTERED, bufferId, byteOffset);
    this.#count++;
    return this;
  }

  /** The op array, with room for one more op. */
  #room(): Uint32Array<ArrayBuffer> {
    const ops = this.#ops ?? this.#i.spareOps.pop() ?? new Uint32Array(INITIAL_OPS * FS_OP_WORDS);
    return (this.#ops = opsWithRoom(ops, this.#count + 1, FS_OP_WORDS));
  }
}

/** @internal The native handle behind a Frontswap (a SwapRegion attaches to it). */
export function frontswapHandleOf(fs: Frontswap): FrontswapHandle {
  const i = internals.get(fs);
  if (!i) throw invalidArg(`expected a Frontswap, got ${describe(fs)}`);
  return i.h;
}
