/**
 * The shared words between the js-worker baseline's main thread and its worker.
 * All of it lives in SharedArrayBuffers; the only messages are the worker's
 * thread id at start-up and its exit.
 */

/** Indexes into the control Int32Array. */
export const CTRL = {
  /** Batches submitted: the main thread increments it and notifies. */
  request: 0,
  /** Batches completed: the worker stores the batch number and notifies. */
  ack: 1,
  /** Pages copied so far: the worker stores it after every page. */
  done: 2,
  /** Descriptors in the current batch. */
  count: 3,
  /** OP_STORE or OP_LOAD. */
  op: 4,
  /** Bytes per page. */
  pageSize: 5,
  /** Non-zero: exit. */
  stop: 6,
} as const;

export const CTRL_WORDS = 16;
export const OP_STORE = 0;
export const OP_LOAD = 1;

export interface JsWorkerData {
  /** Int32Array of CTRL_WORDS. */
  ctrl: SharedArrayBuffer;
  /** Int32Array of 2 words per descriptor: source page index, pool page index. */
  ring: SharedArrayBuffer;
  /** The "pool". */
  pool: SharedArrayBuffer;
  /** The source pages. */
  src: SharedArrayBuffer;
}
