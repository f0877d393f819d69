/**
 * The device section: the ordinary swap device from user space (SwapDevice)
 * against fio on the same device and against frontswap over the pool in the
 * same run, per page size and queue depth, and what freeing through discard
 * costs against frontswap's invalidate.
 */
import type { BenchSection, SectionResult, SectionRunContext } from '../section';
import { sectionResult } from '../report/section-render';
import type { Table, TableCell } from '../report/table';
import { deviceChart, DEVICE_CHART_FILE } from './chart';
import { discardCost, fio, fioAvailable, ours, poolInvalidateNs, poolOps, spread, type OpRun, type Spread } from './measure';
import { setUp, teardown, type Target } from './targets';

/** One page size's part of the grid: slots per device and the depths it runs. */
interface Size {
  pageSize: number;
  pages: number;
  depths: readonly number[];
  /** 4 KiB carries the fio ratios: the most repetitions. */
  main: boolean;
}

const SIZES: readonly Size[] = [
  { pageSize: 4096, pages: 2048, depths: [1, 8, 32], main: true },
  { pageSize: 65536, pages: 256, depths: [1, 8, 32], main: false },
  // 32 slots of 2 MiB: a depth of 32 would reuse keys inside one pair of batches.
  { pageSize: 2 << 20, pages: 32, depths: [1, 8], main: false },
];
/** --quick: 4 KiB at QD 1 and 32 (the fio ratios), the larger pages at QD 8 only. */
const QUICK_DEPTHS: Record<number, readonly number[]> = { 4096: [1, 32], 65536: [8], [2 << 20]: [8] };
/** Bytes of each device: the largest size's slots. */
const DEVICE_BYTES = Math.max(...SIZES.map((s) => s.pageSize * s.pages));

/** Spread of one measure over the repetitions of one cell. */
export interface DirCell {
  perSecond: Spread;
  callerCpuNs: Spread;
  p50Ns: Spread | null;
  p99Ns: Spread | null;
  fio: { iops: Spread; p50Ns: Spread; p99Ns: Spread } | null;
}

export interface DeviceCell {
  target: string;
  pageSize: number;
  depth: number;
  reps: number;
  write: DirCell;
  read: DirCell;
}

interface Samples {
  runs: OpRun[];
  fio: { iops: number; p50Ns: number; p99Ns: number }[];
}

function dirCell(s: Samples): DirCell {
  const pick = (f: (r: OpRun) => number | null): Spread | null => {
    const v = s.runs.map(f).filter((x): x is number => x !== null);
    return v.length ? spread(v) : null;
  };
  return {
    perSecond: pick((r) => r.perSecond)!,
    callerCpuNs: pick((r) => r.callerCpuNs)!,
    p50Ns: pick((r) => r.p50Ns),
    p99Ns: pick((r) => r.p99Ns),
    fio: s.fio.length ? { iops: spread(s.fio.map((f) => f.iops)), p50Ns: spread(s.fio.map((f) => f.p50Ns)), p99Ns: spread(s.fio.map((f) => f.p99Ns)) } : null,
  };
}

export function kiloSpread(s: Spread): string {
  if (s.median < 1000) return `${Math.round(s.median)} (${Math.round(s.q1)}–${Math.round(s.q3)})`;
  const k = (v: number): string => (v >= 10_000 ? `${Math.round(v / 1000)}` : (v / 1000).toFixed(1));
  return `${k(s.median)} K (${k(s.q1)}–${k(s.q3)})`;
}

function usOf(ns: number): string {
  return ns >= 100_000 ? `${Math.round(ns / 1000)}` : ns >= 10_000 ? (ns / 1000).toFixed(1) : (ns / 1000).toFixed(2);
}

function latency(p50: Spread | null, p99: Spread | null): string {
  return p50 && p99 ? `${usOf(p50.median)} / ${usOf(p99.median)}` : '—';
}

