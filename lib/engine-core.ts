/**
 * The JS side of the copy engine: it tracks what each submission waits for,
 * reads the workers' completion counts straight from shared memory (no native
 * call per completion), and decides how to wait:
 *  - 'wakeup': arm a wake-up in the shared words and let the event loop sleep;
 *    the worker that reaches the target calls back through a thread-safe function;
 *  - 'poll': while the wait is short (few bytes in flight), check once per event-loop
 *    turn (setImmediate) for up to `pollMicros`, then fall back to a wake-up.
 * The event loop is woken only when JS armed a wake-up, and kept alive only while
 * something is pending.
 */
import { markAsUntransferable } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { addon, type EngineHandle, type PoolHandle } from './binding';
import { FrontswapError } from './errors';
import { Fifo } from './fifo';
import { wire } from './wire';

const W = wire.sharedWords;

export type WaitMode = 'sleep' | 'spin' | 'adaptive';
export type CompletionMode = 'poll' | 'wakeup';
export const WAIT_MODES: readonly WaitMode[] = ['sleep', 'spin', 'adaptive'];

/**
 * A wait is short when at most this many bytes are in flight (about 5 µs of
 * copying at 13 GB/s): shorter than what an event-loop wake-up costs the calling
 * thread on a VM (~8 µs of CPU, tens of µs of latency). Short waits are spent in
 * place ('poll' completion, and a brief spin when the workers are awake).
 */
const SHORT_WAIT_BYTES = 64 * 1024;
/** The longest a submission waits in place before it lets the event loop sleep. */
const SPIN_NS = 12_000;

/** Something waiting for copies to land. */
export interface Completion {
  /** Workers still to reach their target; set by track(). */
  parts: number;
  /** Bytes its copies move, at most: how long the wait may be. */
  bytes: number;
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

/**
 * Engines with copies in flight. The native side holds its engine only weakly,
 * and a caller awaiting a copy is itself reachable only through the engine's
 * pending list: without this root, a collection could take the engine, the
 * promise and the awaiting function all at once, and the await would never return.
 */
const busy = new Set<EngineCore>();

function onWake(self: object): void {
  (self as EngineCore).wake();
}

export class EngineCore {
  readonly config: EngineConfig;
  readonly handle: EngineHandle;
  private readonly words: Int32Array;
  private readonly stride: number;
  private readonly seqs: Fifo<number>[] = [];
  private readonly waiters: Fifo<Completion>[] = [];
  private pending = 0;
  private pendingBytes = 0;
  private unreaped = 0;  // polls with progress since the last native reap
  private readonly reapEvery: number;
  private scheduled = false;
  private waitingForWake = false;
  private pollUntil = 0;
  private idle: (() => void)[] = [];
  private readonly selfRef: WeakRef<EngineCore>;
  private readonly buffers = new WeakMap<ArrayBufferLike, Registered>();
  private readonly bufferOf = new Map<number, ArrayBufferLike>();  // id -> buffer, to forget it again
  private lastBuffer: ArrayBufferLike | null = null;  // one-entry cache: batches reuse one buffer
  private lastReg: Registered | null = null;
  /** Set by registeredId(): the page's byte offset inside its registration. */
  hitOffset = 0;
  private readonly pools = new WeakMap<PoolHandle, number>();
  private readonly untransferable = new WeakSet<ArrayBufferLike>();
  closing = false;
  closed = false;
  private closePromise: Promise<void> | null = null;
  readonly scratchWaitFor: Uint32Array;

  constructor(config: EngineConfig) {
    this.config = config;
    this.handle = addon.createEngine(this, config.workers, WAIT_MODES.indexOf(config.waitMode), config.spinMicros, config.ringSize, onWake);
    this.words = this.handle.sharedWords;
    this.stride = W.stride;
    for (let w = 0; w < config.workers; w++) {
      this.seqs.push(new Fifo<number>());
      this.waiters.push(new Fifo<Completion>());
    }
    this.scratchWaitFor = new Uint32Array(config.workers);
    this.reapEvery = Math.max(1, config.ringSize >> 4);
    this.selfRef = new WeakRef(this);
    live.add(this.selfRef);
    collected.register(this, this.selfRef, this.selfRef);
    installExitHook();
  }

  get inFlight(): number {
    return this.pending;
  }

