/**
 * CopyEngine: native worker threads that move pages in the background, fed in
 * batches through rings, like a DMA engine. Give one to a Frontswap for
 * storeAsync / loadAsync / batch(), or drive it raw with rawBatch().
 */
import { WAIT_MODES, type CompletionMode, type WaitMode } from './engine/config';
import { EngineCore } from './engine/core';
import type { CompletionPaths } from './engine/wait-policy';
import { describe, invalidArg, outOfRange } from './errors';
import { RawBatch } from './raw-batch';
import * as check from './validate';
import { MAX_WORKERS } from './wire';

export type { CompletionMode, WaitMode } from './engine/config';
export type { CompletionPaths } from './engine/wait-policy';
export { RawBatch, type RawBatchResult } from './raw-batch';

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
  /**
   * Pin the workers (sched_setaffinity): worker i runs on cpus[i % cpus.length].
   * Every CPU must be one this process may run on (else ERR_OUT_OF_RANGE).
   * Default: wherever the scheduler puts them. `workerCpus()` reports the result.
   */
  cpus?: readonly number[];
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
  /**
   * How the engine's waits for landed copies ended, counted as they end: settled
   * at a submission (nothing left to wait for), spun in place (a short wait on
   * awake workers), polled on a later event-loop turn, or a worker's event-loop
   * wake-up.
   */
  completionPaths: CompletionPaths;
}

const cores = new WeakMap<CopyEngine, EngineCore>();

export class CopyEngine {
  readonly workers: number;
  readonly waitMode: WaitMode;
  readonly spinMicros: number;
  readonly ringSize: number;
  readonly completion: CompletionMode;
  readonly pollMicros: number;
  /** The CPUs asked for with `cpus`, or null. */
  readonly cpus: readonly number[] | null;

  constructor(options?: CopyEngineOptions) {
    const o = check.options(options, 'CopyEngine options');
    check.knownKeys(o, 'CopyEngine options', ['workers', 'waitMode', 'spinMicros', 'ringSize', 'completion', 'pollMicros', 'cpus']);
    this.workers = check.integer(o['workers'] ?? 1, 'workers', 1, MAX_WORKERS);
    this.waitMode = check.oneOf(o['waitMode'] ?? 'adaptive', 'waitMode', WAIT_MODES);
    this.spinMicros = check.integer(o['spinMicros'] ?? 50, 'spinMicros', 0, 10_000_000);
    this.ringSize = check.integer(o['ringSize'] ?? 1024, 'ringSize', 2, 1 << 20);
    if ((this.ringSize & (this.ringSize - 1)) !== 0) {
      throw outOfRange(`ringSize must be a power of two from 2 to 1048576, got ${this.ringSize}`);
    }
    const completion = check.oneOf(o['completion'] ?? 'auto', 'completion', ['auto', 'poll', 'wakeup'] as const);
    this.completion = completion === 'auto' ? (this.waitMode === 'sleep' ? 'poll' : 'wakeup') : completion;
    this.pollMicros = check.integer(o['pollMicros'] ?? 50, 'pollMicros', 0, 10_000_000);
    const cpus = o['cpus'];
    if (cpus !== undefined && (!Array.isArray(cpus) || cpus.length === 0)) {
      throw invalidArg(`cpus must be a non-empty array of CPU numbers, got ${describe(cpus)}`);
    }
    this.cpus = cpus === undefined ? null : Object.freeze((cpus as unknown[]).map((c, i) => check.integer(c, `cpus[${i}]`, 0, 1023)));
    cores.set(
      this,
      new EngineCore({
        workers: this.workers,
        waitMode: this.waitMode,
        spinMicros: this.spinMicros,
        ringSize: this.ringSize,
        completion: this.completion,
        pollMicros: this.pollMicros,
        cpus: this.cpus ? [...this.cpus] : null,
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
      completionPaths: s.paths,
      workers: s.done.map((completed, w) => ({
        completed,
        sleeps: s.sleeps[w]!,
        wakeups: s.wakeups[w]!,
        jsWakes: s.jsWakes[w]!,
        cpuNs: cpu[w]!,
      })),
    };
  }

  /** The CPUs each worker may run on, as the kernel reports them (sched_getaffinity) after pinning. */
  workerCpus(): number[][] {
    const core = coreOf(this);
    core.assertOpen();
    return core.handle.workerCpus();
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
