/**
 * The JS side of one copy engine, put together from its parts: the native
 * handle, the shared words (shared-words.ts), what each submission waits for
 * (completions.ts), how JS waits (wait-policy.ts), what is registered
 * (registry.ts) and when the engine stops (lifetime.ts).
 *
 * Words, here and in native code: a copy *lands* when a worker has moved its
 * bytes; JS *settles* a submission (resolves its promise) once all its copies
 * landed, reading the shared words only; native code *reaps* landed copies
 * (hands slots back to their pools, refills rings from the backlog); *drain*
 * waits until everything queued has landed.
 */
import { addon, type EngineHandle } from '../binding';
import { Completions, engineClosed, engineStopped, type Completion } from './completions';
import { WAIT_MODES, type EngineConfig } from './config';
import { forget, holdWhileBusy, stopAtExit, type Stoppable } from './lifetime';
import { Registry } from './registry';
import { SharedWords } from './shared-words';
import { WaitPolicy, type CompletionPaths } from './wait-policy';

export type { Completion } from './completions';

function onWake(self: object): void {
  (self as EngineCore).wake();
}

export class EngineCore implements Stoppable {
  readonly config: EngineConfig;
  readonly handle: EngineHandle;
  readonly words: SharedWords;
  readonly registry: Registry;
  private readonly completions: Completions;
  private readonly policy: WaitPolicy;
  /** Submissions with copies landed since the last native reap. */
  private unreaped = 0;
  private readonly reapEvery: number;
  private idle: (() => void)[] = [];
  private readonly exitToken: WeakRef<Stoppable>;
  closing = false;
  closed = false;
  private closePromise: Promise<void> | null = null;
  /** Where a submit call writes, per worker, the sequence number its copies wait for. */
  readonly scratchWaitFor: Uint32Array;

  constructor(config: EngineConfig) {
    this.config = config;
    this.handle = addon.createEngine(this, config.workers, WAIT_MODES.indexOf(config.waitMode), config.spinMicros, config.ringSize, onWake, config.cpus ? Uint32Array.from(config.cpus) : undefined);
    this.words = new SharedWords(this.handle.sharedWords, config.workers);
    this.registry = new Registry(this.handle);
    this.completions = new Completions(this.words, config.workers, {
      busy: () => holdWhileBusy(this, true),
      idle: () => {
        holdWhileBusy(this, false);
        this.policy.stopWaiting();
        this.notifyIdle();
      },
    });
    this.policy = new WaitPolicy(config, this.completions, this.words, {
      settle: () => this.settle(),
      setWaiting: (waiting) => this.handle.setWaiting(waiting),
      isClosed: () => this.closed,
    });
    this.scratchWaitFor = new Uint32Array(config.workers);
    this.reapEvery = Math.max(1, config.ringSize >> 4);
    this.exitToken = stopAtExit(this);
  }

  get inFlight(): number {
    return this.completions.pending;
  }

  assertOpen(): void {
    if (this.closing) throw engineClosed();
  }

  /** Waits for the copies named by (mask, waitFor); `c` settles when they have landed. */
  track(c: Completion, mask: number, waitFor: Uint32Array): void {
    this.completions.add(c, mask, waitFor);
    if (mask !== 0) this.policy.kick();
    else this.policy.paths.settledAtSubmit++;  // nothing to wait for: every copy had landed, or there was none
  }

  registerBuffer(view: ArrayBufferView): number {
    this.assertOpen();
    return this.registry.registerBuffer(view);
  }

  unregisterBuffer(id: number): void {
    this.assertOpen();
    this.registry.unregisterBuffer(id);
  }

  /** Called from the worker's wake-up (thread-safe function). */
  wake(): void {
    this.policy.kick('wake');
  }

  close(): Promise<void> {
    if (this.closePromise) return this.closePromise;
    this.closing = true;
    this.closePromise = (async () => {
      if (this.completions.pending > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
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
    this.policy.stopped();
    forget(this.exitToken);
    holdWhileBusy(this, false);
    this.completions.failAll(engineStopped());
    this.notifyIdle();
  }

  stats(): { done: number[]; sleeps: number[]; wakeups: number[]; jsWakes: number[]; paths: CompletionPaths } {
    return {
      paths: { ...this.policy.paths },
      done: this.words.counter('done'),
      sleeps: this.words.counter('sleeps'),
      wakeups: this.words.counter('wakeups'),
      jsWakes: this.words.counter('jsWakes'),
    };
  }

  /** Settles everything that has landed; true if anything did. */
  private settle(): boolean {
    const progressed = this.completions.settleLanded();
    // Native reap: pool accounting and ring space. Needed at once for copies
    // queued behind a full ring; otherwise once in a while (a sync operation or
    // a pool's close reaps for itself), which keeps a native call off most settles.
    if (progressed) this.unreaped++;
    if ((progressed && this.unreaped >= this.reapEvery) || this.words.anyBacklogged()) {
      this.unreaped = 0;
      this.handle.reap();
    }
    return progressed;
  }

  private notifyIdle(): void {
    if (this.completions.pending !== 0 || this.idle.length === 0) return;
    const waiting = this.idle;
    this.idle = [];
    for (const resolve of waiting) resolve();
  }
}

