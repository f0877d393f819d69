/**
 * The js-worker baseline: what a Node user could build without an addon. A
 * worker_threads copier over SharedArrayBuffer: the "pool" is a
 * SharedArrayBuffer, the source pages another; the main thread writes a batch
 * of (source page, pool page) descriptors into a shared ring, bumps the request
 * word and rings the worker with Atomics.notify; the worker copies with
 * TypedArray.prototype.set and publishes completion with Atomics.store +
 * Atomics.notify; the main thread awaits it with Atomics.waitAsync, so the
 * event loop is never blocked.
 *
 * The worker's CPU time is read from /proc/self/task/<tid>/schedstat (the
 * kernel's run time of that thread, in ns) at the edges of a sample, while the
 * worker waits for work.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { CTRL, CTRL_WORDS, OP_LOAD, OP_STORE, type JsWorkerData } from './js-worker-protocol';

type WaitAsyncResult = { async: false; value: 'not-equal' | 'timed-out' } | { async: true; value: Promise<'ok' | 'timed-out'> };
type WaitAsync = (a: Int32Array, index: number, value: number, timeout?: number) => WaitAsyncResult;

/** Atomics.waitAsync (V8 has it; the ES2022 lib typings do not). */
const waitAsync = (Atomics as unknown as { waitAsync?: WaitAsync }).waitAsync;

export interface JsWorkerSizes {
  /** Bytes of the largest pool it will stand in for. */
  poolBytes: number;
  /** Bytes of the largest set of source pages. */
  srcBytes: number;
  /** Most descriptors in one batch. */
  maxBatch: number;
}

export class JsWorkerCopier {
  /** The pool stand-in and the source pages, shared with the worker. */
  readonly pool: Uint8Array;
  readonly src: Uint8Array;
  private readonly ctrl: Int32Array;
  private readonly ring: Int32Array;
  private readonly worker: Worker;
  private readonly tid: number;
  private request = 0;
  private closed = false;

  private constructor(data: JsWorkerData, worker: Worker, tid: number) {
    this.ctrl = new Int32Array(data.ctrl);
    this.ring = new Int32Array(data.ring);
    this.pool = new Uint8Array(data.pool);
    this.src = new Uint8Array(data.src);
    this.worker = worker;
    this.tid = tid;
  }

  /** Starts the worker (from the compiled js-worker-thread.js next to this file) and waits until it is ready. */
  static async start(sizes: JsWorkerSizes): Promise<JsWorkerCopier> {
    if (!waitAsync) throw new Error('this Node has no Atomics.waitAsync: the js-worker baseline needs it');
    const data: JsWorkerData = {
      ctrl: new SharedArrayBuffer(CTRL_WORDS * 4),
      ring: new SharedArrayBuffer(Math.max(1, sizes.maxBatch) * 8),
      pool: new SharedArrayBuffer(sizes.poolBytes),
      src: new SharedArrayBuffer(sizes.srcBytes),
    };
    // Fault the memory in now, not during the first samples.
    new Uint8Array(data.pool).fill(1);
    new Uint8Array(data.src).fill(2);
    const worker = new Worker(join(__dirname, 'js-worker-thread.js'), { eval: false, execArgv: [], workerData: data });
    const tid = await new Promise<number>((resolve, reject) => {
      const onError = (e: Error): void => reject(e);
      const onExit = (code: number): void => reject(new Error(`the js-worker baseline's worker exited at start-up (code ${code})`));
      worker.once('error', onError);
      worker.once('exit', onExit);
      worker.once('message', (m: { tid?: unknown }) => {
        worker.off('error', onError);
        worker.off('exit', onExit);
        resolve(typeof m.tid === 'number' ? m.tid : 0);
      });
    });
    return new JsWorkerCopier(data, worker, tid);
  }

  /** Pages the worker has copied so far: it stores the count after every page. */
  done(): number {
    return Atomics.load(this.ctrl, CTRL.done);
  }

  /**
   * Hands the worker `n` copies: page srcPages[i] of the source ↔ page poolPages[i]
   * of the pool (store: source → pool; load: pool → source). Resolves when all landed.
   * One batch at a time.
   */
  submit(op: 'store' | 'load', pageSize: number, srcPages: Uint32Array | number[], poolPages: Uint32Array | number[], n: number): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the js-worker copier is closed'));
    const ring = this.ring;
    for (let i = 0; i < n; i++) {
      ring[2 * i] = srcPages[i]!;
      ring[2 * i + 1] = poolPages[i]!;
    }
    const ctrl = this.ctrl;
    Atomics.store(ctrl, CTRL.count, n);
    Atomics.store(ctrl, CTRL.pageSize, pageSize);
    Atomics.store(ctrl, CTRL.op, op === 'load' ? OP_LOAD : OP_STORE);
    const before = this.request;
    this.request = (this.request + 1) | 0;
    Atomics.store(ctrl, CTRL.request, this.request);
    Atomics.notify(ctrl, CTRL.request, 1);
    const r = waitAsync!(ctrl, CTRL.ack, before);
    if (!r.async) return Promise.resolve();
    return r.value.then(() => undefined);
  }

  /** CPU time the worker thread has run, in ns (0 when the kernel does not say). */
  cpuNs(): number {
    if (this.tid === 0) return 0;
    try {
      return Number(readFileSync(`/proc/self/task/${this.tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      return 0;
    }
  }

  /** True when cpuNs() measures something. */
  get measuresCpu(): boolean {
    return this.tid !== 0 && this.cpuNs() > 0;
  }

  /** Asks the worker to exit and waits for it; terminates it if it does not within a second. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    Atomics.store(this.ctrl, CTRL.stop, 1);
    Atomics.add(this.ctrl, CTRL.request, 1);
    Atomics.notify(this.ctrl, CTRL.request);
    const timer = setTimeout(() => void this.worker.terminate(), 1000);
    try {
      await exited;
    } finally {
      clearTimeout(timer);
    }
  }
}
