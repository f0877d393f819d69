/**
 * The baselines, measured on the same pool and page size as the cells:
 *  - memcpy / glibc-memcpy: a native loop into reserved slots of the pool, with the
 *    pool's own page copy kernel (the limit) and with glibc's memcpy;
 *  - typedarray-set / buffer-copy: what a Node user would write, copying the same
 *    source pages to random page positions of an equally large ArrayBuffer;
 *  - naive-async: one Promise per page through napi_async_work, `batch` in flight;
 *  - js-worker: a worker_threads copier over SharedArrayBuffer, one batch in flight.
 * Positions are the pool's random key sequence, so every baseline writes (or
 * reads) the same random pages as the cells.
 */
import { addon } from '../../lib/binding';
import { handleOf } from '../../lib/page-pool';
import type { JsWorkerCopier } from '../baselines/js-worker';
import { nowNs, rng, threadCpuNs } from './clock';
import type { Op } from '../report/schema';
import type { BaselineSpec } from './plan';
import { coldOps, flushWindow, KEY_MASK, takeKeys, type PoolBench } from './pool';
import {
  asyncLatencyGroups,
  batchesPerClockRead,
  MAX_LATENCY_GROUPS,
  MIN_LATENCY_GROUPS,
  nowFineNs,
  opsPerClockRead,
  summarizeLatency,
  timerCostNs,
  type LatencySummary,
  type Rep,
} from './sample';
import type { PhaseTimes } from './sync-cell';

/** Shared across the run: the JS destination and the worker copier. */
export interface BaselineResources {
  /** An ArrayBuffer at least as large as the largest pool, faulted in. */
  dst: ArrayBuffer;
  /** The js-worker copier, when that baseline is measured. */
  jsWorker: JsWorkerCopier | null;
}

/** What the baselines of one pool share. */
export interface BaselineContext {
  pb: PoolBench;
  res: BaselineResources;
  /** All the pool's slots, reserved for memcpy and naive-async, in random order; null if neither runs. */
  slots: Uint32Array | null;
  /** The destination as bytes, one view per page, and as a Buffer. */
  dst: Uint8Array;
  dstPages: Uint8Array[];
  dstBuf: Buffer;
  srcBufs: Buffer[];
  /** memcpy iterations per sample, learned from the previous sample, by kernel and op. */
  memcpyIterations: Map<string, number>;
}

/** Reserves the pool's slots (when a baseline needs them) and lays out the JS destination. */
export function openBaselines(pb: PoolBench, res: BaselineResources, specs: readonly BaselineSpec[], seed: number): BaselineContext {
  const needsSlots = specs.some((s) => s.name === 'memcpy' || s.name === 'glibc-memcpy' || s.name === 'naive-async');
  let slots: Uint32Array | null = null;
  if (needsSlots) {
    slots = pb.pool.reserve(pb.capacity);
    if (!slots) throw new Error('the pool is not empty: cannot reserve its slots for the baselines');
    const next = rng(seed);
    for (let i = slots.length - 1; i > 0; i--) {
      const j = next(i + 1);
      const t = slots[i]!;
      slots[i] = slots[j]!;
      slots[j] = t;
    }
  }
  // The JS destination exists only when a baseline copies into it (startResources sizes it so).
  const needsDst = specs.some((s) => s.name === 'typedarray-set' || s.name === 'buffer-copy' || s.name === 'js-worker');
  const bytes = needsDst ? pb.capacity * pb.pageSize : 0;
  const dst = new Uint8Array(res.dst, 0, bytes);
  const needsPages = specs.some((s) => s.name === 'typedarray-set' && s.op === 'load');
  const dstPages = needsPages ? Array.from({ length: pb.capacity }, (_, i) => dst.subarray(i * pb.pageSize, (i + 1) * pb.pageSize)) : [];
  if (res.jsWorker && specs.some((s) => s.name === 'js-worker')) res.jsWorker.src.set(pb.src);
  return {
    pb,
    res,
    slots,
    dst,
    dstPages,
    dstBuf: Buffer.from(res.dst, 0, bytes),
    srcBufs: pb.views.map((v) => Buffer.from(v.buffer, v.byteOffset, v.byteLength)),
    memcpyIterations: new Map(),
  };
}

export function closeBaselines(ctx: BaselineContext): void {
  if (ctx.slots) ctx.pb.pool.release(ctx.slots);
  ctx.slots = null;
}

/**
 * A native copy loop over the pool's reserved slots (in random order): 'memcpy'
 * with the pool's own page copy kernel (its streaming choice, none of
 * frontswap's bookkeeping: the limit a sync copy can reach), 'glibc-memcpy'
 * with glibc's memcpy. On a cold pool it walks distinct slots only, flushed first.
 */
