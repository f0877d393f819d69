/**
 * CopyEngine: native worker threads that move pages in the background, fed in
 * batches through rings, like a DMA engine. Give one to a Frontswap for
 * storeAsync / loadAsync / batch(), or drive it raw with rawBatch().
 */
import { EngineCore, WAIT_MODES, type CompletionMode, type WaitMode } from './engine-core';
import { FrontswapError, describe, invalidArg, outOfRange } from './errors';
import { handleOf, type PagePool } from './page-pool';
import * as check from './validate';
import { RAW_OP_WORDS, opsWithRoom, prepRaw, statusCode, type RawOp } from './wire';

export type { CompletionMode, WaitMode } from './engine-core';

export interface CopyEngineOptions {
  /** Worker threads. Default 1. */
  workers?: number;
  /**
   * How an idle worker waits for work: 'sleep' parks it on a futex (costs a
   * wake-up per batch); 'spin' busy-waits (lowest latency, burns a core);
   * 'adaptive' (default) spins for `spinMicros`, then parks.
   */
  waitMode?: WaitMode;
  /** Adaptive mode: how long an idle worker spins before parking. Default 50. */
  spinMicros?: number;
  /** Descriptors each worker's ring holds (a power of two); more wait in order behind it. Default 1024. */
  ringSize?: number;
  /**
   * How JS learns that copies landed. 'wakeup': the event loop sleeps and the
   * worker that lands the copy wakes it (cheapest for the calling thread).
   * 'poll': while the wait is short (at most 64 KiB in flight), JS checks the
   * shared completion counts once per event-loop turn for up to `pollMicros`,
   * then falls back to a wake-up (it catches a sleeping worker's copy without a
   * second, event-loop wake-up). 'auto' (default): 'poll' for 'sleep' workers,
   * else 'wakeup'. Either way a short wait on awake workers is spent in place.
   */
  completion?: 'auto' | CompletionMode;
  /** Poll mode: how long to poll before letting the event loop sleep. Default 50. */
  pollMicros?: number;
}

export interface WorkerStats {
  /** Copies this worker has completed. */
  completed: number;
  /** Times it parked for lack of work. */
  sleeps: number;
  /** Futex wake-ups the submitting thread sent it. */
  wakeups: number;
  /** Event-loop wake-ups it sent to JS. */
  jsWakes: number;
  /** CPU time the worker thread has used, in nanoseconds. */
  cpuNs: number;
}

export interface EngineStats {
  inFlight: number;
  workers: WorkerStats[];
}

export interface RawBatchResult {
  /** Copies that landed. */
  completed: number;
  /** Descriptors refused by the engine's checks, with why. */
  failed: { index: number; error: FrontswapError }[];
}

const cores = new WeakMap<CopyEngine, EngineCore>();

export class CopyEngine {
  readonly workers: number;
  readonly waitMode: WaitMode;
  readonly spinMicros: number;
  readonly ringSize: number;
  readonly completion: CompletionMode;
  readonly pollMicros: number;

  constructor(options?: CopyEngineOptions) {
    const o = check.options(options, 'CopyEngine options');
    check.knownKeys(o, 'CopyEngine options', ['workers', 'waitMode', 'spinMicros', 'ringSize', 'completion', 'pollMicros']);
    this.workers = check.integer(o['workers'] ?? 1, 'workers', 1, 32);
    this.waitMode = check.oneOf(o['waitMode'] ?? 'adaptive', 'waitMode', WAIT_MODES);
    this.spinMicros = check.integer(o['spinMicros'] ?? 50, 'spinMicros', 0, 10_000_000);
    this.ringSize = check.integer(o['ringSize'] ?? 1024, 'ringSize', 2, 1 << 20);
    if ((this.ringSize & (this.ringSize - 1)) !== 0) {
      throw outOfRange(`ringSize must be a power of two from 2 to 1048576, got ${this.ringSize}`);
    }
    const completion = check.oneOf(o['completion'] ?? 'auto', 'completion', ['auto', 'poll', 'wakeup'] as const);
    this.completion = completion === 'auto' ? (this.waitMode === 'sleep' ? 'poll' : 'wakeup') : completion;
    this.pollMicros = check.integer(o['pollMicros'] ?? 50, 'pollMicros', 0, 10_000_000);
    cores.set(
      this,
      new EngineCore({
        workers: this.workers,
        waitMode: this.waitMode,
        spinMicros: this.spinMicros,
        ringSize: this.ringSize,
        completion: this.completion,
        pollMicros: this.pollMicros,
      }),
    );
  }

  /** True once close() has begun. */
  get closed(): boolean {
    return coreOf(this).closing;
  }

