/**
 * The words a copy engine shares with JS (native/core/shared_words.h): an
 * engine-wide block, then one block per worker. Workers publish their progress
 * here, and JS asks for a wake-up here, with no native call either way.
 */
import { wire } from '../wire';

const W = wire.sharedWords;

/** A per-worker counter that engine.stats() reports. */
export type WorkerCounter = 'done' | 'sleeps' | 'wakeups' | 'jsWakes';

export class SharedWords {
  constructor(
    private readonly words: Int32Array,
    private readonly workers: number,
  ) {}

  /** Copies worker w has completed (low 32 bits). */
  done(w: number): number {
    return Atomics.load(this.words, (w + 1) * W.stride + W.done);
  }

  /** Copies handed to worker w's ring (low 32 bits). */
  submitted(w: number): number {
    return Atomics.load(this.words, (w + 1) * W.stride + W.submitted);
  }

  /** True while worker w is parked on its futex. */
  sleeping(w: number): boolean {
    return Atomics.load(this.words, (w + 1) * W.stride + W.sleeping) !== 0;
  }

  /** True when copies wait for ring space on worker w. */
  backlogged(w: number): boolean {
    return Atomics.load(this.words, (w + 1) * W.stride + W.backlog) !== 0;
  }

  /** True when copies wait for ring space on any worker. */
  anyBacklogged(): boolean {
    for (let w = 0; w < this.workers; w++) if (this.backlogged(w)) return true;
    return false;
  }

  wakeTarget(w: number): number {
    return Atomics.load(this.words, (w + 1) * W.stride + W.wakeTarget);
  }

  /** Asks worker w to wake the event loop once done(w) reaches `target`. */
  setWakeTarget(w: number, target: number): void {
    Atomics.store(this.words, (w + 1) * W.stride + W.wakeTarget, target);
  }

  /** Arms (or disarms) the engine-wide wake-up request; the first worker to reach its target takes it. */
  setArmed(armed: boolean): void {
    Atomics.store(this.words, W.armed, armed ? 1 : 0);
  }

  /** One counter of every worker, unsigned. */
  counter(k: WorkerCounter): number[] {
    const out: number[] = [];
    for (let w = 0; w < this.workers; w++) out.push(Atomics.load(this.words, (w + 1) * W.stride + W[k]) >>> 0);
    return out;
  }
}