function memcpy(ctx: BaselineContext, name: 'memcpy' | 'glibc-memcpy', op: Op, times: PhaseTimes): Rep {
  const { pb } = ctx;
  const limit = times.sampleMs * 1e6;
  const slots = ctx.slots!;
  const key = `${name} ${op}`;
  // First guess 5 GB/s; afterwards the speed the previous sample saw.
  let iterations = ctx.memcpyIterations.get(key) ?? Math.max(2, Math.ceil(limit / (pb.pageSize / 5)));
  if (pb.cold) {
    iterations = Math.max(1, Math.min(iterations, slots.length));
    const walked = slots.subarray(0, iterations);
    pb.log?.flushed.push([-1, iterations]);
    handleOf(pb.pool).flushPages(walked);
    pb.log?.walked.push([-1, iterations]);
  }
  // The cells' own source pages, in the same turn (page k from source k % srcPages).
  const c0 = threadCpuNs();
  const ns = addon.baselines.memcpyLoop(handleOf(pb.pool), slots, pb.src, iterations, op === 'store', name === 'memcpy' ? 1 : 0);
  const c1 = threadCpuNs();
  ctx.memcpyIterations.set(key, Math.max(2, Math.ceil(limit / Math.max(ns, 1))));
  return { nsPerPage: ns, callerCpuNsPerPage: (c1 - c0) / iterations };
}

/** A sync JS copy loop, timed like the sync cells: many ops per clock read. */
function jsLoop(ctx: BaselineContext, name: 'typedarray-set' | 'buffer-copy', op: Op, times: PhaseTimes): Rep {
  const { pb, dst, dstPages, dstBuf, srcBufs } = ctx;
  const { keys, views, srcPages, pageSize } = pb;
  const chunk = opsPerClockRead(pageSize, 1);
  const limit = times.sampleMs * 1e6;
  // Cold: a window of distinct destination pages, flushed first, as the sync cells do.
  const rateKey = `${name} ${op}`;
  const window = pb.cold ? coldOps(pb, rateKey, chunk, limit) : 0;
  flushWindow(pb, window, dst);
  let k = pb.cursor;
  let ops = 0;
  const c0 = threadCpuNs();
  const t0 = nowNs();
  let t = t0;
  do {
    if (name === 'typedarray-set') {
      if (op === 'store') {
        for (let i = 0; i < chunk; i++) {
          dst.set(views[k % srcPages]!, keys[k]! * pageSize);
          k = (k + 1) & KEY_MASK;
        }
      } else {
        for (let i = 0; i < chunk; i++) {
          views[k % srcPages]!.set(dstPages[keys[k]!]!);
          k = (k + 1) & KEY_MASK;
        }
      }
    } else if (op === 'store') {
      for (let i = 0; i < chunk; i++) {
        srcBufs[k % srcPages]!.copy(dstBuf, keys[k]! * pageSize);
        k = (k + 1) & KEY_MASK;
      }
    } else {
      for (let i = 0; i < chunk; i++) {
        const at = keys[k]! * pageSize;
        dstBuf.copy(srcBufs[k % srcPages]!, 0, at, at + pageSize);
        k = (k + 1) & KEY_MASK;
      }
    }
    ops += chunk;
    t = nowNs();
  } while (pb.cold ? ops < window : t - t0 < limit || ops < 2);
  const c1 = threadCpuNs();
  takeKeys(pb, ops);
  pb.rates.set(rateKey, (t - t0) / ops);
  return { nsPerPage: (t - t0) / ops, callerCpuNsPerPage: (c1 - c0) / ops };
}

/** Issues `batch` naive async stores into reserved slots starting at slot index `s`. */
function issueNaive(ctx: BaselineContext, batch: number, s: number, out: Promise<boolean>[]): number {
  const ph = handleOf(ctx.pb.pool);
  const slots = ctx.slots!;
  const { views, srcPages } = ctx.pb;
  for (let j = 0; j < batch; j++) {
    out[j] = addon.baselines.naiveStoreAsync(ph, slots[s]!, views[s % srcPages]!);
    s = s + 1 === slots.length ? 0 : s + 1;
  }
  return s;
}

