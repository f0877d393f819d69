/**
 * The faults section in the report's language: the answer in a sentence, one
 * picture (time against residency, uniform workload), tables below.
 */
import type { Stat } from '../report/schema';
import { lineChart, type ChartSeries } from '../report/line-chart';
import { markdownTable, type Table, type TableCell } from '../report/table';
import { formatStat, outsideSpread, sig3 } from '../report/stats';
import type { SectionResult } from '../section';
import { KERNEL_SWAPS, type KernelSwap } from './kernel-run';
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
  /** Evictions written through io_uring (device+async). */
  uringWrites: Stat;
  checksumsOk: boolean;
}

/** The kernel on one cell's workload, one swap path. */
export interface KernelCell {
  wallMs: Stat;
  majorFaults: Stat;
  pswpin: Stat;
  pswpout: Stat;
  zswpin: Stat;
  zswpout: Stat;
  checksumsOk: boolean;
  /** Why the repetitions stopped (three OOM kills in a row), or null. */
  error: string | null;
  /** Cgroup children OOM-killed (each such repetition was tried again). */
  kills: number;
}

export interface CellData {
  workload: WorkloadName;
  residentPercent: number;
  residentPages: number;
  expectedChecksum: number;
  plainMs: Stat;
  /** 'device' only when the run could make a zram device. */
  modes: Partial<Record<ModeName, ModeData>> & Record<'sync' | 'async' | 'async+readahead', ModeData>;
  /** The kernel on the same workload, per swap path that ran. */
  kernel: Partial<Record<KernelSwap, KernelCell>>;
}

export interface FloorData {
  appP50: Stat;
  appP99: Stat;
  serviceP50: Stat;
  /** Share of faults whose fault thread served on another CPU than the application's (0..1); absent in reports that did not record placement. */
  crossShare?: Stat;
  /** App-side p50 of the faults that stayed on one CPU, and of those that crossed. */
  sameCpuP50?: Stat;
  crossCpuP50?: Stat;
}

export interface FaultsData {
  pages: number;
  repetitions: number;
  readahead: number;
  floor: {
    bare: FloorData;
    frontswap: FloorData;
    ratioP50: Stat;
    /** The same ratio among the faults that stayed on one CPU (0: no repetition had such faults in both). */
    ratioSameCpuP50?: Stat;
  };
  cells: CellData[];
  /** The kernel paths that ran, in the kernel section's words. */
  kernel: Partial<Record<KernelSwap, { description: string; cgroupVersion: 1 | 2 }>>;
  /** The paths that did not, and why. */
  kernelSkipped: Partial<Record<KernelSwap, string>>;
  /** /sys/kernel/mm/page_idle/bitmap exists (the only way user space could see reads of readahead pages). */
  /** Absent in reports written before it was checked. */
  pageIdleTracking?: boolean;
  restoreProblems: string[];
}

