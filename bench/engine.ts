/**
 * npm run bench:engine — the asynchronous copy engine against the synchronous
 * path and the naive async addon, in one run on one machine (pool ≥ 256 MiB):
 *  - throughput of batched async stores (batch 64, 16 in flight) per wait mode
 *    and worker count, vs sync stores, and vs one Promise per page through
 *    napi_async_work;
 *  - CPU time the calling thread spends per page, vs TypedArray.prototype.set
 *    of the same pages (a fixed yardstick);
 *  - one op at a time: submit to settled Promise, per wait mode, with the
 *    wake-up split (worker wake vs event-loop wake);
 *  - 2 MiB pages: async vs sync throughput.
 * Every variant is sampled in turn, repetition by repetition; engines are
 * created per sample so an idle spinning worker never steals another's core.
 */
import { addon } from '../lib/binding';
import { CopyEngine, Frontswap, PagePool, type CopyEngineOptions } from '../lib/index';
import { machineInfo } from '../lib/machine-info';
import { handleOf } from '../lib/page-pool';
import { nowNs, rng, threadCpuNs } from './harness';
import { stat } from './report/stats';
import type { Stat } from './report/schema';

const MiB = 1 << 20;
const quick = process.argv.includes('--quick');
const REPS = quick ? 5 : 9;

interface Run {
  /** Wall ns per page. */
  wall: number;
  /** Calling-thread CPU ns per page. */
  cpu: number;
}

type Variant = () => Promise<Run>;

async function sampleAll(variants: Record<string, Variant>): Promise<Record<string, Run[]>> {
  const out: Record<string, Run[]> = {};
  for (const k of Object.keys(variants)) out[k] = [];
  for (let r = -1; r < REPS; r++) {
    for (const [k, v] of Object.entries(variants)) {
      const s = await v();
      if (r >= 0) out[k]!.push(s);  // repetition -1 warms up
    }
    process.stderr.write('.');
  }
  process.stderr.write('\n');
  return out;
}

async function timed(pages: number, body: () => Promise<void> | void): Promise<Run> {
  const c0 = threadCpuNs();
  const t0 = nowNs();
  await body();
  const t1 = nowNs();
  const c1 = threadCpuNs();
  return { wall: (t1 - t0) / pages, cpu: (c1 - c0) / pages };
}

function fmt(s: Stat, digits: number, unit: string): string {
  return `${s.median.toFixed(digits)}${unit} (IQR ${s.q1.toFixed(digits)}–${s.q3.toFixed(digits)})`;
}

const lines: { what: string; value: string; target: string; ok: boolean | null }[] = [];
function line(what: string, value: string, target = '', ok: boolean | null = null): void {
  lines.push({ what, value, target, ok });
}

const MODES: { name: string; opts: CopyEngineOptions }[] = [
  { name: 'sleep ×1', opts: { workers: 1, waitMode: 'sleep' } },
  { name: 'spin ×1', opts: { workers: 1, waitMode: 'spin' } },
  { name: 'adaptive ×1', opts: { workers: 1, waitMode: 'adaptive' } },
  { name: 'sleep ×2', opts: { workers: 2, waitMode: 'sleep' } },
  { name: 'spin ×2', opts: { workers: 2, waitMode: 'spin' } },
  { name: 'adaptive ×2', opts: { workers: 2, waitMode: 'adaptive' } },
];

