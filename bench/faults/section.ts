/**
 * `faults`: an application's own memory swapped to frontswap through
 * userfaultfd. Four workloads (uniform, zipfian θ = 0.99, sequential, sorting a
 * Float64Array) at 25 / 50 / 75 % resident, each with sync eviction, async
 * eviction and async + readahead, every run checked against the checksum of
 * the same workload on ordinary memory; the bare UFFDIO_COPY floor in the same
 * run; and the kernel on the same workload (zram swap, a memory cgroup), when
 * the run may change the machine (root, no swap in use).
 */
import { userfaultfdAvailable } from '../../lib/index';
import type { BenchSection, SectionResult, SectionRunContext } from '../section';
import { stat } from '../report/stats';
import { floorRep, type FloorRep } from './floor';
import { kernelRig, type KernelRig, type KernelRun } from './kernel-run';
import { MODES, plainRun, READAHEAD, regionRun, type ModeName, type RegionRun } from './region-run';
import { renderFaults, type FaultsData, type CellData } from './render';
import { WORKLOADS } from './workloads';

export const RESIDENT_PERCENTS = [25, 50, 75] as const;

function progress(ctx: SectionRunContext, line: string): void {
  ctx.progress?.write(`\r\x1b[Kfaults: ${line}`);
}

async function measure(ctx: SectionRunContext): Promise<FaultsData> {
  const pages = ctx.quick ? 1024 : 4096;
  const reps = ctx.repetitions ?? (ctx.quick ? 3 : 5);
  let kernel: KernelRig | null = null;
  let kernelSkipped: string | null = null;
  if (process.getuid?.() !== 0) kernelSkipped = 'needs root (a memory cgroup and a zram swap device)';
  else {
    try {
      kernel = kernelRig(pages * 4096, ctx.allowSwapInUse);
    } catch (e) {
      kernelSkipped = (e as Error).message;
    }
  }
  const cells: CellData[] = [];
  const floor: { bare: FloorRep[]; frontswap: FloorRep[] } = { bare: [], frontswap: [] };
  const restoreProblems: string[] = [];
  try {
    for (let r = 0; r < reps; r++) {
      progress(ctx, `floor, repetition ${r + 1}/${reps}`);
      // Alternate which goes first: a neighbour's burst hits both alike.
      const order: Array<'bare' | 'frontswap'> = r % 2 ? ['frontswap', 'bare'] : ['bare', 'frontswap'];
      for (const w of order) floor[w].push(floorRep(w, ctx.quick ? 4096 : 8192, r + 1));
    }
    for (const workload of WORKLOADS) {
      const expected = plainRun(workload, pages, 1);
      for (const percent of RESIDENT_PERCENTS) {
        const resident = Math.floor((pages * percent) / 100);
        const runs: Record<ModeName, RegionRun[]> = { sync: [], async: [], 'async+readahead': [], device: [] };
        const modes = MODES.filter((m) => m !== 'device' || kernel);
        const kernelRuns: KernelRun[] = [];
        const plainMs: number[] = [];
        let kernelError: string | null = null;
        let kernelKills = 0;
        for (let r = 0; r < reps; r++) {
          progress(ctx, `${workload} at ${percent}% resident, repetition ${r + 1}/${reps}`);
          plainMs.push(plainRun(workload, pages, 1).wallMs);
          for (let i = 0; i < modes.length; i++) {
            const mode = modes[(i + r) % modes.length]!;
            runs[mode].push(regionRun(workload, pages, resident, mode, 1, kernel?.devicePath));
          }
          // An OOM kill of the cgroup child is the kernel's answer to a tight budget
          // now and then: counted, and the repetition tried again (three times at most).
          for (let attempt = 0; kernel && !kernelError && attempt < 3; attempt++) {
            try {
              kernelRuns.push(await kernel.run(workload, pages, resident, 1));
              break;
            } catch (e) {
              kernelKills++;
              if (attempt === 2) kernelError = (e as Error).message;
            }
          }
        }
        cells.push({
          workload,
          residentPercent: percent,
          residentPages: resident,
          expectedChecksum: expected.checksum,
          plainMs: stat(plainMs),
          modes: Object.fromEntries(modes.map((m) => [m, summarize(runs[m], expected.checksum)])) as CellData['modes'],
          kernel: kernelRuns.length
            ? {
                wallMs: stat(kernelRuns.map((k) => k.wallMs)),
                majorFaults: stat(kernelRuns.map((k) => k.majorFaults)),
                pswpin: stat(kernelRuns.map((k) => k.pswpin)),
                pswpout: stat(kernelRuns.map((k) => k.pswpout)),
                checksumsOk: kernelRuns.every((k) => k.checksum === expected.checksum),
              }
            : null,
          kernelError,
          kernelKills,
        });
      }
    }
  } finally {
    if (kernel) restoreProblems.push(...kernel.close());
    ctx.progress?.write('\r\x1b[K');
  }
  return {
    pages,
    repetitions: reps,
    readahead: READAHEAD,
    floor: {
      bare: { appP50: stat(floor.bare.map((f) => f.appP50)), appP99: stat(floor.bare.map((f) => f.appP99)), serviceP50: stat(floor.bare.map((f) => f.serviceP50)) },
      frontswap: {
        appP50: stat(floor.frontswap.map((f) => f.appP50)),
        appP99: stat(floor.frontswap.map((f) => f.appP99)),
        serviceP50: stat(floor.frontswap.map((f) => f.serviceP50)),
      },
      ratioP50: stat(floor.frontswap.map((f, i) => f.appP50 / floor.bare[i]!.appP50)),
    },
    cells,
    kernel: kernel ? { swap: `zram (${kernel.algorithm})`, cgroupVersion: kernel.cgroupVersion, device: kernel.devicePath } : null,
    kernelSkipped,
    restoreProblems,
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
    checksumsOk: runs.every((r) => r.checksum === expected),
  };
}

export const faultsSection: BenchSection = {
  name: 'faults',
  summary: 'real page faults: a SwapRegion (userfaultfd) over frontswap, sync vs async eviction, readahead, the UFFDIO_COPY floor, and the kernel (zram, memory cgroup) on the same workloads',
  render: (data) => renderFaults(data as unknown as FaultsData),
  async run(ctx: SectionRunContext): Promise<SectionResult> {
    const u = userfaultfdAvailable();
    if (!u.available) {
      return { name: 'faults', skipped: `needs userfaultfd: ${u.reason}`, headline: '', markdown: '', charts: [], data: {} };
    }
    const data = await measure(ctx);
    return renderFaults(data);
  },
};
