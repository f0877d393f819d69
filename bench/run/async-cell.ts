/**
 * One repetition of an async cell: frontswap batches through a CopyEngine,
 * `depth` batches in flight (depth 1: submit, await, submit the next, so a
 * batch is the pages handed over per round trip).
 *
 * Each repetition gets a fresh engine, closed after it (an idle spinning worker
 * left over from another cell would steal a core), and a fresh Frontswap on the
 * pool holding every key (prefilled, untimed). Source pages are registered
 * once and named by buffer id + offset (storeFrom / loadInto): no lookup per op;
 * or, with source 'views', each op names a plain view of a page (store / load),
 * what a caller without registered buffers pays.
 *
 * The latency phase busy-polls the workers' completion counts in the engine's
 * shared words to timestamp the first and the last copy of a batch as they land,
 * independent of when the event loop gets to settle the promise.
 */
import { wire } from '../../lib/wire';
import { CopyEngine, coreOf } from '../../lib/copy-engine';
import { Frontswap, type FrontswapBatch } from '../../lib/frontswap';
import { nowNs, threadCpuNs } from './clock';
import type { Op, PageSource } from '../report/schema';
import type { AsyncMode } from './options';
import { coldOps, flushWindow, KEY_MASK, prefill, takeKeys, type PoolBench } from './pool';
import {
  asyncLatencyGroups,
  batchesPerClockRead,
  type LatencySummary,
  type Rep,
} from './sample';
import type { PhaseTimes } from './sync-cell';

/** Engine ring: the default 1024, or more so a whole batch fits (a busy-polling caller cannot refill a full ring). */
export function ringSizeFor(batch: number): number {
  let r = 1024;
  while (r < batch) r *= 2;
  return r;
}

function workerCpuNs(engine: CopyEngine): number {
  let sum = 0;
  for (const w of engine.stats().workers) sum += w.cpuNs;
  return sum;
}

/** Adds `batch` ops starting at key index `k` to `b`; returns the next key index. id < 0: plain views, not the registered buffer. */
function fill(b: FrontswapBatch, pb: PoolBench, op: Op, id: number, batch: number, k: number): number {
  const { keys, srcPages, pageSize, views } = pb;
  if (id < 0) {
    for (let j = 0; j < batch; j++) {
      if (op === 'store') b.store(0, keys[k]!, views[k % srcPages]!);
      else b.load(0, keys[k]!, views[k % srcPages]!);
      k = (k + 1) & KEY_MASK;
    }
  } else if (op === 'store') {
    for (let j = 0; j < batch; j++) {
      b.storeFrom(0, keys[k]!, id, (k % srcPages) * pageSize);
      k = (k + 1) & KEY_MASK;
    }
  } else {
    for (let j = 0; j < batch; j++) {
      b.loadInto(0, keys[k]!, id, (k % srcPages) * pageSize);
      k = (k + 1) & KEY_MASK;
    }
  }
  return k;
}

/** Copies landed since `base` was taken, over every worker (the counts wrap at 2^32). */
function landed(words: Int32Array, at: Int32Array, base: Int32Array): number {
  let n = 0;
  for (let w = 0; w < at.length; w++) n += (Atomics.load(words, at[w]!) - base[w]!) | 0;
  return n;
}

async function latencyPhase(
  engine: CopyEngine,
  fs: Frontswap,
  pb: PoolBench,
  op: Op,
  id: number,
  batch: number,
  limitNs: number,
  roundTripNs: number,
): Promise<LatencySummary> {
  const words = coreOf(engine).handle.sharedWords;
  const at = new Int32Array(engine.workers);
  for (let w = 0; w < engine.workers; w++) at[w] = (w + 1) * wire.sharedWords.stride + wire.sharedWords.done;
  const base = new Int32Array(engine.workers);
  let b = fs.batch();
  return asyncLatencyGroups(
    pb,
    batch,
    limitNs,
    roundTripNs,
    'the engine',
    () => landed(words, at, base),
    (k) => {
      b = fs.batch();
      const next = fill(b, pb, op, id, batch, k);
      for (let w = 0; w < at.length; w++) base[w] = Atomics.load(words, at[w]!);
      return next;
    },
    () => b.submit(),
  );
}

