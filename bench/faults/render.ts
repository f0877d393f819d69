/**
 * The faults section in the report's language: the answer in a sentence, one
 * picture (time against residency, uniform workload), tables below.
 */
import type { Stat } from '../report/schema';
import { lineChart, type ChartSeries } from '../report/line-chart';
import { markdownTable, type Table, type TableCell } from '../report/table';
import { formatStat, outsideSpread, sig3 } from '../report/stats';
import type { SectionResult } from '../section';
import { MODES, type ModeName } from './region-run';
import type { WorkloadName } from './workloads';

export interface ModeData {
  wallMs: Stat;
  jsCpuMs: Stat;
  /** Reclaimer plus engine worker. */
  reclaimCpuMs: Stat;
  faults: Stat;
  faultP50Ns: Stat;
  faultP99Ns: Stat;
  faultP999Ns: Stat;
  faultMaxNs: Stat;
  evictions: Stat;
  cleanDrops: Stat;
  readaheadPages: Stat;
  directReclaims: Stat;
  rejectedEvictions: Stat;
  checksumsOk: boolean;
}

export interface CellData {
  workload: WorkloadName;
  residentPercent: number;
  residentPages: number;
  expectedChecksum: number;
  plainMs: Stat;
  /** 'device' only when the run could make a zram device. */
  modes: Partial<Record<ModeName, ModeData>> & Record<'sync' | 'async' | 'async+readahead', ModeData>;
  kernel: { wallMs: Stat; majorFaults: Stat; pswpin: Stat; pswpout: Stat; checksumsOk: boolean } | null;
  kernelError: string | null;
  /** Cgroup children OOM-killed (each such repetition was tried again). */
  kernelKills: number;
}

export interface FaultsData {
  pages: number;
  repetitions: number;
  readahead: number;
  floor: {
    bare: { appP50: Stat; appP99: Stat; serviceP50: Stat };
    frontswap: { appP50: Stat; appP99: Stat; serviceP50: Stat };
    ratioP50: Stat;
  };
  cells: CellData[];
  kernel: { swap: string; cgroupVersion: 1 | 2; device: string } | null;
  kernelSkipped: string | null;
  restoreProblems: string[];
}

const us = (ns: number) => `${sig3(ns / 1000)} µs`;
const ms = (v: number) => sig3(v);
const MODE_LABEL: Record<ModeName, string> = {
  sync: 'frontswap, sync eviction',
  async: 'frontswap, async eviction',
  'async+readahead': 'frontswap, async + readahead',
  device: 'frontswap over a SwapDevice (zram), sync',
};

function cell(d: FaultsData, w: WorkloadName, p: number): CellData | undefined {
  return d.cells.find((c) => c.workload === w && c.residentPercent === p);
}

function asyncVsSync(c: CellData): string {
  const s = c.modes.sync.wallMs, a = c.modes.async.wallMs;
  const r = a.median / s.median;
  const sig = outsideSpread(a, s) ? 'outside the spread' : 'within the spread';
  return `async eviction took ${ms(a.median)} ms against sync's ${ms(s.median)} ms (${sig3(r)}×, ${sig})`;
}

function whyNot(c: CellData): string {
  const perEviction = (m: ModeData) => (m.reclaimCpuMs.median * 1e6) / Math.max(1, m.evictions.median + m.cleanDrops.median);
  const s = c.modes.sync, a = c.modes.async;
  return (
    `Reclaim CPU per page freed: sync ${us(perEviction(s))}, async ${us(perEviction(a))} (reclaimer + engine worker). ` +
    `What the engine takes over is the 4 KiB copy; the write-protect and unmap of each victim (each a TLB flush) stay on the reclaimer, ` +
    `and every hand-off adds a thread to schedule on the same cores as the faulting thread. ` +
    `Direct reclaims (the fault thread evicting itself at the hard cap): sync ${sig3(s.directReclaims.median)}, async ${sig3(a.directReclaims.median)}.`
  );
}