/** Throughput and caller CPU: batches of `batch` pages, `depth` batches in flight. */
async function throughput(pageSize: number, poolPages: number, perSample: number, batch: number, depth: number): Promise<void> {
  const pool = new PagePool({ pageSize, pages: poolPages });
  const srcPages = pageSize === 4096 ? 64 : 4;
  const src = new Uint8Array(srcPages * pageSize);
  for (let i = 0; i < src.length; i += 4096) src[i] = i & 0xff;
  const views = Array.from({ length: srcPages }, (_, i) => src.subarray(i * pageSize, (i + 1) * pageSize));
  const next = rng(pageSize);
  const keys = new Uint32Array(perSample).map(() => next(0x7fffffff));
  const big = pageSize === 4096 ? new Uint8Array(poolPages * pageSize).fill(1) : null;
  const naiveSlots = pageSize === 4096 ? pool.reserve(4096)! : null;

  const fresh = (engine?: CopyEngine) => {
    const fs = engine ? new Frontswap(pool, { engine }) : new Frontswap(pool);
    fs.init(0);
    return fs;
  };
  const variants: Record<string, Variant> = {
    sync: async () => {
      const fs = fresh();
      const r = await timed(perSample, () => {
        for (let i = 0; i < perSample; i++) fs.store(0, keys[i]!, views[i % srcPages]!);
      });
      fs.invalidateArea(0);
      return r;
    },
  };
  if (big) {
    const slotOf = new Uint32Array(perSample).map(() => next(poolPages));
    variants['typedarray-set'] = async () =>
      timed(perSample, () => {
        for (let i = 0; i < perSample; i++) big.set(views[i % srcPages]!, slotOf[i]! * pageSize);
      });
  }
  if (naiveSlots) {
    // The naive async addon, two ways: one page at a time (await each), and
    // `batch` promises in flight at once (libuv's four threads then overlap).
    const ph = handleOf(pool);
    const n = Math.min(perSample, 4096);
    variants['naive-1'] = async () =>
      timed(n / 8, async () => {
        for (let j = 0; j < n / 8; j++) await addon.baselines.naiveStoreAsync(ph, naiveSlots[j]!, views[j % srcPages]!);
      });
    variants['naive'] = async () =>
      timed(n, async () => {
        for (let i = 0; i < n; i += batch) {
          const ps: Promise<boolean>[] = [];
          for (let j = i; j < i + batch && j < n; j++) ps.push(addon.baselines.naiveStoreAsync(ph, naiveSlots[j]!, views[j % srcPages]!));
          await Promise.all(ps);
        }
      });
  }
  // Pages named by registered buffer id + offset (storeFrom), the engine's fast
  // path; and, for one mode, as views (store), what a casual caller writes.
  const asyncVariant = (opts: CopyEngineOptions, byView: boolean): Variant => async () => {
    const engine = new CopyEngine(opts);
    const id = engine.registerBuffer(src);
    const fs = fresh(engine);
    const r = await timed(perSample, async () => {
      const inflight: Promise<boolean[]>[] = [];
      for (let i = 0; i < perSample; i += batch) {
        const b = fs.batch();
        const end = Math.min(i + batch, perSample);
        if (byView) for (let j = i; j < end; j++) b.store(0, keys[j]!, views[j % srcPages]!);
        else for (let j = i; j < end; j++) b.storeFrom(0, keys[j]!, id, (j % srcPages) * pageSize);
        inflight.push(b.submit());
        if (inflight.length >= depth) await inflight.shift();
      }
      await Promise.all(inflight);
    });
    fs.invalidateArea(0);
    await engine.close();
    return r;
  };
  for (const m of MODES) variants[m.name] = asyncVariant(m.opts, false);
  variants['views'] = asyncVariant({ workers: 1, waitMode: 'adaptive' }, true);

  const label = `${pageSize >= MiB ? `${pageSize / MiB} MiB` : `${pageSize / 1024} KiB`} stores, pool ${(poolPages * pageSize) / MiB} MiB (${pool.backing})`;
  process.stderr.write(`${label}: `);
  const r = await sampleAll(variants);
  const pps = (runs: Run[]) => runs.map((x) => 1e9 / x.wall);
  const sync = stat(pps(r['sync']!));
  line(`${label}, sync`, `${fmt(stat(pps(r['sync']!).map((p) => (p * pageSize) / 1e9)), 2, ' GB/s')}, ${fmt(sync, 0, ' pages/s')}`);
  const perRep = (a: Run[], b: Run[]) => a.map((x, i) => b[i]!.wall / x.wall);  // throughput ratio a/b
  for (const m of MODES) {
    const runs = r[m.name]!;
    const ratio = stat(perRep(runs, r['sync']!));
    const target = pageSize === 4096 ? (m.opts.workers === 1 ? 0.9 : 1.3) : 0.95;
    line(
      `${label}, async batch ${batch} ×${depth} in flight, ${m.name}`,
      `${fmt(stat(pps(runs).map((p) => (p * pageSize) / 1e9)), 2, ' GB/s')}: ${fmt(ratio, 2, '×')} sync`,
      `≥ ${target}× sync`,
      ratio.median >= target,
    );
  }
  line(
    `${label}, async batch ${batch} ×${depth} in flight, adaptive ×1, pages as views (not fixed buffers)`,
    `${fmt(stat(pps(r['views']!).map((p) => (p * pageSize) / 1e9)), 2, ' GB/s')}, caller CPU ${fmt(stat(r['views']!.map((x) => x.cpu)), 0, ' ns/page')}`,
  );
  if (r['typedarray-set']) {
    const ta = r['typedarray-set']!;
    line(`${label}, TypedArray.set yardstick`, `${fmt(stat(ta.map((x) => x.wall)), 0, ' ns/page')}`);
    for (const m of MODES) {
      const share = stat(r[m.name]!.map((x, i) => x.cpu / ta[i]!.wall));
      line(
        `${label}, calling-thread CPU per page, ${m.name}`,
        `${fmt(stat(r[m.name]!.map((x) => x.cpu)), 0, ' ns')}: ${fmt(stat(share.values.map((v) => v * 100)), 1, '%')} of TypedArray.set`,
        '≤ 20%',
        share.median <= 0.2,
      );
    }
  }
  if (r['naive']) {
    const one = r['naive-1']!;
    const many = r['naive']!;
    line(`${label}, naive async (one Promise per page, napi_async_work), one at a time`, `${fmt(stat(pps(one)), 0, ' pages/s')}`);
    line(`${label}, naive async, ${batch} promises in flight`, `${fmt(stat(pps(many)), 0, ' pages/s')}`);
    for (const m of MODES) {
      const x1 = stat(perRep(r[m.name]!, one));
      const xn = stat(perRep(r[m.name]!, many));
      line(
        `${label}, ${m.name} vs naive async`,
        `${fmt(x1, 0, '×')} one at a time; ${fmt(xn, 1, '×')} with ${batch} in flight`,
        '≥ 20×',
        x1.median >= 20,
      );
    }
  }
  pool.close();
}