/** The shape of an async cell's submissions: pages per batch, batches in flight, how pages reach the engine. */
export interface AsyncShape {
  batch: number;
  depth: number;
  source: PageSource;
  /** CPUs to pin the workers to (the NUMA crossing), or none. */
  cpus?: readonly number[];
}

/** One repetition of the async cell (op, mode, shape) on the pool. */
export async function sampleAsyncCell(pb: PoolBench, op: Op, mode: AsyncMode, shape: AsyncShape, times: PhaseTimes): Promise<Rep> {
  const { batch, depth } = shape;
  const engine = new CopyEngine({
    workers: mode.workers,
    waitMode: mode.waitMode,
    ringSize: ringSizeFor(batch * depth),
    ...(shape.cpus ? { cpus: shape.cpus } : {}),
  });
  try {
    const registered = engine.registerBuffer(pb.src);
    const id = shape.source === 'views' ? -1 : registered;
    const setting = `${mode.waitMode} ×${mode.workers}`;
    if (pb.workerCpus && !(setting in pb.workerCpus)) pb.workerCpus[setting] = engine.workerCpus();
    const fs = new Frontswap(pb.pool, { engine });
    prefill(fs, pb);
    try {
      // One small untimed round trip: the workers have started and touched their rings.
      const warm = fs.batch();
      fill(warm, pb, op, id, Math.min(batch, 4), pb.cursor);
      await warm.submit();

      const limit = times.sampleMs * 1e6;
      const every = batchesPerClockRead(batch);
      // Cold: exactly a window of distinct pages, flushed first (pool.ts); hot: for the sample time.
      const rateKey = `async ${op} ${mode.waitMode}x${mode.workers} ${batch}/${depth} ${shape.source}`;
      const window = pb.cold ? coldOps(pb, rateKey, batch, limit) : 0;
      flushWindow(pb, window);
      let k = pb.cursor;
      let batches = 0;
      const p0 = engine.stats().completionPaths;
      const w0 = workerCpuNs(engine);
      const c0 = threadCpuNs();
      const t0 = nowNs();
      let t = t0;
      const inFlight: Promise<boolean[]>[] = [];
      for (;;) {
        const b = fs.batch();
        k = fill(b, pb, op, id, batch, k);
        inFlight.push(b.submit());
        if (inFlight.length >= depth) await inFlight.shift();
        batches++;
        if (pb.cold) {
          if (batches * batch >= window) break;
        } else if (batches % every === 0 && batches >= 2) {
          t = nowNs();
          if (t - t0 >= limit) break;
        }
      }
      if (inFlight.length > 0) {
        await Promise.all(inFlight);
        t = nowNs();
      } else if (pb.cold) {
        t = nowNs();
      }
      const c1 = threadCpuNs();
      const w1 = workerCpuNs(engine);
      const p1 = engine.stats().completionPaths;
      const pages = batches * batch;
      takeKeys(pb, pages);
      pb.rates.set(rateKey, (t - t0) / pages);
      const latency = await latencyPhase(engine, fs, pb, op, id, batch, times.latencyMs * 1e6, (t - t0) / batches);
      return {
        nsPerPage: (t - t0) / pages,
        callerCpuNsPerPage: (c1 - c0) / pages,
        workerCpuNsPerPage: (w1 - w0) / pages,
        latency,
        paths: {
          submissions: batches,
          settledAtSubmit: p1.settledAtSubmit - p0.settledAtSubmit,
          spunInPlace: p1.spunInPlace - p0.spunInPlace,
          polled: p1.polled - p0.polled,
          wokenByWorker: p1.wokenByWorker - p0.wokenByWorker,
        },
      };
    } finally {
      fs.invalidateArea(0);
    }
  } finally {
    await engine.close();
  }
}
