/**
 * `faults`: an application's own memory swapped to frontswap through
 * userfaultfd. Four workloads (uniform, zipfian θ = 0.99, sequential, sorting a
 * Float64Array) at 25 / 50 / 75 % resident, each with sync eviction, async
 * eviction and async + readahead, every run checked against the checksum of
 * the same workload on ordinary memory; the bare UFFDIO_COPY floor in the same
 * run; and the kernel on the same workload in a memory cgroup, swapping to zram
 * and then to zswap (in front of a swap file), when the run may change the
 * machine (root, no swap in use).
 */
import * as nodeFs from 'node:fs';
import { userfaultfdAvailable } from '../../lib/index';
import type { BenchSection, SectionResult, SectionRunContext } from '../section';
import { stat } from '../report/stats';
import { floorRep, type FloorRep } from './floor';
import { kernelRig, type KernelRig, type KernelRun, type KernelSwap } from './kernel-run';
import { MODES, plainRun, READAHEAD, regionRun, type ModeName, type RegionRun } from './region-run';
import { isFaultsV1, upgradeFaultsV1 } from './data-v1';
import { renderFaults, type FaultsData, type CellData, type KernelCell } from './render';
import { WORKLOADS, type WorkloadName } from './workloads';

export const RESIDENT_PERCENTS = [25, 50, 75] as const;

function progress(ctx: SectionRunContext, line: string): void {
  ctx.progress?.write(`\r\x1b[Kfaults: ${line}`);
}

interface KernelAcc {
  runs: KernelRun[];
  error: string | null;
  kills: number;
}

/** One repetition in the cgroup child. An OOM kill is the kernel's answer to a tight budget now and then: counted, and tried again (three times at most). */
async function kernelRep(rig: KernelRig, acc: KernelAcc, workload: WorkloadName, pages: number, resident: number): Promise<void> {
  for (let attempt = 0; !acc.error && attempt < 3; attempt++) {
    try {
      acc.runs.push(await rig.run(workload, pages, resident, 1));
      return;
    } catch (e) {
      acc.kills++;
      if (attempt === 2) acc.error = (e as Error).message;
    }
  }
}

function kernelCell(acc: KernelAcc, expected: number): KernelCell | null {
  if (!acc.runs.length && !acc.error) return null;
  const s = (f: (k: KernelRun) => number) => stat(acc.runs.map(f));
  return {
    wallMs: s((k) => k.wallMs),
    majorFaults: s((k) => k.majorFaults),
    pswpin: s((k) => k.pswpin),
    pswpout: s((k) => k.pswpout),
    zswpin: s((k) => k.zswpin),
    zswpout: s((k) => k.zswpout),
    checksumsOk: acc.runs.every((k) => k.checksum === expected),
    error: acc.error,
    kills: acc.kills,
  };
}

function openRig(swap: KernelSwap, bytes: number, ctx: SectionRunContext, skipped: FaultsData['kernelSkipped']): KernelRig | null {
  if (process.getuid?.() !== 0) {
    skipped[swap] = `needs root (a memory cgroup and ${swap === 'zram' ? 'a zram swap device' : 'zswap in front of a swap file'})`;
    return null;
  }
  try {
    return kernelRig(swap, bytes, ctx.allowSwapInUse);
  } catch (e) {
    skipped[swap] = (e as Error).message;
    return null;
  }
}