const us = (ns: number) => `${sig3(ns / 1000)} µs`;
const ms = (v: number) => sig3(v);
const MODE_LABEL: Record<ModeName, string> = {
  sync: 'frontswap, sync eviction',
  async: 'frontswap, async eviction',
  'async+readahead': 'frontswap, async + readahead',
  device: 'frontswap over a SwapDevice (zram), sync',
  'device+async': 'frontswap over a SwapDevice (zram), async (io_uring)',
};
const SWAP_LABEL: Record<KernelSwap, string> = { zram: 'zram', zswap: 'zswap + swap file' };

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
    const k = KERNEL_SWAPS.flatMap((sw) => {
      const x = u.kernel[sw];
      return x && x.wallMs.values.length ? [`${ms(x.wallMs.median)} ms swapping to ${SWAP_LABEL[sw]} (${sig3(x.majorFaults.median)} major faults)`] : [];
    });
    if (k.length) parts.push(`The kernel, on the same workload in a memory cgroup, took ${k.join(' and ')}.`);
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
  KERNEL_SWAPS.forEach((sw, i) => {
    const k = uniform.flatMap((c) => {
      const x = c.kernel[sw];
      return x && x.wallMs.values.length ? [{ x: c.residentPercent, y: x.wallMs.median, lo: x.wallMs.q1, hi: x.wallMs.q3 }] : [];
    });
    if (k.length) series.push({ label: `kernel, ${SWAP_LABEL[sw]} in a memory cgroup`, color: i === 0 ? 3 : 5, points: k });
  });
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
    for (const sw of KERNEL_SWAPS) {
      const k = c.kernel[sw];
      if (!k) continue;
      const runs = k.wallMs.values.length;
      if (runs) {
        const note = (runs < d.repetitions ? ` (${runs} runs)` : '') + (k.kills ? `, ${k.kills} OOM kills` : '');
        const ins = sw === 'zswap' ? `${sig3(k.zswpin.median)} zswpin, ${sig3(k.pswpin.median)} pswpin` : `${sig3(k.pswpin.median)} pswpin`;
        const outs = sw === 'zswap' ? `${sig3(k.zswpout.median)} zswpout, ${sig3(k.pswpout.median)} pswpout` : `${sig3(k.pswpout.median)} pswpout`;
        rows.push([`${c.residentPercent}%`, `kernel, ${SWAP_LABEL[sw]}${note}`, formatStat(k.wallMs, ms), '', '', `${sig3(k.majorFaults.median)} major, ${ins}`, '', outs, '', '', k.checksumsOk ? 'ok' : 'WRONG']);
      }
      if (k.error) rows.push([`${c.residentPercent}%`, `kernel, ${SWAP_LABEL[sw]}`, k.error, ...blanks(8)]);
    }
    rows.push([`${c.residentPercent}%`, 'plain memory', formatStat(c.plainMs, ms), ...blanks(8)]);
  }
  return {
    columns: WORKLOAD_COLUMNS.map((label, i) => ({ label, align: i < 2 ? 'left' : 'right' })),
    rows,
    caption:
      'Medians [IQR] over repetitions; bold: faster than sync eviction outside the spread. Fault latency is the fault thread’s (fault read to page in place), median of the runs’ percentiles. ' +
      'Kernel: the child’s major faults (getrusage) and the pages swapped in and out (pswpin, pswpout; zswpin, zswpout for zswap: machine-wide, /proc/vmstat); the kernel swaps in with readahead into the swap cache, so most of its swap-ins are minor faults. ' +
      'Readahead: the pages it placed, and the faults it saved (compare faults with async eviction alone); how many of them were read before eviction is not counted (see below).',
  };
}

/** Where the slow faults come from: the share that crossed CPUs and what those cost. */
function crossCpuNote(d: FaultsData): string | null {
  const b = d.floor.bare, o = d.floor.frontswap;
  if (!b.crossShare || !o.crossShare || !b.sameCpuP50 || !b.crossCpuP50 || !o.sameCpuP50 || !o.crossCpuP50) return null;  // placement not recorded
  const pct = (v: number) => `${sig3(v * 100)}%`;
  const costs = (x: FloorData) => (x.crossCpuP50!.median > 0 && x.sameCpuP50!.median > 0 ? `${us(x.sameCpuP50!.median)} on one CPU against ${us(x.crossCpuP50!.median)} across` : 'no faults of one kind to compare');
  return (
    `Slow faults are placement, not frontswap: a fault is two wake-ups (the faulting thread’s to the fault thread, UFFDIO_COPY’s back), and when the two threads sit on different CPUs each is an inter-processor interrupt. ` +
    `Faults across CPUs: bare ${pct(b.crossShare.median)}, frontswap ${pct(o.crossShare.median)} (median share per repetition); p50 bare ${costs(b)}, frontswap ${costs(o)}. ` +
    'The scheduler usually wakes the fault thread on the faulting thread’s CPU; a repetition where it does not runs all its faults across, which moves the per-repetition ratio far more than frontswap’s own work does.'
  );
}

function floorCells(x: FloorData): string[] {
  const pct = (v: number) => `${sig3(v * 100)}%`;
  // 0: no repetition had such faults; absent: a report from before placement was recorded.
  const some = (v: Stat | undefined) => (v === undefined ? 'not recorded' : v.median > 0 ? formatStat(v, us) : '–');
  return [formatStat(x.appP50, us), formatStat(x.appP99, us), formatStat(x.serviceP50, us), x.crossShare ? formatStat(x.crossShare, pct) : 'not recorded', some(x.sameCpuP50), some(x.crossCpuP50)];
}