/** One op at a time: submit to settled Promise. */
async function latency(): Promise<void> {
  const pool = new PagePool({ pageSize: 4096, pages: 65536 });
  const page = new Uint8Array(4096).fill(3);
  const slots = pool.reserve(1)!;
  const ph = handleOf(pool);
  const N = quick ? 2000 : 5000;
  const next = rng(11);
  const keys = new Uint32Array(N).map(() => next(0x7fffffff));
  const cases: { name: string; opts?: CopyEngineOptions }[] = [
    { name: 'spin', opts: { waitMode: 'spin' } },
    { name: 'adaptive', opts: { waitMode: 'adaptive' } },
    { name: 'sleep', opts: { waitMode: 'sleep' } },
    { name: 'sleep workers, JS polls (worker wake-up cost)', opts: { waitMode: 'sleep', completion: 'poll', pollMicros: 1_000_000 } },
    { name: 'spin workers, event-loop wake-up (loop wake-up cost)', opts: { waitMode: 'spin', completion: 'wakeup' } },
    { name: 'naive async (napi_async_work)' },
  ];
  const variants: Record<string, () => Promise<number[]>> = {};
  for (const c of cases) {
    variants[c.name] = async () => {
      const lat: number[] = [];
      if (!c.opts) {
        for (let i = 0; i < N; i++) {
          const t0 = nowNs();
          await addon.baselines.naiveStoreAsync(ph, slots[0]!, page);
          lat.push(nowNs() - t0);
        }
        return lat;
      }
      const engine = new CopyEngine(c.opts);
      const fs = new Frontswap(pool, { engine });
      fs.init(0);
      for (let i = 0; i < N; i++) {
        const t0 = nowNs();
        await fs.storeAsync(0, keys[i]!, page);
        lat.push(nowNs() - t0);
      }
      fs.invalidateArea(0);
      await engine.close();
      return lat;
    };
  }
  process.stderr.write('one op at a time: ');
  const p50s: Record<string, number[]> = {};
  const p99s: Record<string, number[]> = {};
  for (let r = -1; r < REPS; r++) {
    for (const [k, v] of Object.entries(variants)) {
      const lat = (await v()).sort((a, b) => a - b);
      if (r < 0) continue;
      (p50s[k] ??= []).push(lat[Math.floor(lat.length * 0.5)]! / 1000);
      (p99s[k] ??= []).push(lat[Math.floor(lat.length * 0.99)]! / 1000);
    }
    process.stderr.write('.');
  }
  process.stderr.write('\n');
  const naive = stat(p50s['naive async (napi_async_work)']!);
  for (const c of cases) {
    const p50 = stat(p50s[c.name]!);
    const p99 = stat(p99s[c.name]!);
    let target = '';
    let ok: boolean | null = null;
    if (c.name === 'spin' || c.name === 'adaptive') {
      target = '≤ 3 µs';
      ok = p50.median <= 3;
    } else if (c.name === 'sleep') {
      target = '≤ naive async';
      ok = p50.median <= naive.median;
    }
    line(`4 KiB, batch 1, submit → settled, ${c.name}`, `p50 ${fmt(p50, 2, ' µs')}, p99 ${fmt(p99, 1, ' µs')}`, target, ok);
  }
  pool.close();
}

async function main(): Promise<void> {
  const m = machineInfo();
  const started = Date.now();
  await throughput(4096, 65536, quick ? 16384 : 32768, 64, 16);
  await throughput(4096, 65536, quick ? 16384 : 32768, 256, 8);
  await throughput(2 * MiB, 256, quick ? 64 : 128, 4, 4);
  await latency();
  const out: string[] = [];
  out.push(`frontswap bench:engine — ${m.cpu.model ?? 'unknown CPU'}, ${m.cpu.cores} CPUs, Linux ${m.kernel.release}, Node ${process.version}`);
  out.push(`THP ${m.thp?.enabled ?? 'n/a'}; ${REPS} repetitions each; medians with interquartile range; ratios per repetition`);
  out.push('');
  const w = Math.max(...lines.map((l) => l.what.length));
  for (const l of lines) {
    const verdict = l.ok === null ? '' : `  [target ${l.target}: ${l.ok ? 'ok' : 'MISSED'}]`;
    out.push(`${l.what.padEnd(w)}  ${l.value}${verdict}`);
  }
  out.push('');
  out.push(`took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  process.stdout.write(out.join('\n') + '\n');
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