async function measure(ctx: SectionRunContext): Promise<FaultsData> {
  const pages = ctx.quick ? 1024 : 4096;
  const reps = ctx.repetitions ?? (ctx.quick ? 3 : 5);
  const kernelSkipped: FaultsData['kernelSkipped'] = {};
  const kernels: FaultsData['kernel'] = {};
  const cells: CellData[] = [];
  const floor: { bare: FloorRep[]; frontswap: FloorRep[] } = { bare: [], frontswap: [] };
  const restoreProblems: string[] = [];
  const expected = new Map<WorkloadName, number>();
  // zram swap runs beside ours (its rig also gives the SwapDevice modes their zram
  // device); zswap is global and sits in front of every swap device, so its
  // runs come after, with zram gone.
  const zram = openRig('zram', pages * 4096, ctx, kernelSkipped);
  try {
    if (zram) kernels.zram = { description: zram.description, cgroupVersion: zram.cgroupVersion };
    for (let r = 0; r < reps; r++) {
      progress(ctx, `floor, repetition ${r + 1}/${reps}`);
      // Alternate which goes first: a neighbour's burst hits both alike.
      const order: Array<'bare' | 'frontswap'> = r % 2 ? ['frontswap', 'bare'] : ['bare', 'frontswap'];
      for (const w of order) floor[w].push(floorRep(w, ctx.quick ? 4096 : 8192, r + 1));
    }
    for (const workload of WORKLOADS) {
      expected.set(workload, plainRun(workload, pages, 1).checksum);
      for (const percent of RESIDENT_PERCENTS) {
        const resident = Math.floor((pages * percent) / 100);
        const runs: Record<ModeName, RegionRun[]> = { sync: [], async: [], 'async+readahead': [], device: [], 'device+async': [] };
        const modes = MODES.filter((m) => !m.startsWith('device') || zram?.devicePath);
        const acc: KernelAcc = { runs: [], error: null, kills: 0 };
        const plainMs: number[] = [];
        for (let r = 0; r < reps; r++) {
          progress(ctx, `${workload} at ${percent}% resident, repetition ${r + 1}/${reps}`);
          plainMs.push(plainRun(workload, pages, 1).wallMs);
          for (let i = 0; i < modes.length; i++) {
            const mode = modes[(i + r) % modes.length]!;
            runs[mode].push(regionRun(workload, pages, resident, mode, 1, zram?.devicePath ?? undefined));
          }
          if (zram) await kernelRep(zram, acc, workload, pages, resident);
        }
        const k = kernelCell(acc, expected.get(workload)!);
        cells.push({
          workload,
          residentPercent: percent,
          residentPages: resident,
          expectedChecksum: expected.get(workload)!,
          plainMs: stat(plainMs),
          modes: Object.fromEntries(modes.map((m) => [m, summarize(runs[m], expected.get(workload)!)])) as CellData['modes'],
          kernel: k ? { zram: k } : {},
        });
      }
    }
  } finally {
    if (zram) restoreProblems.push(...zram.close());
    ctx.progress?.write('\r\x1b[K');
  }
  const zswap = openRig('zswap', pages * 4096, ctx, kernelSkipped);
  try {
    if (zswap) {
      kernels.zswap = { description: zswap.description, cgroupVersion: zswap.cgroupVersion };
      for (const c of cells) {
        const acc: KernelAcc = { runs: [], error: null, kills: 0 };
        for (let r = 0; r < reps; r++) {
          progress(ctx, `kernel with zswap: ${c.workload} at ${c.residentPercent}% resident, repetition ${r + 1}/${reps}`);
          await kernelRep(zswap, acc, c.workload, pages, c.residentPages);
        }
        const k = kernelCell(acc, c.expectedChecksum);
        if (k) c.kernel.zswap = k;
      }
    }
  } finally {
    if (zswap) restoreProblems.push(...zswap.close());
    ctx.progress?.write('\r\x1b[K');
  }
  return {
    pages,
    repetitions: reps,
    readahead: READAHEAD,
    floor: {
      bare: floorStats(floor.bare),
      frontswap: floorStats(floor.frontswap),
      ratioP50: stat(floor.frontswap.map((f, i) => f.appP50 / floor.bare[i]!.appP50)),
      ratioSameCpuP50: stat(sameCpuRatios(floor.bare, floor.frontswap)),
    },
    cells,
    kernel: kernels,
    kernelSkipped,
    pageIdleTracking: nodeFs.existsSync('/sys/kernel/mm/page_idle/bitmap'),
    restoreProblems,
  };
}

/** Per repetition, frontswap's p50 over bare's among the faults that stayed on one CPU (where both had some). */
function sameCpuRatios(bare: FloorRep[], ours: FloorRep[]): number[] {
  const r = ours.flatMap((f, i) => (f.sameCpuP50 > 0 && bare[i]!.sameCpuP50 > 0 ? [f.sameCpuP50 / bare[i]!.sameCpuP50] : []));
  return r.length ? r : [0];
}

function floorStats(reps: FloorRep[]): FaultsData['floor']['bare'] {
  const s = (f: (r: FloorRep) => number) => stat(reps.map(f));
  // A repetition with no fault of a kind has no p50 of it: left out, not counted as 0.
  const some = (f: (r: FloorRep) => number) => {
    const v = reps.map(f).filter((x) => x > 0);
    return stat(v.length ? v : [0]);
  };
  return {
    appP50: s((r) => r.appP50),
    appP99: s((r) => r.appP99),
    serviceP50: s((r) => r.serviceP50),
    crossShare: s((r) => r.crossShare),
    sameCpuP50: some((r) => r.sameCpuP50),
    crossCpuP50: some((r) => r.crossCpuP50),
  };
}

function summarize(runs: RegionRun[], expected: number): CellData['modes'][ModeName] {
  const s = (f: (r: RegionRun) => number) => stat(runs.map(f));
  return {
    wallMs: s((r) => r.wallMs),
    jsCpuMs: s((r) => r.jsCpuMs),
    reclaimCpuMs: s((r) => r.reclaimCpuMs + r.engineCpuMs),
    faults: s((r) => r.stats.faults),
    faultP50Ns: s((r) => r.stats.faultP50Ns),
    faultP99Ns: s((r) => r.stats.faultP99Ns),
    faultP999Ns: s((r) => r.stats.faultP999Ns),
    faultMaxNs: s((r) => r.stats.faultMaxNs),
    evictions: s((r) => r.stats.evictions),
    cleanDrops: s((r) => r.stats.cleanDrops),
    readaheadPages: s((r) => r.stats.readaheadPages),
    directReclaims: s((r) => r.stats.directReclaims),
    rejectedEvictions: s((r) => r.stats.rejectedEvictions),
    uringWrites: s((r) => r.stats.uringWrites),
    checksumsOk: runs.every((r) => r.checksum === expected),
  };
}

export const faultsSection: BenchSection = {
  name: 'faults',
  summary: 'real page faults: a SwapRegion (userfaultfd) over frontswap, sync vs async eviction, readahead, the UFFDIO_COPY floor, and the kernel (zram and zswap, memory cgroup) on the same workloads',
  render: (data) => renderFaults(isFaultsV1(data) ? upgradeFaultsV1(data) : (data as unknown as FaultsData)),
  async run(ctx: SectionRunContext): Promise<SectionResult> {
    const u = userfaultfdAvailable();
    if (!u.available) {
      return { name: 'faults', skipped: `needs userfaultfd: ${u.reason}`, headline: '', markdown: '', charts: [], data: {} };
    }
    const data = await measure(ctx);
    return renderFaults(data);
  },
};
