/**
 * What each submission waits for, and settling it. A submission's copies may
 * go to several workers; for each, it waits for that worker's completion count
 * to reach the sequence number its last copy got. Counts only grow and each
 * worker lands its copies in order, so each worker's waits settle in FIFO order
 * from the shared words alone.
 */
import type { PoolHandle } from '../binding';
import { FrontswapError } from '../errors';
import { Fifo } from '../fifo';
import { wire } from '../wire';
import type { SharedWords } from './shared-words';

/** Something waiting for copies to land. */
export interface Completion {
  /** Workers still to reach their target; set by add(). */
  parts: number;
  /** Bytes its copies move, at most: how long the wait may be. */
  bytes: number;
  /** The pool its copies touch: a pool closed under it rejects it. */
  pool: PoolHandle | null;
  /** Kept alive (page views) until the copies land. */
  keep: unknown;
  settle(err: Error | null): void;
}

export interface CompletionHooks {
  /** The first submission is pending. */
  busy(): void;
  /** The last pending submission settled. */
  idle(): void;
}

export class Completions {
  /** Submissions not yet settled. */
  pending = 0;
  /** Bytes those submissions move, at most. */
  pendingBytes = 0;
  private readonly targets: Fifo<number>[] = [];
  private readonly waiters: Fifo<Completion>[] = [];

  constructor(
    private readonly words: SharedWords,
    private readonly workers: number,
    private readonly hooks: CompletionHooks,
  ) {
    for (let w = 0; w < workers; w++) {
      this.targets.push(new Fifo<number>());
      this.waiters.push(new Fifo<Completion>());
    }
  }

  /**
   * Waits for the copies named by (mask, waitFor): waitFor[w] is the sequence
   * number of the last copy on worker w, for each worker in mask. A submission
   * with no copy (mask 0) settles on a microtask.
   */
  add(c: Completion, mask: number, waitFor: Uint32Array): void {
    if (this.pending++ === 0) this.hooks.busy();
    if (mask === 0) {
      c.parts = 0;
      c.bytes = 0;  // nothing to copy
      queueMicrotask(() => this.finish(c));
      return;
    }
    this.pendingBytes += c.bytes;
    let parts = 0;
    for (let w = 0; w < this.workers; w++) {
      if (!(mask & (1 << w))) continue;
      parts++;
      this.targets[w]!.push(waitFor[w]!);
      this.waiters[w]!.push(c);
    }
    c.parts = parts;
  }

  /** Waits queued on worker w. */
  queued(w: number): number {
    return this.targets[w]!.length;
  }

  /** The sequence number the i-th oldest wait on worker w needs. */
  target(w: number, i: number): number {
    return this.targets[w]!.at(i)!;
  }

  /** True when the oldest wait on worker w has landed. */
  oldestLanded(w: number): boolean {
    const t = this.targets[w]!;
    return t.length > 0 && ((this.words.done(w) - t.peek()!) | 0) >= 0;
  }

  /** Settles every submission whose copies have all landed; true if any copy landed. */
  settleLanded(): boolean {
    let progressed = false;
    for (let w = 0; w < this.workers; w++) {
      const targets = this.targets[w]!;
      if (targets.length === 0) continue;
      const done = this.words.done(w);
      const waiters = this.waiters[w]!;
      while (targets.length > 0 && ((done - targets.peek()!) | 0) >= 0) {
        targets.shift();
        const c = waiters.shift()!;
        if (--c.parts === 0) this.finish(c);
        progressed = true;
      }
    }
    return progressed;
  }

  /** Rejects every submission still waiting on a worker with `err` (the engine stopped). */
  failAll(err: Error): void {
    this.pendingBytes = 0;
    for (const q of this.targets) q.takeAll();
    for (const q of this.waiters) {
      for (const c of q.takeAll()) {
        if (c.parts > 0) {
          c.parts = 0;
          this.pending--;
          c.keep = null;
          c.settle(err);
        }
      }
    }
  }

  private finish(c: Completion): void {
    this.pending--;
    this.pendingBytes -= c.bytes;
    c.keep = null;
    if (c.pool && c.pool.isClosed()) c.settle(new FrontswapError('the pool was closed before the copy landed', 'ERR_POOL_CLOSED'));
    else c.settle(null);
    if (this.pending === 0) this.hooks.idle();
  }
}

/** The error of copies cut short by close. */
export function engineStopped(): FrontswapError {
  return new FrontswapError('the engine was closed before the copy landed', 'ERR_ENGINE_CLOSED');
}

/** The error of any use of a closed engine. */
export function engineClosed(): FrontswapError {
  return new FrontswapError(wire.messages.ERR_ENGINE_CLOSED, 'ERR_ENGINE_CLOSED');
}
