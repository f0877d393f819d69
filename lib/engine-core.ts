/**
 * The JS side of the copy engine: it tracks what each submission waits for,
 * reads the workers' completion counts straight from shared memory (no native
 * call per completion), and decides how to wait:
 *  - 'poll': check once per event-loop turn (setImmediate) while copies are
 *    landing; after `pollMicros` without progress, fall back to a wake-up;
 *  - 'wakeup': arm a wake-up in the shared words and let the event loop sleep;
 *    the worker that reaches the target calls back through a thread-safe function.
 * The event loop is woken only when JS armed a wake-up, and kept alive only while
 * something is pending.
 */
import { markAsUntransferable } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { addon, layout, type EngineHandle, type PoolHandle } from './binding';
import { FrontswapError } from './errors';
import { Fifo } from './fifo';

export type WaitMode = 'sleep' | 'spin' | 'adaptive';
export type CompletionMode = 'poll' | 'wakeup';
export const WAIT_MODES: readonly WaitMode[] = ['sleep', 'spin', 'adaptive'];

/** Something waiting for copies to land. */
export interface Completion {
  /** Workers still to reach their target; set by track(). */
  parts: number;
  /** Workers it waits on, and the completion count it needs from each; set by track(). */
  mask: number;
  need: Uint32Array | null;
  /** The pool its copies touch: a pool closed under it rejects it. */
  pool: PoolHandle | null;
  /** Kept alive (page views) until the copies land. */
  keep: unknown;
  settle(err: Error | null): void;
}

export interface EngineConfig {
  workers: number;
  waitMode: WaitMode;
  spinMicros: number;
  ringSize: number;
  completion: CompletionMode;
  pollMicros: number;
}

interface Registered {
  id: number;
  byteOffset: number;
  byteLength: number;
}

const live = new Set<WeakRef<EngineCore>>();
let exitHookInstalled = false;

// process.exit() skips Node's environment cleanup hooks on the main thread:
// stop and join the workers here, or they would still be copying during exit.
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const ref of live) ref.deref()?.terminate();
  });
}

const collected = new FinalizationRegistry<WeakRef<EngineCore>>((ref) => live.delete(ref));

function onWake(self: object): void {
  (self as EngineCore).wake();
}

export class EngineCore {
  readonly config: EngineConfig;
  readonly handle: EngineHandle;
  private readonly board: Int32Array;
  private readonly stride: number;
  private readonly seqs: Fifo<number>[] = [];
  private readonly waiters: Fifo<Completion>[] = [];
  private readonly order = new Fifo<Completion>();  // oldest first, for arming
  private pending = 0;
  private scheduled = false;
  private waitingForWake = false;
  private lastProgress = 0;
  private idle: (() => void)[] = [];
  private readonly selfRef: WeakRef<EngineCore>;
  private readonly buffers = new WeakMap<ArrayBufferLike, Registered>();
  private readonly pools = new WeakMap<PoolHandle, number>();
  private readonly untransferable = new WeakSet<ArrayBufferLike>();
  closing = false;
  closed = false;
  private closePromise: Promise<void> | null = null;
  readonly scratchWaitFor: Uint32Array;

  constructor(config: EngineConfig) {
    this.config = config;
    this.handle = addon.createEngine(this, config.workers, WAIT_MODES.indexOf(config.waitMode), config.spinMicros, config.ringSize, onWake);
    this.board = this.handle.board;
    this.stride = layout.boardStride;
    for (let w = 0; w < config.workers; w++) {
      this.seqs.push(new Fifo<number>());
      this.waiters.push(new Fifo<Completion>());
    }
    this.scratchWaitFor = new Uint32Array(config.workers);
    this.selfRef = new WeakRef(this);
    live.add(this.selfRef);
    collected.register(this, this.selfRef, this.selfRef);
    installExitHook();
  }

  get inFlight(): number {
    return this.pending;
  }