export function headline(d: FaultsData): string {
  const f = d.floor;
  const parts = [
    `A fault served from frontswap costs ${us(f.frontswap.appP50.median)} at p50 as the application sees it, ` +
      `${sig3(f.ratioP50.median)}× a bare UFFDIO_COPY fault of a prepared page (${us(f.bare.appP50.median)}) in the same run.`,
  ];
  const u = cell(d, 'uniform', 25);
  if (u) {
    parts.push(`At 25% resident on uniform random touches, ${asyncVsSync(u)}.`);
    if (u.kernel) parts.push(`The kernel, swapping the same workload to ${d.kernel?.swap} in a memory cgroup, took ${ms(u.kernel.wallMs.median)} ms with ${sig3(u.kernel.majorFaults.median)} major faults.`);
  }
  return parts.join(' ');
}

function chart(d: FaultsData): string {
  const uniform = d.cells.filter((c) => c.workload === 'uniform');
  const series: ChartSeries[] = MODES.filter((m) => uniform.some((c) => c.modes[m])).map((m, i) => ({
    label: MODE_LABEL[m],
    color: i === 3 ? 4 : i,
    points: uniform.flatMap((c) => {
      const x = c.modes[m];
      return x ? [{ x: c.residentPercent, y: x.wallMs.median, lo: x.wallMs.q1, hi: x.wallMs.q3 }] : [];
    }),
  }));
  const k = d.cells.filter((c) => c.workload === 'uniform' && c.kernel);
  if (k.length) series.push({ label: `kernel, ${d.kernel?.swap} in a memory cgroup`, color: 3, points: k.map((c) => ({ x: c.residentPercent, y: c.kernel!.wallMs.median, lo: c.kernel!.wallMs.q1, hi: c.kernel!.wallMs.q3 })) });
  series.push({ label: 'plain memory (no swapping)', color: 6, points: d.cells.filter((c) => c.workload === 'uniform').map((c) => ({ x: c.residentPercent, y: c.plainMs.median })) });
  return lineChart({
    title: 'Uniform random touches: time against the resident budget',
    subtitle: `${d.pages} pages (${(d.pages * 4096) >> 20} MiB), ${d.pages * 8} touches; median and IQR of ${d.repetitions} runs`,
    xLabel: 'resident budget (% of the working set)',
    yLabel: 'workload time (ms)',
    xFormat: (v) => `${v}%`,
    yMin: 0,
    series,
  });
}

const WORKLOAD_COLUMNS = ['resident', 'memory', 'time ms', 'JS thread CPU ms', 'reclaim CPU ms', 'faults', 'fault p50 / p99 / p99.9', 'evictions', 'clean drops', 'readahead pages', 'checksum'];
const blanks = (n: number): string[] => new Array<string>(n).fill('');

function workloadTable(d: FaultsData, w: WorkloadName): Table {
  const rows: TableCell[][] = [];
  for (const c of d.cells.filter((x) => x.workload === w)) {
    for (const m of MODES) {
      const x = c.modes[m];
      if (!x) continue;
      const faster = m !== 'sync' && x.wallMs.q3 < c.modes.sync.wallMs.q1;
      rows.push([
        `${c.residentPercent}%`,
        MODE_LABEL[m],
        { text: formatStat(x.wallMs, ms), strong: faster },
        formatStat(x.jsCpuMs, ms),
        formatStat(x.reclaimCpuMs, ms),
        sig3(x.faults.median),
        `${us(x.faultP50Ns.median)} / ${us(x.faultP99Ns.median)} / ${us(x.faultP999Ns.median)}`,
        sig3(x.evictions.median),
        sig3(x.cleanDrops.median),
        sig3(x.readaheadPages.median),
        x.checksumsOk ? 'ok' : 'WRONG',
      ]);
    }
    if (c.kernel) {
      const runs = c.kernel.wallMs.values.length;
      const note = (runs < d.repetitions ? ` (${runs} runs)` : '') + (c.kernelKills ? `, ${c.kernelKills} OOM kills` : '');
      rows.push([`${c.residentPercent}%`, `kernel, ${d.kernel?.swap}${note}`, formatStat(c.kernel.wallMs, ms), '', '', `${sig3(c.kernel.majorFaults.median)} major, ${sig3(c.kernel.pswpin.median)} pswpin`, '', `${sig3(c.kernel.pswpout.median)} pswpout`, '', '', c.kernel.checksumsOk ? 'ok' : 'WRONG']);
    }
    if (c.kernelError) {
      rows.push([`${c.residentPercent}%`, 'kernel', c.kernelError, ...blanks(8)]);
    }
    rows.push([`${c.residentPercent}%`, 'plain memory', formatStat(c.plainMs, ms), ...blanks(8)]);
  }
  return {
    columns: WORKLOAD_COLUMNS.map((label, i) => ({ label, align: i < 2 ? 'left' : 'right' })),
    rows,
    caption:
      'Medians [IQR] over repetitions; bold: faster than sync eviction outside the spread. Fault latency is the fault thread’s (fault read to page in place), median of the runs’ percentiles. ' +
      'Kernel: the child’s major faults (getrusage) and the pages swapped in and out (pswpin, pswpout: machine-wide, /proc/vmstat); the kernel swaps in with readahead into the swap cache, so most of its swap-ins are minor faults.',
  };
}