  /** Worker w's shared word k (block 0 is engine-wide; worker w's is block w + 1). */
  private word(w: number, k: number): number {
    return Atomics.load(this.words, (w + 1) * this.stride + k);
  }

  assertOpen(): void {
    if (this.closing) throw new FrontswapError(wire.messages.ERR_ENGINE_CLOSED, 'ERR_ENGINE_CLOSED');
  }

  /** Waits for the copies named by (mask, waitFor); `c` settles when they have landed. */
  track(c: Completion, mask: number, waitFor: Uint32Array): void {
    if (this.pending++ === 0) busy.add(this);
    if (mask === 0) {
      c.parts = 0;
      c.bytes = 0;  // nothing to copy
      queueMicrotask(() => this.finish(c));
      return;
    }
    this.pendingBytes += c.bytes;
    let parts = 0;
    for (let w = 0; w < this.config.workers; w++) {
      if (!(mask & (1 << w))) continue;
      parts++;
      this.seqs[w]!.push(waitFor[w]!);
      this.waiters[w]!.push(c);
    }
    c.parts = parts;
    this.kick();
  }

  /**
   * The id of the registration covering `view`, or -1; on a hit, hitOffset is
   * the page's offset inside it. No allocation: it runs once per op.
   */
  registeredId(view: ArrayBufferView, pageSize: number): number {
    const buffer = view.buffer;
    let r = this.lastReg;
    if (buffer !== this.lastBuffer) {
      r = this.buffers.get(buffer) ?? null;
      this.lastBuffer = buffer;
      this.lastReg = r;
    }
    if (r === null) return -1;
    const off = view.byteOffset - r.byteOffset;
    if (off < 0 || off + pageSize > r.byteLength) return -1;
    this.hitOffset = off;
    return r.id;
  }

  registerBuffer(view: ArrayBufferView): number {
    this.assertOpen();
    this.pin(view.buffer);
    const id = this.handle.registerBuffer(view);
    this.buffers.set(view.buffer, { id, byteOffset: view.byteOffset, byteLength: view.byteLength });
    this.bufferOf.set(id, view.buffer);
    this.lastBuffer = null;
    return id;
  }

  unregisterBuffer(id: number): void {
    this.assertOpen();
    this.handle.unregisterBuffer(id);
    const buffer = this.bufferOf.get(id);
    this.bufferOf.delete(id);
    if (buffer !== undefined && this.buffers.get(buffer)?.id === id) this.buffers.delete(buffer);
    this.lastBuffer = null;
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
    this.kick();
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
    busy.delete(this);
    this.pendingBytes = 0;
    for (const q of this.seqs) q.drain();
    for (const q of this.waiters) {
      for (const c of q.drain()) {
        if (c.parts > 0) {
          c.parts = 0;
          this.pending--;
          c.keep = null;
          c.settle(err);
        }
      }
    }
    this.notifyIdle();
  }

  stats(): { done: number[]; sleeps: number[]; wakeups: number[]; jsWakes: number[] } {
    const pick = (k: number): number[] => {
      const out: number[] = [];
      for (let w = 0; w < this.config.workers; w++) out.push(this.word(w, k) >>> 0);
      return out;
    };
    return {
      done: pick(W.done),
      sleeps: pick(W.sleeps),
      wakeups: pick(W.wakeups),
      jsWakes: pick(W.jsWakes),
    };
  }

