/**
 * The async operations of a device-backed Frontswap through io_uring: each
 * call or batch is planned when it is made (so ops on one key take effect in
 * issue order), its I/O goes to the kernel with one submission, and its
 * promise settles when its last completion is reaped. Beyond the queue depth,
 * ops wait natively (back-pressure); none is dropped.
 */
import { constants } from 'node:os';
import { markAsUntransferable } from 'node:worker_threads';
import { addon, type FrontswapHandle, type UringHandle } from './binding';
import { bufferResizable, FrontswapError, type FrontswapErrorCode } from './errors';
import { bufferOf, isResizable } from './view-slots';
import { DEV_OP_WORDS, namedCounters, opsWithRoom, prepDevice, wire, type DevOp } from './wire';


interface Pending {
  settle(results: Int32Array): void;
  keep: unknown;
}

/**
 * Queues with batches in flight, held from a root (keyed by their pending map,
 * which is all the native callback holds): a promise never waits on a collected queue.
 */
const live = new Map<Map<number, Pending>, DeviceIo>();

const errnoNames = new Map<number, string>();
for (const [name, n] of Object.entries(constants.errno)) if (!errnoNames.has(n)) errnoNames.set(n, name);

/** The error of one failed op: its code is the errno's name. */
export function errnoError(errno: number, what: string): FrontswapError {
  const name = errnoNames.get(errno) ?? 'EIO';
  const e = new FrontswapError(`${what}: ${name}`, name as FrontswapErrorCode);
  (e as FrontswapError & { errno: number }).errno = errno;
  return e;
}

export interface UringStats {
  /** io_uring_submit calls that sent I/O. */
  submitCalls: number;
  /** I/Os issued. */
  sqes: number;
  /** Completions reaped. */
  cqes: number;
  /** Ops that had to wait for a free queue entry (back-pressure). */
  waitedOps: number;
  /** The most ops ever waiting at once. */
  maxBacklog: number;
  inflight: number;
  pending: number;
  /** Staging pages registered as io_uring fixed buffers. */
  fixedBuffers: boolean;
  /** Times the completion thread refilled the ring from waiting ops before JS reaped. */
  refills: number;
  /** I/Os those refills issued. */
  refilledSqes: number;
  /** Per write and per read, submission to completion (ns, within ~6%): median and 99th percentile over the queue's life. */
  writeP50Ns: number;
  writeP99Ns: number;
  readP50Ns: number;
  readP99Ns: number;
}

export class DeviceIo {
  readonly queueDepth: number;
  readonly #h: UringHandle;
  readonly #pending: Map<number, Pending>;
  readonly #stats = new Float64Array(wire.uringStats.length);

  constructor(fs: FrontswapHandle, queueDepth: number) {
    if (!addon.wire.uring) {
      throw new FrontswapError(
        "io: 'uring' needs liburing: this build has none (apt-get install liburing-dev, then npm rebuild frontswap)",
        'ERR_URING_UNAVAILABLE',
      );
    }
    const pending = new Map<number, Pending>();
    // The callback closes over the map only, so the queue itself can be collected when idle.
    const onComplete = (id: number, results: Int32Array): void => {
      const p = pending.get(id);
      if (!p) return;
      pending.delete(id);
      if (pending.size === 0) live.delete(pending);
      p.settle(results);
    };
    this.#h = addon.createDeviceUring(fs, queueDepth, onComplete);
    this.#pending = pending;
    this.queueDepth = queueDepth;
  }