function ratio(a: number, b: number | undefined): string {
  return b ? `${(a / b).toFixed(2)}×` : '—';
}

export function sizeLabel(pageSize: number): string {
  return pageSize >= 1 << 20 ? `${pageSize >> 20} MiB` : `${pageSize >> 10} KiB`;
}

function depthLabel(depth: number): string {
  return depth === 1 ? '1 (sync; fio psync)' : `${depth} (io_uring; fio io_uring)`;
}

const GRID_COLUMNS = [
  { label: 'device' }, { label: 'page' }, { label: 'queue depth' },
  { label: 'writes/s', align: 'right' }, { label: 'fio writes/s', align: 'right' }, { label: 'ratio', align: 'right' },
  { label: 'write p50 / p99 µs (fio)', align: 'right' }, { label: 'caller CPU µs/write', align: 'right' },
  { label: 'reads/s', align: 'right' }, { label: 'fio reads/s', align: 'right' }, { label: 'ratio', align: 'right' },
  { label: 'read p50 / p99 µs (fio)', align: 'right' }, { label: 'caller CPU µs/read', align: 'right' },
] as const;

function dirCells(d: DirCell): TableCell[] {
  const f = d.fio;
  const r = f ? d.perSecond.median / f.iops.median : NaN;
  return [
    kiloSpread(d.perSecond),
    f ? kiloSpread(f.iops) : '—',
    f ? { text: ratio(d.perSecond.median, f.iops.median), strong: r >= 0.8 } : '—',
    `${latency(d.p50Ns, d.p99Ns)}${f ? ` (${latency(f.p50Ns, f.p99Ns)})` : ''}`,
    (d.callerCpuNs.median / 1000).toFixed(2),
  ];
}