  private kick(): void {
    // Settle what has landed already: no wake-up is needed to learn of it, and
    // a caller that keeps several submissions in flight finds the oldest done.
    this.poll();
    if (this.pending === 0) return this.stopWaiting();
    // A short wait on awake workers costs less in place than an event-loop
    // round trip would: spend it here, briefly.
    if (this.fewPending() && this.workersAwake() && this.spinBriefly()) return this.stopWaiting();
    if (this.config.completion === 'poll' && this.fewPending()) {
      if (!this.scheduled) {
        this.pollUntil = performance.now() + this.config.pollMicros / 1000;
        this.schedule();
      }
    } else {
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
    this.poll();
    if (this.pending === 0) return;
    if (performance.now() < this.pollUntil && this.fewPending()) this.schedule();
    else this.arm();
  };

  /** True when no worker with copies pending is parked on its futex. */
  private workersAwake(): boolean {
    for (let w = 0; w < this.config.workers; w++) {
      if (this.seqs[w]!.length > 0 && this.word(w, W.sleeping) !== 0) return false;
    }
    return this.config.waitMode !== 'sleep';
  }

  /** Busy-waits up to SPIN_NS for what is pending; true if all of it settled. */
  private spinBriefly(): boolean {
    const until = performance.now() + SPIN_NS / 1e6;
    for (let i = 0; ; i++) {
      for (let w = 0; w < this.config.workers; w++) {
        const seqs = this.seqs[w]!;
        if (seqs.length > 0 && ((this.word(w, W.done) - seqs.peek()!) | 0) >= 0) {
          this.poll();
          if (this.pending === 0) return true;
        }
      }
      if ((i & 15) === 15 && performance.now() > until) return false;
    }
  }

  /** Only a short wait is worth spending in place (see SHORT_WAIT_BYTES). */
  private fewPending(): boolean {
    return this.pendingBytes <= SHORT_WAIT_BYTES;
  }

  /** Settles everything that has landed; true if anything did. */
  private poll(): boolean {
    let progressed = false;
    for (let w = 0; w < this.config.workers; w++) {
      const seqs = this.seqs[w]!;
      if (seqs.length === 0) continue;
      const done = this.word(w, W.done);
      const waiters = this.waiters[w]!;
      while (seqs.length > 0 && ((done - seqs.peek()!) | 0) >= 0) {
        seqs.shift();
        const c = waiters.shift()!;
        if (--c.parts === 0) this.finish(c);
        progressed = true;
      }
    }
    // Native reap: pool accounting and ring space. Needed at once for copies
    // queued behind a full ring; otherwise once in a while (a sync operation or
    // a pool's close reaps for itself), which keeps a native call off most polls.
    if (progressed) this.unreaped++;
    if ((progressed && this.unreaped >= this.reapEvery) || this.backlogged()) {
      this.unreaped = 0;
      this.handle.reap();
    }
    return progressed;
  }

  /** Copies wait behind a full ring on some worker (the native side keeps the count). */
  private backlogged(): boolean {
    for (let w = 0; w < this.config.workers; w++) {
      if (this.word(w, W.backlog) !== 0) return true;
    }
    return false;
  }

  private finish(c: Completion): void {
    if (--this.pending === 0) busy.delete(this);
    this.pendingBytes -= c.bytes;
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

  /**
   * Asks each worker with copies pending to wake the event loop when its oldest
   * pending copy lands (or, with copies waiting for ring space, when its ring
   * has drained, so it can be refilled).
   */
  private arm(): void {
    for (let round = 0; ; round++) {
      if (this.pending === 0 || this.closed) {
        this.stopWaiting();
        return;
      }
      for (let w = 0; w < this.config.workers; w++) {
        const seqs = this.seqs[w]!;
        let target: number;
        if (this.word(w, W.backlog) !== 0) {
          target = this.word(w, W.submitted);
        } else if (seqs.length > 0) {
          // Wake when half of what is queued has landed: the worker keeps the
          // other half to chew on while JS refills, and one wake-up settles
          // several submissions. With one or two queued, that is the oldest.
          target = seqs.at((seqs.length - 1) >> 1)! | 0;
        } else {
          // Nothing to wait for here: a target it will not reach for 2^31 copies.
          target = (this.word(w, W.done) + 0x7fffffff) | 0;
        }
        Atomics.store(this.words, (w + 1) * this.stride + W.wakeTarget, target);
      }
      Atomics.store(this.words, W.armed, 1);
      if (!this.waitingForWake) {
        this.waitingForWake = true;
        this.handle.setWaiting(true);
      }
      if (!this.targetReached()) return;  // the worker will wake the loop
      // A worker passed its target before it saw the request. Settle that now
      // (a fast copy is often done by the time JS gets here), then ask again;
      // if the workers keep outrunning us, look again on the next turn rather
      // than spin here.
      if (round > 0) return this.schedule();
      this.poll();
    }
  }

  private targetReached(): boolean {
    for (let w = 0; w < this.config.workers; w++) {
      if (((this.word(w, W.done) - this.word(w, W.wakeTarget)) | 0) >= 0) return true;
    }
    return false;
  }

  private stopWaiting(): void {
    if (!this.waitingForWake) return;
    this.waitingForWake = false;
    Atomics.store(this.words, W.armed, 0);
    if (!this.closed) this.handle.setWaiting(false);
  }
}