  assertOpen(): void {
    if (this.closing) throw new FrontswapError('the engine is closed', 'ERR_ENGINE_CLOSED');
  }

  /** Waits for the copies named by (mask, waitFor); `c` settles when they have landed. */
  track(c: Completion, mask: number, waitFor: Uint32Array): void {
    if (mask === 0) {
      queueMicrotask(() => this.finish(c));
      this.pending++;
      return;
    }
    let parts = 0;
    const need = new Uint32Array(this.config.workers);
    for (let w = 0; w < this.config.workers; w++) {
      if (!(mask & (1 << w))) continue;
      parts++;
      need[w] = waitFor[w]!;
      this.seqs[w]!.push(waitFor[w]!);
      this.waiters[w]!.push(c);
    }
    c.parts = parts;
    c.mask = mask;
    c.need = need;
    this.order.push(c);
    this.pending++;
    this.kick();
  }

  /** Finds the registration that covers `view`, if any. */
  registered(view: ArrayBufferView, pageSize: number): { id: number; byteOffset: number } | null {
    const r = this.buffers.get(view.buffer);
    if (!r) return null;
    const off = view.byteOffset - r.byteOffset;
    if (off < 0 || off + pageSize > r.byteLength) return null;
    return { id: r.id, byteOffset: off };
  }

  registerBuffer(view: ArrayBufferView): number {
    this.assertOpen();
    this.pin(view.buffer);
    const id = this.handle.registerBuffer(view);
    this.buffers.set(view.buffer, { id, byteOffset: view.byteOffset, byteLength: view.byteLength });
    return id;
  }

  unregisterBuffer(id: number): void {
    this.assertOpen();
    this.handle.unregisterBuffer(id);
  }

  poolId(pool: PoolHandle): number {
    let id = this.pools.get(pool);
    if (id === undefined) {
      id = this.handle.registerPool(pool);
      this.pools.set(pool, id);
    }
    return id;
  }

  /**
   * A page handed to an async op must not be detached while the copy runs:
   * mark its buffer untransferable (a transfer then copies instead of moving).
   */
  pin(buffer: ArrayBufferLike): void {
    if (this.untransferable.has(buffer)) return;
    if (!(buffer instanceof SharedArrayBuffer)) markAsUntransferable(buffer);
    this.untransferable.add(buffer);
  }

  /** Called from the worker's wake-up (thread-safe function). */
  wake(): void {
    this.poll();
    if (this.pending === 0) {
      this.stopWaiting();
      return;
    }
    if (this.config.completion === 'poll') {
      this.lastProgress = performance.now();
      this.schedule();
    } else {
      this.arm();
    }
  }

  close(): Promise<void> {
    if (this.closePromise) return this.closePromise;
    this.closing = true;
    this.closePromise = (async () => {
      if (this.pending > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
      this.terminate();
    })();
    return this.closePromise;
  }

  /** Stops and joins the workers now; whatever is pending rejects with ERR_ENGINE_CLOSED. */
  terminate(): void {
    if (this.closed) return;
    this.closing = true;
    this.closed = true;
    this.handle.shutdown();
    this.waitingForWake = false;
    live.delete(this.selfRef);
    collected.unregister(this.selfRef);
    const err = new FrontswapError('the engine was closed before the copy landed', 'ERR_ENGINE_CLOSED');
    for (const c of this.order.drain()) {
      if (c.parts > 0) {
        c.parts = 0;
        this.pending--;
        c.keep = null;
        c.settle(err);
      }
    }
    for (const q of this.seqs) q.drain();
    for (const q of this.waiters) q.drain();
    this.notifyIdle();
  }

  stats(): { done: number[]; sleeps: number[]; wakeups: number[]; jsWakes: number[] } {
    const pick = (k: number): number[] => {
      const out: number[] = [];
      for (let w = 0; w < this.config.workers; w++) out.push(Atomics.load(this.board, w * this.stride + k) >>> 0);
      return out;
    };
    return {
      done: pick(layout.boardDone),
      sleeps: pick(layout.boardSleeps),
      wakeups: pick(layout.boardWakeups),
      jsWakes: pick(layout.boardJsWakes),
    };
  }

  private kick(): void {
    if (this.config.completion === 'poll') {
      if (!this.scheduled) {
        this.lastProgress = performance.now();
        this.schedule();
      }
    } else if (!this.waitingForWake) {
      this.arm();
    }
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.turn);
  }