export const deviceSection: BenchSection = {
  name: 'device',
  summary: 'SwapDevice (pread/pwrite, io_uring) vs fio and vs the pool on zram, a loop device and a file; 4 KiB–2 MiB, QD 1–32; discard costs',
  async run(ctx: SectionRunContext): Promise<SectionResult> {
    const reps = ctx.repetitions ?? (ctx.quick ? 2 : 5);
    const sideReps = ctx.repetitions ?? (ctx.quick ? 1 : 3);
    const seconds = ctx.quick ? 0.1 : 0.2;
    const fioSeconds = ctx.quick ? 0.15 : 0.25;
    // Larger pages: fewer repetitions, shorter cells (their spread is the bandwidth's, not the op rate's).
    const sideSeconds = ctx.quick ? 0.1 : 0.15;
    const sideFioSeconds = ctx.quick ? 0.15 : 0.2;
    const started = Date.now();
    const data: Record<string, unknown> = {};
    try {
      // Inside the try: a setup that fails halfway is undone too.
      const { targets, skipped } = setUp(DEVICE_BYTES);
      const haveFio = fioAvailable();
      if (!haveFio) skipped.push('fio is not installed: no baseline (apt-get install fio)');
      const cells: DeviceCell[] = [];
      const pool = new Map<number, { write: DirCell; read: DirCell }>();
      for (const size of SIZES) {
        // Larger pages skip the disk file where RAM-backed devices exist: the file's figures are the disk's.
        const on: Target[] = size.main || targets.length === 1 ? targets : targets.filter((t) => t.name !== 'file');
        const n = size.main ? reps : sideReps;
        const bytes = size.pageSize * size.pages;
        const depths = ctx.quick ? QUICK_DEPTHS[size.pageSize]! : size.depths;
        const key = (target: string, depth: number): string => `${target}/${depth}`;
        const samples = new Map<string, { write: Samples; read: Samples }>();
        const sample = (k: string): { write: Samples; read: Samples } => {
          const s = samples.get(k) ?? { write: { runs: [], fio: [] }, read: { runs: [], fio: [] } };
          samples.set(k, s);
          return s;
        };
        for (let r = 0; r < n; r++) {
          // One repetition visits every target and depth in turn, so machine noise spreads over all of them alike.
          ctx.progress?.write(`device: ${sizeLabel(size.pageSize)}, repetition ${r + 1}/${n}\n`);
          for (const depth of depths) {
            if (!size.main) continue;
            const p = await poolOps(size.pages, depth, seconds);
            const s = sample(key('pool', depth));
            s.write.runs.push(p.write);
            s.read.runs.push(p.read);
          }
          for (const t of on) {
            for (const depth of depths) {
              const o = await ours(t.path, size.pageSize, size.pages, depth, size.main ? seconds : sideSeconds);
              const s = sample(key(t.name, depth));
              s.write.runs.push(o.write);
              s.read.runs.push(o.read);
            }
            if (haveFio) {
              for (const [depth, f] of fio(t.path, bytes, size.pageSize, depths, size.main ? fioSeconds : sideFioSeconds)) {
                const s = sample(key(t.name, depth));
                s.write.fio.push(f.write);
                s.read.fio.push(f.read);
              }
            }
          }
        }
        for (const depth of depths) {
          const p = samples.get(key('pool', depth));
          if (p) pool.set(depth, { write: dirCell(p.write), read: dirCell(p.read) });
          for (const t of on) {
            const s = samples.get(key(t.name, depth))!;
            cells.push({ target: t.name, pageSize: size.pageSize, depth, reps: n, write: dirCell(s.write), read: dirCell(s.read) });
          }
        }
      }
      data['cells'] = cells;
      data['pool'] = Object.fromEntries([...pool].map(([d, c]) => [`qd${d}`, c]));

      const rows: TableCell[][] = [];
      for (const size of SIZES) {
        for (const depth of [...new Set(cells.filter((c) => c.pageSize === size.pageSize).map((c) => c.depth))]) {
          const p = size.main ? pool.get(depth) : undefined;
          if (p) rows.push(['pool', sizeLabel(size.pageSize), depth === 1 ? '1 (sync copy)' : `${depth} (copy engine, batch ${depth})`, ...dirCells(p.write), ...dirCells(p.read)]);
          for (const c of cells.filter((x) => x.pageSize === size.pageSize && x.depth === depth)) {
            rows.push([c.target, sizeLabel(c.pageSize), depthLabel(depth), ...dirCells(c.write), ...dirCells(c.read)]);
          }
        }
      }
      const grid: Table = {
        columns: [...GRID_COLUMNS],
        rows,
        caption:
          `Random overwrites of stored keys and random loads, O_DIRECT, incompressible pages; medians (IQR) in pages/s over ${reps} repetitions of ${seconds} s per cell at 4 KiB (fio ${fioSeconds} s), ${sideReps} of ${sideSeconds} s at larger pages (fio ${sideFioSeconds} s), every target and depth visited in each. ` +
          'Depth d > 1: two batches of d outstanding against a queue of d entries (fio: iodepth d). Bold ratio: at least 0.8× fio. ' +
          `Latency: sync, every ${8}th call timed from JS (the N-API call included); io_uring, submission to completion per I/O, timed natively; fio, its completion latency. Caller CPU: the JS thread's CPU time per page.`,
      };

      const frees = 1024;
      const invalidateNs = poolInvalidateNs(frees);
      data['pool-invalidate-ns'] = invalidateNs;
      const discardRows: TableCell[][] = [['pool', '(invalidatePage)', `${(invalidateNs / 1000).toFixed(3)} µs`, '0', '0']];
      const immediate = new Map<string, number>();
      for (const t of targets) {
        for (const [label, policy] of [['immediate', 'immediate'], ['batch 64', { batch: 64 }], ['none', 'none']] as const) {
          const c = discardCost(t.path, frees, policy);
          data[`${t.name}-discard-${label}`] = c;
          if (label === 'immediate') immediate.set(t.name, c.nsPerFree);
          discardRows.push([t.name, label, `${(c.nsPerFree / 1000).toFixed(2)} µs`, String(c.discards), String(c.stale)]);
        }
      }
      const discardTable: Table = {
        columns: [{ label: 'device' }, { label: 'discard' }, { label: 'time per freed page', align: 'right' }, { label: 'discard calls', align: 'right' }, { label: 'stale slots after', align: 'right' }],
        rows: discardRows,
        caption: `${frees} stored 4 KiB pages freed in a random order, one invalidatePage each.`,
      };

      const headline = answer(cells, pool, immediate, invalidateNs);
      const runSeconds = (Date.now() - started) / 1000;
      data['runSeconds'] = runSeconds;
      const notes = [`The section took ${Math.round(runSeconds)} s.`];
      if (skipped.length) notes.push('Skipped: ' + skipped.join('; ') + '.');
      return sectionResult({
        name: 'device',
        title: 'The ordinary swap device (SwapDevice vs fio vs the pool)',
        headline,
        chart: { file: DEVICE_CHART_FILE, svg: deviceChart(cells, pool, reps), alt: '4 KiB random writes per second against queue depth: SwapDevice and fio per device, and the pool' },
        tables: [
          { table: grid },
          { title: 'Freeing: invalidatePage per discard policy', table: discardTable },
        ],
        notes,
        data,
      });
    } finally {
      const problems = teardown();
      if (problems.length) ctx.progress?.write(`device: restore problems: ${problems.join('; ')}\n`);
    }
  },
};