async function naiveAsync(ctx: BaselineContext, batch: number, times: PhaseTimes): Promise<Rep> {
  const limit = times.sampleMs * 1e6;
  const every = batchesPerClockRead(batch);
  const inFlight = new Array<Promise<boolean>>(batch);
  let s = ctx.pb.cursor % ctx.slots!.length;
  let groups = 0;
  const c0 = threadCpuNs();
  const t0 = nowNs();
  let t = t0;
  for (;;) {
    s = issueNaive(ctx, batch, s, inFlight);
    await Promise.all(inFlight);
    groups++;
    if (groups % every === 0 && groups >= 2) {
      t = nowNs();
      if (t - t0 >= limit) break;
    }
  }
  const c1 = threadCpuNs();
  const pages = groups * batch;
  takeKeys(ctx.pb, pages);

  // Latency: from issuing the first promise to the first and the last settling.
  const tc = timerCostNs();
  const first = new Float64Array(MAX_LATENCY_GROUPS);
  const last = new Float64Array(MAX_LATENCY_GROUPS);
  const latLimit = times.latencyMs * 1e6;
  let g = 0;
  const start = nowFineNs();
  let c = start;
  while (g < MAX_LATENCY_GROUPS && (g < MIN_LATENCY_GROUPS || c - start < latLimit)) {
    const a = nowFineNs();
    s = issueNaive(ctx, batch, s, inFlight);
    const firstAt = Promise.race(inFlight).then(() => nowFineNs());
    await Promise.all(inFlight);
    c = nowFineNs();
    const f = await firstAt;
    first[g] = Math.max(0, f - a - tc);
    last[g] = Math.max(0, c - a - tc);
    g++;
  }
  return { nsPerPage: (t - t0) / pages, callerCpuNsPerPage: (c1 - c0) / pages, latency: summarizeLatency(first, last, g) };
}

/** Fills the descriptor lists for one js-worker batch from key index `k`; returns the next index. */
function describeBatch(pb: PoolBench, batch: number, k: number, srcIdx: Uint32Array, poolIdx: Uint32Array): number {
  for (let j = 0; j < batch; j++) {
    srcIdx[j] = k % pb.srcPages;
    poolIdx[j] = pb.keys[k]!;
    k = (k + 1) & KEY_MASK;
  }
  return k;
}

async function jsWorker(ctx: BaselineContext, op: Op, batch: number, times: PhaseTimes): Promise<Rep> {
  const jw = ctx.res.jsWorker!;
  const { pb } = ctx;
  const srcIdx = new Uint32Array(batch);
  const poolIdx = new Uint32Array(batch);
  const limit = times.sampleMs * 1e6;
  const every = batchesPerClockRead(batch);
  let k = pb.cursor;
  let batches = 0;
  const w0 = jw.cpuNs();
  const c0 = threadCpuNs();
  const t0 = nowNs();
  let t = t0;
  for (;;) {
    k = describeBatch(pb, batch, k, srcIdx, poolIdx);
    await jw.submit(op, pb.pageSize, srcIdx, poolIdx, batch);
    batches++;
    if (batches % every === 0 && batches >= 2) {
      t = nowNs();
      if (t - t0 >= limit) break;
    }
  }
  const c1 = threadCpuNs();
  const w1 = jw.cpuNs();
  const pages = batches * batch;
  takeKeys(pb, pages);
  const latency = await jsWorkerLatency(jw, pb, op, batch, srcIdx, poolIdx, times.latencyMs * 1e6, (t - t0) / batches);
  const rep: Rep = { nsPerPage: (t - t0) / pages, callerCpuNsPerPage: (c1 - c0) / pages, latency };
  if (w0 > 0 && w1 > w0) rep.workerCpuNsPerPage = (w1 - w0) / pages;
  return rep;
}

/** Polls the worker's done count to timestamp the first and last page of a batch. */
async function jsWorkerLatency(
  jw: JsWorkerCopier,
  pb: PoolBench,
  op: Op,
  batch: number,
  srcIdx: Uint32Array,
  poolIdx: Uint32Array,
  limitNs: number,
  roundTripNs: number,
): Promise<LatencySummary> {
  let d0 = 0;
  return asyncLatencyGroups(
    pb,
    batch,
    limitNs,
    roundTripNs,
    'the js-worker copier',
    () => (jw.done() - d0) | 0,
    (k) => {
      const next = describeBatch(pb, batch, k, srcIdx, poolIdx);
      d0 = jw.done();
      return next;
    },
    () => jw.submit(op, pb.pageSize, srcIdx, poolIdx, batch),
  );
}

/** One repetition of a baseline on the pool. */
export async function sampleBaseline(ctx: BaselineContext, spec: BaselineSpec, times: PhaseTimes): Promise<Rep> {
  switch (spec.name) {
    case 'memcpy':
    case 'glibc-memcpy':
      return memcpy(ctx, spec.name, spec.op, times);
    case 'typedarray-set':
    case 'buffer-copy':
      return jsLoop(ctx, spec.name, spec.op, times);
    case 'naive-async':
      return naiveAsync(ctx, spec.batch, times);
    case 'js-worker':
      return jsWorker(ctx, spec.op, spec.batch, times);
  }
}
