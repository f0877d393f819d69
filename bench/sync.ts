/**
 * npm run bench:sync — the synchronous path against what a Node user would
 * write and against the native limit, in one run on one machine:
 *  - 4 KiB store and load to random slots vs TypedArray.prototype.set to the
 *    same random page positions of an equally large ArrayBuffer (hot and cold pool);
 *  - 2 MiB store vs native memcpy of 2 MiB into the same pool;
 *  - invalidatePage;
 *  - memory: metadata per page, and that no page goes through the JS heap.
 * Ratios are taken per repetition (variants sampled in turn) and reported as
 * median with interquartile range.
 */
import { addon } from '../lib/binding';
import { Frontswap, PagePool, type BackingRequest } from '../lib/index';
import { machineInfo } from '../lib/machine-info';
import { handleOf } from '../lib/page-pool';
import { interleave, ratios, rng, timeOps, type Sample } from './harness';
import { stat } from './report/stats';
import type { Stat } from './report/schema';

const MiB = 1 << 20;
const quick = process.argv.includes('--quick');
const REPS = quick ? 7 : 15;
const WARMUP = quick ? 2 : 3;

interface Line {
  what: string;
  value: string;
  target: string;
  ok: boolean | null;
}
const lines: Line[] = [];

function fmt(s: Stat, digits = 1, unit = ''): string {
  return `${s.median.toFixed(digits)}${unit} (IQR ${s.q1.toFixed(digits)}–${s.q3.toFixed(digits)})`;
}

function wall(samples: Sample[]): number[] {
  return samples.map((s) => s.wallNs);
}

function fourKiB(label: string, pages: number, backing: BackingRequest): void {
  const pool = new PagePool({ pageSize: 4096, pages, backing });
  const fs = new Frontswap(pool);
  fs.init(0);
  const page = new Uint8Array(4096).fill(0xa5);
  const out = new Uint8Array(4096);
  // Keys stored in order land in slots 0..n-1, so a random key is a random slot
  // and key k sits at byte k*4096: the baseline copies to the same positions.
  for (let k = 0; k < pages; k++) fs.store(0, k, page);
  const big = new Uint8Array(pages * 4096).fill(1);  // faulted in before timing
  const views: Uint8Array[] = [];
  for (let k = 0; k < pages; k++) views.push(big.subarray(k * 4096, (k + 1) * 4096));
  const next = rng(42);
  const keys = new Uint32Array(1 << 16).map(() => next(pages));
  const OPS = 20000;
  let at = 0;
  const window = (): number => (at = (at + OPS) % (keys.length - OPS));
  const r = interleave(REPS, WARMUP, {
    store: () => {
      const o = window();
      return timeOps(OPS, (n) => {
        for (let i = 0; i < n; i++) fs.store(0, keys[o + i]!, page);
      });
    },
    taStore: () => {
      const o = window();
      return timeOps(OPS, (n) => {
        for (let i = 0; i < n; i++) big.set(page, keys[o + i]! * 4096);
      });
    },
    load: () => {
      const o = window();
      return timeOps(OPS, (n) => {
        for (let i = 0; i < n; i++) fs.load(0, keys[o + i]!, out);
      });
    },
    taLoad: () => {
      const o = window();
      return timeOps(OPS, (n) => {
        for (let i = 0; i < n; i++) out.set(views[keys[o + i]!]!);
      });
    },
  });
  const where = `${label} pool (${(pages * 4096) / MiB} MiB, ${pool.backing}${pool.streamStores ? ', streaming stores' : ''})`;
  for (const op of ['store', 'load'] as const) {
    const ours = stat(wall(r[op]));
    const base = stat(wall(r[op === 'store' ? 'taStore' : 'taLoad']));
    const ratio = stat(ratios(wall(r[op]), wall(r[op === 'store' ? 'taStore' : 'taLoad'])));
    lines.push({
      what: `4 KiB ${op}, ${where}`,
      value: `${fmt(ours, 0, ' ns')} vs TypedArray.set ${fmt(base, 0, ' ns')}: ${fmt(ratio, 2, '×')}`,
      target: '≤ 1.3×',
      ok: ratio.median <= 1.3,
    });
  }
  pool.close();
}