  /** Submits `count` ops ([kind, type, offset] each); resolves to the per-op results (1, 0, or −errno). */
  submit(ops: Uint32Array, count: number, views: (ArrayBufferView | undefined)[]): Promise<Int32Array> {
    const r = this.#h.submit(ops, count, views);
    if (typeof r !== 'number') return Promise.resolve(r);
    return new Promise<Int32Array>((resolve) => {
      this.#pending.set(r, { settle: resolve, keep: views });
      live.set(this.#pending, this);
    });
  }

  /** Waits (blocking) until the kernel has finished every I/O; their promises settle from the event loop. */
  drain(): void {
    this.#h.drain();
  }

  stats(): UringStats {
    this.#h.stats(this.#stats);
    const c = namedCounters(wire.uringStats, this.#stats);
    return { ...c, fixedBuffers: c['fixedBuffers'] === 1 } as unknown as UringStats;
  }
}

/** One op's result to its value, or its errno error. */
export function resultOf(r: number, what: string): boolean | FrontswapError {
  return r < 0 ? errnoError(-r, what) : r === 1;
}

/** Rejects with the op's error when one failed, else the booleans. */
export function settleBatch(results: Int32Array): boolean[] {
  const out = new Array<boolean>(results.length);
  let failed: (boolean | FrontswapError)[] | null = null;
  for (let k = 0; k < results.length; k++) {
    const r = results[k]!;
    if (r < 0 && failed === null) failed = Array.from(results, (x) => resultOf(x, 'batch op'));
    out[k] = r === 1;
  }
  if (failed) {
    const n = failed.filter((x) => x instanceof FrontswapError).length;
    const e = new FrontswapError(`${n} of ${results.length} ops of the batch failed with an I/O error; the others completed`, 'ERR_IO');
    (e as FrontswapError & { results: (boolean | FrontswapError)[] }).results = failed;
    throw e;
  }
  return out;
}

/** Operations collected now, submitted to io_uring together (one submission). */
export class DeviceBatch {
  readonly #io: DeviceIo;
  readonly #check: (type: unknown, offset: unknown, page: unknown) => void;
  readonly #checkKey: (type: unknown, offset: unknown) => void;
  #ops = new Uint32Array(64 * DEV_OP_WORDS);
  #views: (ArrayBufferView | undefined)[] = [];
  #count = 0;

  /** @internal */
  constructor(io: DeviceIo, checkOp: (type: unknown, offset: unknown, page: unknown) => void, checkKey: (type: unknown, offset: unknown) => void) {
    this.#io = io;
    this.#check = checkOp;
    this.#checkKey = checkKey;
  }

  get length(): number {
    return this.#count;
  }

  store(type: number, offset: number, page: ArrayBufferView): this {
    this.#check(type, offset, page);
    return this.#push('store', type, offset, page);
  }

  load(type: number, offset: number, page: ArrayBufferView): this {
    this.#check(type, offset, page);
    return this.#push('load', type, offset, page);
  }

  invalidatePage(type: number, offset: number): this {
    this.#checkKey(type, offset);
    return this.#push('invalidate', type, offset, undefined);
  }

  /**
   * Submits every op and empties the batch. Resolves, once every I/O has
   * completed, to one result per op in op order (store → accepted, load →
   * found, invalidatePage → removed). If an op's I/O failed, rejects with
   * ERR_IO whose `results` holds each op's value or its errno error.
   */
  async submit(): Promise<boolean[]> {
    const ops = this.#ops;
    const views = this.#views;
    const n = this.#count;
    this.#ops = new Uint32Array(64 * DEV_OP_WORDS);
    this.#views = [];
    this.#count = 0;
    return settleBatch(await this.#io.submit(ops, n, views));
  }

  #push(op: DevOp, type: number, offset: number, page: ArrayBufferView | undefined): this {
    this.#ops = opsWithRoom(this.#ops, this.#count + 1, DEV_OP_WORDS);
    prepDevice(this.#ops, this.#count, op, type, offset);
    if (page) pin(page);
    this.#views[this.#count] = page;
    this.#count++;
    return this;
  }
}

const pinned = new WeakSet<ArrayBufferLike>();

/**
 * The addon reads and writes a page by its address until the op completes: its
 * buffer must not move to another thread (markAsUntransferable), as with the engine.
 */
// The page's real buffer, read through the builtin getter (a view's own `buffer`
// property may lie); refused when resizable, since the I/O outlives this call.
function pin(page: ArrayBufferView): void {
  const buffer = bufferOf(page);
  if (pinned.has(buffer)) return;
  if (isResizable(buffer)) throw bufferResizable('page');
  if (!(buffer instanceof SharedArrayBuffer)) markAsUntransferable(buffer);
  pinned.add(buffer);
}

/** storeAsync / loadAsync of a device front-end: a batch of one. */
export async function deviceOne(io: DeviceIo, load: boolean, type: number, offset: number, page: ArrayBufferView): Promise<boolean> {
  pin(page);
  const ops = new Uint32Array(DEV_OP_WORDS);
  prepDevice(ops, 0, load ? 'load' : 'store', type, offset);
  const r = (await io.submit(ops, 1, [page]))[0]!;
  if (r < 0) throw errnoError(-r, load ? 'loadAsync from the swap device failed' : 'storeAsync to the swap device failed');
  return r === 1;
}