export function renderFaults(d: FaultsData): SectionResult {
  const f = d.floor;
  const floorTable: Table = {
    columns: [
      { label: 'fault served by' },
      { label: 'application p50', align: 'right' },
      { label: 'application p99', align: 'right' },
      { label: 'fault thread p50', align: 'right' },
      { label: 'faults across CPUs', align: 'right' },
      { label: 'p50 on one CPU', align: 'right' },
      { label: 'p50 across CPUs', align: 'right' },
    ],
    rows: [
      ['a prepared page (bare UFFDIO_COPY)', ...floorCells(f.bare)],
      ['frontswap (pool slot, sync eviction)', ...floorCells(f.frontswap)],
      ['ratio frontswap / bare (per repetition)', formatStat(f.ratioP50, sig3), '', '', '', f.ratioSameCpuP50 && f.ratioSameCpuP50.median > 0 ? formatStat(f.ratioSameCpuP50, sig3) : '', ''],
    ],
    caption:
      'Read faults on random pages of a region 16× its budget, timed natively around the access (faulting touches only: > 0.6 µs). Same fault thread, reclaimer and budget for both. ' +
      '“Across CPUs”: after the fault the application ran on another CPU than the one the fault thread served it on, so both wake-ups (the fault to the fault thread, UFFDIO_COPY back to the application) were cross-CPU; in a virtual machine each is an inter-processor interrupt through the hypervisor.',
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
      'Sync eviction copies on the reclaim thread (pwrite to a SwapDevice); async hands the copies to a copy engine of the region’s own, in batches of 32 — over a SwapDevice, each batch is one io_uring submission of writes, and a victim stays mapped until its write completes.',
    '',
    '### The userfaultfd floor',
    '',
    markdownTable(floorTable),
    '',
    ...(crossCpuNote(d) !== null ? [crossCpuNote(d)!, ''] : []),
  ];
  if (u && !(u.modes.async.wallMs.q3 < u.modes.sync.wallMs.q1)) {
    lines.push('### Why async eviction does not win at 25% resident here', '', whyNot(u), '');
  }
  for (const w of ['uniform', 'zipfian', 'sequential', 'sort'] as const) {
    lines.push(`### ${w === 'sort' ? 'Sorting a Float64Array of the whole working set' : w === 'zipfian' ? 'Zipfian touches (θ = 0.99)' : w === 'uniform' ? 'Uniform random touches' : 'Sequential scans (3 passes)'}`, '', markdownTable(workloadTable(d, w)), '');
  }
  const ran = KERNEL_SWAPS.filter((sw) => d.kernel[sw]);
  if (ran.length) {
    const v = d.kernel[ran[0]!]!.cgroupVersion;
    lines.push(
      `The kernel: a child process on a plain ArrayBuffer in a memory cgroup (v${v}) limited to its own baseline charge plus the budget, swapping to ` +
        ran.map((sw) => d.kernel[sw]!.description).join('; then to ') +
        ' (the kernel section’s own setup, restored afterwards; zswap’s runs come after all others, since zswap sits in front of every swap device). ' +
        'The limit covers the child’s whole charge, and reclaim can also drop the file pages in it (Node’s own code), so the kernel’s ArrayBuffer may keep more pages than the budget: compare its swap-ins (pswpin, zswpin) with our faults before its times. ' +
        'It swaps in through the swap cache with readahead, so many swap-ins cost it no major fault.',
      '',
    );
  }
  for (const sw of KERNEL_SWAPS) {
    const why = d.kernelSkipped[sw];
    if (why) lines.push(`The kernel comparison with ${SWAP_LABEL[sw]} did not run: ${why}.`, '');
  }
  lines.push(
    '**Readahead hits are not counted.** A read of a placed page raises no fault, so only the kernel’s accessed bit could tell a readahead page that was used from one evicted untouched. ' +
      'User space reads it only through idle page tracking (/sys/kernel/mm/page_idle/bitmap, CONFIG_IDLE_PAGE_TRACKING), which this kernel ' +
      (d.pageIdleTracking === undefined ? 'this report did not check for' : d.pageIdleTracking ? 'has, but the region does not use yet' : 'is built without') +
      '; PAGEMAP_SCAN (Linux 6.7+) reports written, present and swapped pages but no accessed one, and /proc/PID/smaps’ Referenced sums a whole mapping. The tables show the pages readahead placed and the faults it saved instead.',
    '',
  );
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
