/**
 * The device section's words, tables and chart from its data alone, so the
 * section reads the same when measured and when `frontswap report` redraws it
 * from report.json (`sections.device`). Reports written before the grid over
 * page sizes and depths (keys `pool-qd<D>`, `<target>-qd<D>`) are drawn by
 * render-v1.ts.
 */
import type { SectionResult } from '../section';
import { sectionResult } from '../report/section-render';
import type { Table, TableCell } from '../report/table';
import { deviceChart, DEVICE_CHART_FILE } from './chart';
import type { DeviceCell, DirCell } from './cells';
import type { Spread } from './measure';
import { renderDeviceV1 } from './render-v1';

export type { DeviceCell, DirCell } from './cells';

/** How it was measured, recorded beside the figures. */
export interface DeviceGridRun {
  targets: string[];
  /** Repetitions and seconds per cell at 4 KiB (fio's own seconds beside), and at the larger pages. */
  reps: number;
  seconds: number;
  fioSeconds: number;
  sideReps: number;
  sideSeconds: number;
  sideFioSeconds: number;
  /** Stored pages freed per discard policy. */
  frees: number;
  skipped: string[];
  runSeconds: number;
}

export type PoolCells = Map<number, { write: DirCell; read: DirCell }>;

const DISCARD_LABELS = ['immediate', 'batch 64', 'none'] as const;

interface DiscardCost {
  nsPerFree: number;
  discards: number;
  stale: number;
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

export function renderDevice(data: Record<string, unknown>): SectionResult {
  if (!Array.isArray(data['cells'])) return renderDeviceV1(data);
  const cells = data['cells'] as DeviceCell[];
  const run = data['run'] as DeviceGridRun;
  const pool: PoolCells = new Map(Object.entries(data['pool'] as Record<string, { write: DirCell; read: DirCell }>).map(([k, c]) => [Number(k.replace(/^qd/, '')), c]));
  const sizes = [...new Set(cells.map((c) => c.pageSize))].sort((a, b) => a - b);
  const rows: TableCell[][] = [];
  for (const pageSize of sizes) {
    for (const depth of [...new Set(cells.filter((c) => c.pageSize === pageSize).map((c) => c.depth))]) {
      const p = pageSize === 4096 ? pool.get(depth) : undefined;
      if (p) rows.push(['pool', sizeLabel(pageSize), depth === 1 ? '1 (sync copy)' : `${depth} (copy engine, batch ${depth})`, ...dirCells(p.write), ...dirCells(p.read)]);
      for (const c of cells.filter((x) => x.pageSize === pageSize && x.depth === depth)) {
        rows.push([c.target, sizeLabel(c.pageSize), depthLabel(depth), ...dirCells(c.write), ...dirCells(c.read)]);
      }
    }
  }
  const grid: Table = {
    columns: [...GRID_COLUMNS],
    rows,
    caption:
      `Random overwrites of stored keys and random loads, O_DIRECT, incompressible pages; medians (IQR) in pages/s over ${run.reps} repetitions of ${run.seconds} s per cell at 4 KiB (fio ${run.fioSeconds} s), ${run.sideReps} of ${run.sideSeconds} s at larger pages (fio ${run.sideFioSeconds} s), every target and depth visited in each. ` +
      'Depth d > 1: two batches of d outstanding against a queue of d entries (fio: iodepth d). Bold ratio: at least 0.8× fio. ' +
      `Latency: sync, every ${8}th call timed from JS (the N-API call included); io_uring, submission to completion per I/O, timed natively; fio, its completion latency. Caller CPU: the JS thread's CPU time per page.`,
  };

  const invalidateNs = data['pool-invalidate-ns'] as number;
  const discardRows: TableCell[][] = [['pool', '(invalidatePage)', `${(invalidateNs / 1000).toFixed(3)} µs`, '0', '0']];
  const immediate = new Map<string, number>();
  for (const t of run.targets) {
    for (const label of DISCARD_LABELS) {
      const c = data[`${t}-discard-${label}`] as DiscardCost;
      if (label === 'immediate') immediate.set(t, c.nsPerFree);
      discardRows.push([t, label, `${(c.nsPerFree / 1000).toFixed(2)} µs`, String(c.discards), String(c.stale)]);
    }
  }
  const discardTable: Table = {
    columns: [{ label: 'device' }, { label: 'discard' }, { label: 'time per freed page', align: 'right' }, { label: 'discard calls', align: 'right' }, { label: 'stale slots after', align: 'right' }],
    rows: discardRows,
    caption: `${run.frees} stored 4 KiB pages freed in a random order, one invalidatePage each.`,
  };

  const notes = [`The section took ${Math.round(run.runSeconds)} s.`];
  if (run.skipped.length) notes.push('Skipped: ' + run.skipped.join('; ') + '.');
  return sectionResult({
    name: 'device',
    title: 'The ordinary swap device (SwapDevice vs fio vs the pool)',
    headline: answer(cells, pool, immediate, invalidateNs),
    chart: { file: DEVICE_CHART_FILE, svg: deviceChart(cells, pool, run.reps), alt: '4 KiB random writes per second against queue depth: SwapDevice and fio per device, and the pool' },
    tables: [
      { table: grid },
      { title: 'Freeing: invalidatePage per discard policy', table: discardTable },
    ],
    notes,
    data,
  });
}

/** The answer at the top, in plain words from the figures. */
function answer(cells: DeviceCell[], pool: PoolCells, immediate: Map<string, number>, invalidateNs: number): string {
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