  /** Submissions whose copies have not all landed yet. */
  get inFlight(): number {
    return coreOf(this).inFlight;
  }

  /**
   * Registers a page buffer once (io_uring's fixed buffers): ops on pages inside
   * it then need no native call each. The buffer is kept alive and marked
   * untransferable (a transfer copies it instead of detaching it). Returns its id.
   */
  registerBuffer(view: ArrayBufferView): number {
    check.view(view, 'buffer');
    return coreOf(this).registerBuffer(view);
  }

  /** Drops a registration, after every copy in flight has landed. */
  unregisterBuffer(id: number): void {
    check.integer(id, 'id', 0, 0xffffffff);
    coreOf(this).unregisterBuffer(id);
  }

  /** A batch of raw copies between reserved pool slots and registered buffers. */
  rawBatch(): RawBatch {
    return new RawBatch(coreOf(this));
  }

  stats(): EngineStats {
    const core = coreOf(this);
    const s = core.stats();
    const cpu = new Float64Array(this.workers);
    core.handle.cpuTimes(cpu);
    return {
      inFlight: core.inFlight,
      workers: s.done.map((completed, w) => ({
        completed,
        sleeps: s.sleeps[w]!,
        wakeups: s.wakeups[w]!,
        jsWakes: s.jsWakes[w]!,
        cpuNs: cpu[w]!,
      })),
    };
  }

  /**
   * Lets every submitted copy land, settles its promise, then stops and joins
   * the workers. Later calls throw ERR_ENGINE_CLOSED. Idempotent.
   */
  close(): Promise<void> {
    return coreOf(this).close();
  }
}

/** @internal */
export function coreOf(engine: CopyEngine): EngineCore {
  const c = cores.get(engine);
  if (!c) throw invalidArg(`expected a CopyEngine, got ${describe(engine)}`);
  return c;
}

/**
 * Raw copies for measuring the engine alone: no frontswap metadata, only slots
 * the caller reserved with pool.reserve() and buffers registered with the engine.
 */
export class RawBatch {
  private ops = new Uint32Array(64 * RAW_OP_WORDS);
  private count = 0;
  private bytes = 0;  // what the ops copy, at most

  /** @internal */
  constructor(private readonly core: EngineCore) {}

  get length(): number {
    return this.count;
  }

  /** Copies a page from a registered buffer into a reserved slot. */
  toSlot(pool: PagePool, slot: number, bufferId: number, byteOffset = 0): this {
    return this.add('toSlot', pool, slot, bufferId, byteOffset);
  }

  /** Copies a reserved slot out into a registered buffer. */
  fromSlot(pool: PagePool, slot: number, bufferId: number, byteOffset = 0): this {
    return this.add('fromSlot', pool, slot, bufferId, byteOffset);
  }

  /** Copies one reserved slot to another of the same pool. */
  slotToSlot(pool: PagePool, src: number, dst: number): this {
    return this.add('slotToSlot', pool, src, dst, 0);
  }

  /** Submits with one doorbell; the batch is empty again afterwards. */
  submit(): Promise<RawBatchResult> {
    const n = this.count;
    const bytes = this.bytes;
    this.count = 0;
    this.bytes = 0;
    try {
      this.core.assertOpen();
      const status = new Int32Array(n);
      const waitFor = this.core.scratchWaitFor;
      const mask = this.core.handle.submitRaw(this.ops, n, status, waitFor);
      const failed: RawBatchResult['failed'] = [];
      for (let i = 0; i < n; i++) {
        if (status[i] !== 0) {
          failed.push({ index: i, error: new FrontswapError(`raw op ${i} refused`, statusCode(status[i]!) as FrontswapError['code']) });
        }
      }
      return new Promise((resolve, reject) => {
        this.core.track(
          {
            parts: 0,
            bytes,
            pool: null,
            keep: null,
            settle: (err) => (err ? reject(err) : resolve({ completed: n - failed.length, failed })),
          },
          mask,
          waitFor,
        );
      });
    } catch (e) {
      return Promise.reject(e);
    }
  }

  private add(op: RawOp, pool: PagePool, a: number, b: number, byteOffset: number): this {
    const poolId = this.core.poolId(handleOf(pool));
    check.integer(a, 'slot', 0, 0xffffffff);
    check.integer(b, op === 'slotToSlot' ? 'dst' : 'bufferId', 0, 0xffffffff);
    check.integer(byteOffset, 'byteOffset', 0, 0xffffffff);
    this.ops = opsWithRoom(this.ops, this.count + 1, RAW_OP_WORDS);
    prepRaw(this.ops, this.count++, op, poolId, a, b, byteOffset);
    this.bytes += pool.pageSize;
    return this;
  }
}