  private readonly turn = (): void => {
    this.scheduled = false;
    if (this.closed) return;
    const now = performance.now();
    if (this.poll()) this.lastProgress = now;
    if (this.pending === 0) return;
    if ((now - this.lastProgress) * 1000 < this.config.pollMicros) this.schedule();
    else this.arm();
  };

  /** Settles everything that has landed; true if anything did. */
  private poll(): boolean {
    let progressed = false;
    for (let w = 0; w < this.config.workers; w++) {
      const seqs = this.seqs[w]!;
      if (seqs.length === 0) continue;
      const done = Atomics.load(this.board, w * this.stride + layout.boardDone);
      const waiters = this.waiters[w]!;
      while (seqs.length > 0 && ((done - seqs.peek()!) | 0) >= 0) {
        seqs.shift();
        const c = waiters.shift()!;
        if (--c.parts === 0) this.finish(c);
        progressed = true;
      }
    }
    // Native reap: pool accounting, and ring space for copies queued behind a full ring.
    if (progressed || this.backlogged()) this.handle.poll();
    return progressed;
  }

  /** Copies wait behind a full ring on some worker (the native side keeps the count). */
  private backlogged(): boolean {
    for (let w = 0; w < this.config.workers; w++) {
      if (Atomics.load(this.board, w * this.stride + layout.boardBacklog) !== 0) return true;
    }
    return false;
  }

  private finish(c: Completion): void {
    this.pending--;
    c.keep = null;
    if (c.pool && c.pool.isClosed()) c.settle(new FrontswapError('the pool was closed before the copy landed', 'ERR_POOL_CLOSED'));
    else c.settle(null);
    if (this.pending === 0) {
      this.stopWaiting();
      this.notifyIdle();
    }
  }

  private notifyIdle(): void {
    if (this.pending !== 0 || this.idle.length === 0) return;
    const waiting = this.idle;
    this.idle = [];
    for (const resolve of waiting) resolve();
  }

  /** Asks the workers to wake the event loop when the oldest pending copy lands. */
  private arm(): void {
    for (;;) {
      while (this.order.length > 0 && this.order.peek()!.parts === 0) this.order.shift();
      const c = this.order.peek();
      if (!c || this.closed) {
        this.stopWaiting();
        return;
      }
      const need = c.need!;
      for (let w = 0; w < this.config.workers; w++) {
        const base = w * this.stride;
        let target = -1;
        if (c.mask & (1 << w) && ((Atomics.load(this.board, base + layout.boardDone) - need[w]!) | 0) < 0) target = need[w]!;
        // Copies waiting behind a full ring: wake when the ring has drained, to refill it.
        if (Atomics.load(this.board, base + layout.boardBacklog) !== 0) target = Atomics.load(this.board, base + layout.boardSubmitted);
        if (target === -1) continue;
        Atomics.store(this.board, base + layout.boardWakeTarget, target | 0);
        Atomics.store(this.board, base + layout.boardWakeArmed, 1);
      }
      if (!this.waitingForWake) {
        this.waitingForWake = true;
        this.handle.setWaiting(true);
      }
      // A worker may have finished before it saw the request: look again.
      if (!this.poll()) return;
      if (this.pending === 0) return;
    }
  }

  private stopWaiting(): void {
    if (!this.waitingForWake) return;
    this.waitingForWake = false;
    for (let w = 0; w < this.config.workers; w++) Atomics.store(this.board, w * this.stride + layout.boardWakeArmed, 0);
    if (!this.closed) this.handle.setWaiting(false);
  }
}
