/**
 * How JS waits for copies to land:
 *  - a short wait (few bytes in flight) on awake workers is spent in place, spinning briefly;
 *  - 'poll' completion: while the wait is short, look once per event-loop turn
 *    (setImmediate) for up to `pollMicros`, then fall back to a wake-up;
 *  - 'wakeup' completion: arm a wake-up in the shared words and let the event
 *    loop sleep; the worker that reaches the target calls back through a
 *    thread-safe function, which is referenced only while JS waits on it.
 */
import { performance } from 'node:perf_hooks';
import type { Completions } from './completions';
import type { CompletionMode, WaitMode } from './config';
import type { SharedWords } from './shared-words';

/**
 * A wait is short when at most this many bytes are in flight (about 5 µs of
 * copying at 13 GB/s): shorter than what an event-loop wake-up costs the calling
 * thread on a VM (~8 µs of CPU, tens of µs of latency). Short waits are spent in
 * place ('poll' completion, and a brief spin when the workers are awake).
 */
const SHORT_WAIT_BYTES = 64 * 1024;
/** The longest a submission waits in place before it lets the event loop sleep. */
const SPIN_NS = 12_000;

export interface WaitPolicyConfig {
  workers: number;
  waitMode: WaitMode;
  completion: CompletionMode;
  pollMicros: number;
}

/** What the policy drives: settling what landed, and keeping the event loop alive for a wake-up. */
export interface WaitPolicyTarget {
  /** Settles what has landed (and reaps natively when due); true if anything did. */
  settle(): boolean;
  /** Refs (true) or unrefs the wake-up function. */
  setWaiting(waiting: boolean): void;
  isClosed(): boolean;
}

/** How waits for landed copies ended, counted as they end (engine.stats().completionPaths). */
export interface CompletionPaths {
  /** Everything pending had landed by the time the submission returned (or while its wake-up was armed): no wait at all. */
  settledAtSubmit: number;
  /** A short wait spent spinning in place on the calling thread. */
  spunInPlace: number;
  /** Settled by a poll on a later event-loop turn ('poll' completion). */
  polled: number;
  /** Event-loop wake-ups a worker sent, each one settling what had landed. */
  wokenByWorker: number;
}

export class WaitPolicy {
  readonly paths: CompletionPaths = { settledAtSubmit: 0, spunInPlace: 0, polled: 0, wokenByWorker: 0 };
  private scheduled = false;
  private waitingForWake = false;
  private pollUntil = 0;

  constructor(
    private readonly config: WaitPolicyConfig,
    private readonly completions: Completions,
    private readonly words: SharedWords,
    private readonly target: WaitPolicyTarget,
  ) {}

  /** After a submission, or a worker's wake-up: settle what landed, then choose how to wait for the rest. */
  kick(from: 'submit' | 'wake' = 'submit'): void {
    if (from === 'wake') this.paths.wokenByWorker++;
    // Settle what has landed already: no wake-up is needed to learn of it, and
    // a caller that keeps several submissions in flight finds the oldest done.
    this.target.settle();
    if (this.completions.pending === 0) {
      if (from === 'submit') this.paths.settledAtSubmit++;
      return this.stopWaiting();
    }
    // A short wait on awake workers costs less in place than an event-loop
    // round trip would: spend it here, briefly.
    if (this.shortWait() && this.workersAwake() && this.spinBriefly()) {
      this.paths.spunInPlace++;
      return this.stopWaiting();
    }
    if (this.config.completion === 'poll' && this.shortWait()) {
      if (!this.scheduled) {
        this.pollUntil = performance.now() + this.config.pollMicros / 1000;
        this.schedule();
      }
    } else {
      this.arm();
    }
  }

  /** Nothing is pending any more (or the engine stopped): let the event loop go. */
  stopWaiting(): void {
    if (!this.waitingForWake) return;
    this.waitingForWake = false;
    this.words.setArmed(false);
    if (!this.target.isClosed()) this.target.setWaiting(false);
  }

  /** The engine stopped: its wake-up function is gone. */
  stopped(): void {
    this.waitingForWake = false;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.turn);
  }

  private readonly turn = (): void => {
    this.scheduled = false;
    if (this.target.isClosed()) return;
    this.target.settle();
    if (this.completions.pending === 0) {
      this.paths.polled++;
      return;
    }
    if (performance.now() < this.pollUntil && this.shortWait()) this.schedule();
    else this.arm();
  };

  /** True when no worker with copies pending is parked on its futex. */
  private workersAwake(): boolean {
    for (let w = 0; w < this.config.workers; w++) {
      if (this.completions.queued(w) > 0 && this.words.sleeping(w)) return false;
    }
    return this.config.waitMode !== 'sleep';
  }

  /** Busy-waits up to SPIN_NS for what is pending; true if all of it settled. */
  private spinBriefly(): boolean {
    const until = performance.now() + SPIN_NS / 1e6;
    for (let i = 0; ; i++) {
      for (let w = 0; w < this.config.workers; w++) {
        if (this.completions.oldestLanded(w)) {
          this.target.settle();
          if (this.completions.pending === 0) return true;
        }
      }
      if ((i & 15) === 15 && performance.now() > until) return false;
    }
  }

  /** Only a short wait is worth spending in place (see SHORT_WAIT_BYTES). */
  private shortWait(): boolean {
    return this.completions.pendingBytes <= SHORT_WAIT_BYTES;
  }

  /**
   * Asks each worker with copies pending to wake the event loop when its oldest
   * pending copy lands (or, with copies waiting for ring space, when its ring
   * has drained, so it can be refilled).
   */
  private arm(): void {
    for (let round = 0; ; round++) {
      if (this.completions.pending === 0 || this.target.isClosed()) {
        // Landed while the wake-up was being armed: the caller never waited.
        if (round > 0 && this.completions.pending === 0) this.paths.settledAtSubmit++;
        this.stopWaiting();
        return;
      }
      for (let w = 0; w < this.config.workers; w++) {
        const queued = this.completions.queued(w);
        let target: number;
        if (this.words.backlogged(w)) {
          target = this.words.submitted(w);
        } else if (queued > 0) {
          // Wake when half of what is queued has landed: the worker keeps the
          // other half to chew on while JS refills, and one wake-up settles
          // several submissions. With one or two queued, that is the oldest.
          target = this.completions.target(w, (queued - 1) >> 1) | 0;
        } else {
          // Nothing to wait for here: a target it will not reach for 2^31 copies.
          target = (this.words.done(w) + 0x7fffffff) | 0;
        }
        this.words.setWakeTarget(w, target);
      }
      this.words.setArmed(true);
      if (!this.waitingForWake) {
        this.waitingForWake = true;
        this.target.setWaiting(true);
      }
      if (!this.targetReached()) return;  // the worker will wake the loop
      // A worker passed its target before it saw the request. Settle that now
      // (a fast copy is often done by the time JS gets here), then ask again;
      // if the workers keep outrunning us, look again on the next turn rather
      // than spin here.
      if (round > 0) return this.schedule();
      this.target.settle();
    }
  }

  private targetReached(): boolean {
    for (let w = 0; w < this.config.workers; w++) {
      if (((this.words.done(w) - this.words.wakeTarget(w)) | 0) >= 0) return true;
    }
    return false;
  }
}