/** The answer at the top, in plain words from the figures. */
function answer(cells: DeviceCell[], pool: Map<number, { write: DirCell; read: DirCell }>, immediate: Map<string, number>, invalidateNs: number): string {
  const us = (perSecond: number): string => `${(1e6 / perSecond).toFixed(2)} µs`;
  const four = cells.filter((c) => c.pageSize === 4096);
  const poolSync = pool.get(1)!;
  const fastest = four.filter((c) => c.depth === 1).sort((a, b) => b.write.perSecond.median - a.write.perSecond.median)[0]!;
  const blockCost = 1e6 / fastest.write.perSecond.median - 1e6 / poolSync.write.perSecond.median;
  const bestAsync = four.filter((c) => c.depth > 1).sort((a, b) => b.write.perSecond.median - a.write.perSecond.median)[0]!;
  const beats = bestAsync.write.perSecond.median > poolSync.write.perSecond.median;
  const discardText = [...immediate].map(([n, ns]) => `${(ns / 1000).toFixed(1)} µs on ${n}`).join(', ');
  const ratios = four
    .filter((c) => c.write.fio && c.read.fio && c.target !== 'file' && (c.depth === 1 || c.depth === 32))
    .map((c) => `${c.target} QD ${c.depth} ${(c.write.perSecond.median / c.write.fio!.iops.median).toFixed(2)}× / ${(c.read.perSecond.median / c.read.fio!.iops.median).toFixed(2)}×`);
  return (
    `A 4 KiB store through the block layer costs ${us(fastest.write.perSecond.median)} on the fastest device here (${fastest.target}, sync) against ${us(poolSync.write.perSecond.median)} for frontswap's copy into the pool: ${blockCost.toFixed(2)} µs more per page. ` +
    `The asynchronous device (best: ${bestAsync.target} at queue depth ${bestAsync.depth}, ${kiloSpread(bestAsync.write.perSecond)} stores/s) ${beats ? 'beats' : 'does not beat'} synchronous frontswap (${kiloSpread(poolSync.write.perSecond)} stores/s). ` +
    `Freeing a slot with an immediate discard costs ${discardText}, against ${invalidateNs.toFixed(0)} ns for frontswap's invalidate.` +
    (ratios.length ? ` Against fio on the same device, 4 KiB (writes / reads): ${ratios.join('; ')}.` : '')
  );
}