export function renderFaults(d: FaultsData): SectionResult {
  const f = d.floor;
  const floorTable: Table = {
    columns: [{ label: 'fault served by' }, { label: 'application p50', align: 'right' }, { label: 'application p99', align: 'right' }, { label: 'fault thread p50', align: 'right' }],
    rows: [
      ['a prepared page (bare UFFDIO_COPY)', formatStat(f.bare.appP50, us), formatStat(f.bare.appP99, us), formatStat(f.bare.serviceP50, us)],
      ['frontswap (pool slot, sync eviction)', formatStat(f.frontswap.appP50, us), formatStat(f.frontswap.appP99, us), formatStat(f.frontswap.serviceP50, us)],
      ['ratio frontswap / bare (per repetition)', formatStat(f.ratioP50, sig3), '', ''],
    ],
    caption: 'Read faults on random pages of a region 16× its budget, timed natively around the access (faulting touches only: > 0.6 µs). Same fault thread, reclaimer and budget for both.',
  };
  const u = cell(d, 'uniform', 25);
  const lines = [
    '## Real page faults (SwapRegion over userfaultfd)',
    '',
    headline(d),
    '',
    '![time against the resident budget](faults-uniform.svg)',
    '',
    `Working set ${d.pages} pages (${(d.pages * 4096) >> 20} MiB) per workload; ${d.repetitions} repetitions; readahead ${d.readahead} pages. ` +
      'Victims: CLOCK whose reference bit is set by a page’s first write (user space gets no accessed bit from the kernel); clean pages that frontswap still holds are dropped without a store (userfaultfd write-protect). ' +
      'Sync eviction copies on the reclaim thread; async hands the copies to a copy engine of the region’s own, in batches of 32.',
    '',
    '### The userfaultfd floor',
    '',
    markdownTable(floorTable),
    '',
  ];
  if (u && !(u.modes.async.wallMs.q3 < u.modes.sync.wallMs.q1)) {
    lines.push('### Why async eviction does not win at 25% resident here', '', whyNot(u), '');
  }
  for (const w of ['uniform', 'zipfian', 'sequential', 'sort'] as const) {
    lines.push(`### ${w === 'sort' ? 'Sorting a Float64Array of the whole working set' : w === 'zipfian' ? 'Zipfian touches (θ = 0.99)' : w === 'uniform' ? 'Uniform random touches' : 'Sequential scans (3 passes)'}`, '', markdownTable(workloadTable(d, w)), '');
  }
  if (d.kernel) {
    lines.push(
      `The kernel: a child process on a plain ArrayBuffer in a memory cgroup (v${d.kernel.cgroupVersion}) limited to its own baseline charge plus the budget, swapping to ${d.kernel.swap} at priority 32767; restored afterwards. ` +
        'The limit covers the child’s whole charge, and reclaim can also drop the file pages in it (Node’s own code), so the kernel’s ArrayBuffer may keep more pages than the budget: compare its swap-ins (pswpin) with our faults before its times. ' +
        'It swaps in through the swap cache with readahead, so many swap-ins cost it no major fault.',
      '',
    );
  }
  else if (d.kernelSkipped) lines.push(`The kernel comparison did not run: ${d.kernelSkipped}.`, '');
  if (d.restoreProblems.length) lines.push(`Restoring the machine reported: ${d.restoreProblems.join('; ')}.`, '');
  return {
    name: 'faults',
    skipped: null,
    headline: headline(d),
    markdown: lines.join('\n'),
    charts: [{ file: 'faults-uniform.svg', svg: chart(d) }],
    data: d as unknown as Record<string, unknown>,
  };
}
