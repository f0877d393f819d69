/**
 * Random page writes and reads on one target: SwapDevice behind Frontswap
 * (sync pread/pwrite at QD 1, io_uring at deeper queues) against fio on the
 * same path (psync QD 1, io_uring deeper), per page size; and the cost of
 * freeing per discard policy.
 */
import { execFileSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { CopyEngine, Frontswap, PagePool, SwapDevice, type DiscardPolicy } from '../../lib/index';
import { quantile } from '../report/stats';
import { nowNs, threadCpuNs } from '../run/clock';

export interface Spread {
  median: number;
  q1: number;
  q3: number;
}

export function spread(values: number[]): Spread {
  const s = [...values].sort((a, b) => a - b);
  return { median: quantile(s, 0.5), q1: quantile(s, 0.25), q3: quantile(s, 0.75) };
}

const PAGE = 4096;

function shuffled(n: number, seed: number): Uint32Array {
  const a = new Uint32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  let x = seed >>> 0 || 1;
  for (let i = n - 1; i > 0; i--) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const j = (x >>> 0) % (i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

type Batcher = { store(t: number, o: number, p: Uint8Array): unknown; load(t: number, o: number, p: Uint8Array): unknown; submit(): Promise<boolean[]> };
interface Front {
  store(t: number, o: number, p: Uint8Array): boolean;
  load(t: number, o: number, p: Uint8Array): boolean;
  batch(): Batcher;
}

/** One direction of one run. */
export interface OpRun {
  /** Pages per second. */
  perSecond: number;
  /** CPU time of the calling (JS) thread per page, ns. */
  callerCpuNs: number;
  /** Per op latency, ns (null where not measured: the pool's engine). */
  p50Ns: number | null;
  p99Ns: number | null;
}

/** Every SYNC_SAMPLE-th sync call is timed alone: percentiles without a clock read per call. */
const SYNC_SAMPLE = 8;

function percentiles(ns: number[]): { p50Ns: number | null; p99Ns: number | null } {
  if (!ns.length) return { p50Ns: null, p99Ns: null };
  const s = [...ns].sort((a, b) => a - b);
  return { p50Ns: quantile(s, 0.5), p99Ns: quantile(s, 0.99) };
}

/**
 * Pages per second of random overwrites (write) and random loads (read) over
 * `pages` stored keys, for `seconds` each: one call at a time at depth 1, else
 * two batches of `depth` outstanding, so a queue of `depth` stays full.
 * Latency at depth 1: sampled sync calls, timed from JS (the N-API call included).
 */
async function timeOps(fs: Front, pageSize: number, pages: number, depth: number, seconds: number): Promise<{ write: OpRun; read: OpRun }> {
  // Incompressible bytes, like fio's buffers: zram stores a same-filled page for nothing.
  const page = randomFillSync(new Uint8Array(pageSize));
  for (let i = 0; i < pages; i++) fs.store(0, i, page);  // every key has a slot: overwrites hit random slots
  const order = shuffled(pages, 12345);
  const out = Array.from({ length: 2 * depth }, () => new Uint8Array(pageSize));
  const run = async (load: boolean): Promise<OpRun> => {
    const end = process.hrtime.bigint() + BigInt(Math.round(seconds * 1e9));
    let ops = 0;
    let k = 0;
    const inflight: Promise<boolean[]>[] = [];
    const lat: number[] = [];
    let turn = 0;
    const c0 = threadCpuNs();
    const t0 = process.hrtime.bigint();
    while (process.hrtime.bigint() < end) {
      if (depth === 1) {
        for (let i = 0; i < 256; i++, k++) {
          const key = order[k % pages]!;
          if (i % SYNC_SAMPLE === 0) {
            const s = nowNs();
            if (load) fs.load(0, key, out[0]!);
            else fs.store(0, key, page);
            lat.push(nowNs() - s);
          } else if (load) fs.load(0, key, out[0]!);
          else fs.store(0, key, page);
        }
        ops += 256;
      } else {
        const submit = (half: number): Promise<boolean[]> => {
          const b = fs.batch();
          for (let i = 0; i < depth; i++, k++) {
            const key = order[k % pages]!;
            if (load) b.load(0, key, out[half * depth + i]!);
            else b.store(0, key, page);
          }
          return b.submit();
        };
        if (inflight.length === 0) inflight.push(submit(turn++ & 1));
        inflight.push(submit(turn++ & 1));
        await inflight.shift();
        ops += depth;
      }
    }
    await Promise.all(inflight.splice(0));
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    return { perSecond: ops / wall, callerCpuNs: (threadCpuNs() - c0) / ops, ...percentiles(lat) };
  };
  const write = await run(false);
  const read = await run(true);
  return { write, read };
}

/** SwapDevice behind Frontswap: sync pread/pwrite at depth 1, io_uring at a queue of `depth`. */
export async function ours(path: string, pageSize: number, pages: number, depth: number, seconds: number): Promise<{ write: OpRun; read: OpRun }> {
  const dev = new SwapDevice({ path, pageSize, pages, discard: 'none' });
  try {
    const fs = depth === 1 ? new Frontswap(dev) : new Frontswap(dev, { io: 'uring', queueDepth: depth });
    fs.init(0);
    const r = await timeOps(fs as unknown as Front, pageSize, pages, depth, seconds);
    const u = fs.uringStats();
    if (u) {
      // io_uring: from submission to completion, per I/O, timed natively (the write run, then the read run).
      r.write.p50Ns = u.writeP50Ns;
      r.write.p99Ns = u.writeP99Ns;
      r.read.p50Ns = u.readP50Ns;
      r.read.p99Ns = u.readP99Ns;
    }
    return r;
  } finally {
    dev.close();
  }
}

/** Frontswap over a PagePool, same pattern: sync copies at depth 1, the copy engine (one worker) at batch `depth`. */
export async function poolOps(pages: number, depth: number, seconds: number): Promise<{ write: OpRun; read: OpRun }> {
  const pool = new PagePool({ pageSize: PAGE, pages });
  const engine = depth === 1 ? null : new CopyEngine({ workers: 1 });
  try {
    const fs = new Frontswap(pool, engine ? { engine } : {});
    fs.init(0);
    const r = await timeOps(fs as unknown as Front, PAGE, pages, depth, seconds);
    if (engine) for (const x of [r.write, r.read]) x.p50Ns = x.p99Ns = null;  // no per-op clock on the engine path
    return r;
  } finally {
    await engine?.close();
    pool.close();
  }
}

/** Stores `pages` pages, then frees them in a shuffled order: the ns the frees took, in all. */
function timeFrees(fs: Pick<Frontswap, 'init' | 'store' | 'invalidatePage'>, pages: number): number {
  fs.init(0);
  const page = new Uint8Array(PAGE).fill(1);
  for (let i = 0; i < pages; i++) fs.store(0, i, page);
  const order = shuffled(pages, 99);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < pages; i++) fs.invalidatePage(0, order[i]!);
  return Number(process.hrtime.bigint() - t0);
}

/** ns per invalidatePage on a pool: frontswap's free, the figure discard is held against. */
export function poolInvalidateNs(pages: number): number {
  const pool = new PagePool({ pageSize: PAGE, pages });
  try {
    return timeFrees(new Frontswap(pool), pages) / pages;
  } finally {
    pool.close();
  }
}

export function fioAvailable(): boolean {
  try {
    execFileSync('fio', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export interface FioRun {
  iops: number;
  p50Ns: number;
  p99Ns: number;
}

/**
 * fio on the same path and block size, at each depth: random writes, then
 * random reads, depth after depth (stonewalled jobs of one fio process, so
 * its start-up costs once): IOPS and completion latency p50/p99 (ns) of each.
 */
export function fio(path: string, bytes: number, pageSize: number, depths: readonly number[], seconds: number): Map<number, { write: FioRun; read: FioRun }> {
  const args = [
    `--filename=${path}`, `--bs=${pageSize}`, '--direct=1', `--size=${bytes}`,
    `--runtime=${Math.max(1, Math.round(seconds * 1000))}ms`, '--time_based=1', '--output-format=json', '--randrepeat=0', '--norandommap=1',
  ];
  for (const depth of depths) {
    for (const rw of ['randwrite', 'randread']) {
      args.push(`--name=${rw}-${depth}`, `--rw=${rw}`, `--ioengine=${depth === 1 ? 'psync' : 'io_uring'}`, `--iodepth=${depth}`, '--stonewall');
      if (depth > 1) args.push(`--iodepth_batch_submit=${depth}`, `--iodepth_batch_complete_min=1`);
    }
  }
  const out = JSON.parse(execFileSync('fio', args, { encoding: 'utf8', maxBuffer: 1 << 24 }));
  const one = (job: { iops: number; clat_ns?: { percentile?: Record<string, number> } }): FioRun => {
    const pct = job.clat_ns?.percentile ?? {};
    return { iops: job.iops, p50Ns: pct['50.000000'] ?? NaN, p99Ns: pct['99.000000'] ?? NaN };
  };
  const byDepth = new Map<number, { write: FioRun; read: FioRun }>();
  depths.forEach((d, i) => byDepth.set(d, { write: one(out.jobs[2 * i].write), read: one(out.jobs[2 * i + 1].read) }));
  return byDepth;
}

/** Per freed page: the time invalidatePage takes under each discard policy, and what stays stale. */
export function discardCost(path: string, pages: number, policy: DiscardPolicy): { nsPerFree: number; discardNsPerPage: number; stale: number; discards: number } {
  const dev = new SwapDevice({ path, pages, discard: policy });
  try {
    const ns = timeFrees(new Frontswap(dev), pages);
    const s = dev.stats();
    return { nsPerFree: ns / pages, discardNsPerPage: s.discardedPages ? s.discardNs / s.discardedPages : 0, stale: s.staleSlots, discards: s.discards };
  } finally {
    dev.close();
  }
}