function twoMiB(label: string, keys: number): void {
  const pageSize = 2 * MiB;
  const pool = new PagePool({ pageSize, pages: keys * 2 });
  const fs = new Frontswap(pool);
  fs.init(0);
  const page = new Uint8Array(pageSize).fill(0x5a);
  for (let k = 0; k < keys; k++) fs.store(0, k, page);
  const slots = pool.reserve(keys)!;  // the other half of the same pool, for memcpy
  const next = rng(7);
  for (let i = slots.length - 1; i > 0; i--) {
    const j = next(i + 1);
    [slots[i], slots[j]] = [slots[j]!, slots[i]!];
  }
  const order = new Uint32Array(4096).map(() => next(keys));
  const OPS = Math.max(16, Math.min(64, keys * 4));
  let at = 0;
  const r = interleave(REPS, WARMUP, {
    store: () => {
      const o = (at = (at + OPS) % (order.length - OPS));
      return timeOps(OPS, (n) => {
        for (let i = 0; i < n; i++) fs.store(0, order[o + i]!, page);
      });
    },
    memcpy: () => {
      const ns = addon.baselines.memcpyLoop(handleOf(pool), slots, page, OPS, true);
      return { wallNs: ns, cpuNs: ns };
    },
  });
  const gbps = (s: Sample[]) => s.map((x) => pageSize / x.wallNs);
  const ours = stat(gbps(r.store));
  const limit = stat(gbps(r.memcpy));
  const ratio = stat(ratios(gbps(r.store), gbps(r.memcpy)));
  lines.push({
    what: `2 MiB store, ${label} pool (${(keys * 2 * pageSize) / MiB} MiB, ${pool.backing}${pool.streamStores ? ', streaming stores' : ''})`,
    value: `${fmt(ours, 2, ' GB/s')} vs native memcpy ${fmt(limit, 2, ' GB/s')}: ${fmt(ratio, 2, '×')}`,
    target: '≥ 0.9×',
    ok: ratio.median >= 0.9,
  });
  pool.close();
}

function invalidate(pages: number): void {
  const pool = new PagePool({ pageSize: 4096, pages });
  const fs = new Frontswap(pool);
  fs.init(0);
  const page = new Uint8Array(4096);
  const next = rng(3);
  const order = new Uint32Array(pages).map((_, i) => i);
  for (let i = pages - 1; i > 0; i--) {
    const j = next(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const r = interleave(REPS, WARMUP, {
    invalidatePage: () => {
      for (let k = 0; k < pages; k++) fs.store(0, k, page);  // untimed refill
      return timeOps(pages, (n) => {
        for (let i = 0; i < n; i++) fs.invalidatePage(0, order[i]!);
      });
    },
  });
  const s = stat(wall(r.invalidatePage));
  lines.push({
    what: `invalidatePage, random keys of ${pages} stored pages`,
    value: fmt(s, 0, ' ns'),
    target: '≤ 100 ns',
    ok: s.median <= 100,
  });
  pool.close();
}

function memory(pages: number): void {
  const heap0 = process.memoryUsage().heapUsed;
  const pool = new PagePool({ pageSize: 4096, pages });
  const fs = new Frontswap(pool);
  fs.init(0);
  const page = new Uint8Array(4096).fill(1);
  for (let k = 0; k < pages; k++) fs.store(0, k * 7919, page);
  const heapGrowth = process.memoryUsage().heapUsed - heap0;
  const perPage = pool.memoryUsage().metadataBytes / pages;
  const mapPerPage = fs.stats().mapBytes / fs.stats().storedPages;
  lines.push({
    what: `memory, ${pages} pages of 4 KiB (${(pages * 4096) / MiB} MiB) stored`,
    value: `pool metadata ${perPage.toFixed(2)} B/page; key map ${mapPerPage.toFixed(1)} B per stored page (8 B entries, 35–70% full); JS heap grew ${(heapGrowth / MiB).toFixed(2)} MiB`,
    target: 'pool ≤ 16 B/page',
    ok: perPage <= 16,
  });
  pool.close();
}


function main(): void {
  const m = machineInfo();
  const started = Date.now();
  process.stderr.write('bench:sync running (about a minute)...\n');
  fourKiB('hot', 2048, 'auto');
  fourKiB('cold', 65536, 'auto');
  fourKiB('cold', 65536, 'normal');
  twoMiB('hot', 2);
  twoMiB('cold', 128);
  invalidate(65536);
  memory(65536);
  const out: string[] = [];
  out.push(`frontswap bench:sync — ${m.cpu.model ?? 'unknown CPU'}, ${m.cpu.cores} CPUs, Linux ${m.kernel.release}, Node ${process.version}`);
  out.push(`THP ${m.thp?.enabled ?? 'n/a'}, huge pages reserved ${m.hugePages.total}; ${REPS} repetitions each; medians with interquartile range`);
  out.push('');
  const w = Math.max(...lines.map((l) => l.what.length));
  for (const l of lines) {
    const verdict = l.ok === null ? '' : l.ok ? 'ok' : 'MISSED';
    out.push(`${l.what.padEnd(w)}  ${l.value}  [target ${l.target}: ${verdict}]`);
  }
  out.push('');
  out.push(`took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  process.stdout.write(out.join('\n') + '\n');
}

main();
