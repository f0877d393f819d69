/**
 * The worker side of the js-worker baseline (see js-worker.ts): waits on the
 * request word, copies each described page with TypedArray.prototype.set,
 * counts every landed page in the done word, and at the end of a batch
 * publishes the batch number and notifies. Pure JavaScript, no addon.
 */
import { readlinkSync } from 'node:fs';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { CTRL, OP_LOAD, type JsWorkerData } from './js-worker-protocol';

function threadId(): number {
  // "/proc/thread-self" links to "<pid>/task/<tid>": the kernel's id of this thread.
  try {
    return Number(readlinkSync('/proc/thread-self').split('/').pop());
  } catch {
    return 0;
  }
}

function serve(data: JsWorkerData): void {
  const ctrl = new Int32Array(data.ctrl);
  const ring = new Int32Array(data.ring);
  const pool = new Uint8Array(data.pool);
  const src = new Uint8Array(data.src);
  let seen = Atomics.load(ctrl, CTRL.request);
  let done = Atomics.load(ctrl, CTRL.done);
  parentPort!.postMessage({ tid: threadId() });
  for (;;) {
    Atomics.wait(ctrl, CTRL.request, seen);
    if (Atomics.load(ctrl, CTRL.stop) !== 0) break;
    const request = Atomics.load(ctrl, CTRL.request);
    while (seen !== request) {
      const n = Atomics.load(ctrl, CTRL.count);
      const ps = Atomics.load(ctrl, CTRL.pageSize);
      const load = Atomics.load(ctrl, CTRL.op) === OP_LOAD;
      for (let i = 0; i < n; i++) {
        const s = ring[2 * i]! * ps;
        const d = ring[2 * i + 1]! * ps;
        if (load) src.set(pool.subarray(d, d + ps), s);
        else pool.set(src.subarray(s, s + ps), d);
        Atomics.store(ctrl, CTRL.done, ++done);
      }
      seen = (seen + 1) | 0;
      Atomics.store(ctrl, CTRL.ack, seen);
      Atomics.notify(ctrl, CTRL.ack);
    }
  }
}

if (!isMainThread && parentPort) serve(workerData as JsWorkerData);
