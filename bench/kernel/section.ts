/**
 * The kernel section of `frontswap bench`: zswap in front of a swap file, zram
 * as the swap device, and a swap file alone, measured on the same pages as
 * frontswap's own store and load. It changes the machine (swap devices, zswap,
 * zram, a memory cgroup, files) through MachineChanges, one path at a time,
 * each undone before the next; without root it says so in one line.
 */
import * as fs from 'node:fs';
import type { PageFill } from '../../lib/binding';
import { MachineLoad } from '../run/load';
import type { BenchSection, SectionResult, SectionRunContext } from '../section';
import { MachineChanges, refuseSwapInUse } from '../system/machine-changes';
import { readSwaps } from '../system/machine-probe';
import type { KernelPath } from './counters';
import { measureFrontswap, type FrontswapCell } from './frontswap-rows';
import { measureDeviceRows } from './device-rows';
import { FILLS, runPass, summarize, type Cell, type Pass } from './measure';
import { availablePaths, chooseCompressors, setUpPath, type PathSetup } from './paths';
import { CHART_FILE, chart, headline, renderKernelMarkdown, type ExtraRow, type KernelReport } from './render';

export const HOW_TO_RUN = 'run it as root: sudo npx frontswap bench --sections kernel (or: sudo node dist/bench/kernel/main.js)';

export interface KernelOptions {
  /** 4 KiB pages per pass (a multiple of 512). */
  pages: number;
  reps: number;
  /** Where swap files go: a disk filesystem (swapon refuses tmpfs). */
  workDir: string;
  /** Rows from other backends (SwapDevice on zram, …), measured by their own code. */
  extraRows?: () => Promise<ExtraRow[]>;
}

export function kernelOptions(ctx: SectionRunContext): KernelOptions {
  return {
    pages: ctx.quick ? 2048 : 16384,
    reps: ctx.repetitions ?? (ctx.quick ? 3 : 5),
    workDir: '/var/lib/frontswap',
  };
}

function skipped(why: string): SectionResult {
  return { name: 'kernel', skipped: why, headline: why, markdown: `## The kernel's own answers\n\n${why}\n`, charts: [], data: { skipped: why } };
}

/** Why the section cannot run here, or null. */
export function cannotRun(allowSwapInUse: boolean): string | null {
  if (process.platform !== 'linux') return 'kernel section skipped: Linux only';
  if (process.getuid?.() !== 0) return `kernel section skipped: it adds swap devices and zram and changes zswap, which needs root; ${HOW_TO_RUN}`;
  try {
    refuseSwapInUse(allowSwapInUse);
  } catch (e) {
    return `kernel section refused: ${(e as Error).message}`;
  }
  return null;
}

async function measurePath(p: KernelPath, o: KernelOptions, ctx: SectionRunContext, compressors: ReturnType<typeof chooseCompressors>): Promise<{ setup: PathSetup; cells: Cell[]; restoreProblems: string[] }> {
  fs.mkdirSync(o.workDir, { recursive: true });
  const mc = MachineChanges.begin();
  try {
    const setup = setUpPath(mc, p, { regionBytes: o.pages * 4096 }, compressors, o.workDir);
    ctx.progress?.write(`kernel: ${p} set up (${setup.description})\n`);
    const passes = new Map<string, Pass[]>();
    const key = (fill: PageFill, huge: boolean): string => `${fill}/${huge}`;
    // Repetitions outermost: a noisy moment hits every content and page size alike.
    for (let r = 0; r < o.reps; r++) {
      for (const huge of [false, true]) {
        for (const fill of FILLS) {
          const list = passes.get(key(fill, huge)) ?? [];
          list.push(runPass(setup, fill, huge, o.pages, r + 1));
          passes.set(key(fill, huge), list);
          // A pass blocks the event loop: let a pending SIGINT / SIGTERM run its restore now.
          await new Promise((resolve) => setImmediate(resolve));
        }
      }
      ctx.progress?.write(`kernel: ${p} pass ${r + 1}/${o.reps} done\n`);
    }
    const cells: Cell[] = [];
    for (const huge of [false, true]) for (const fill of FILLS) cells.push(summarize(p, fill, huge, o.pages, passes.get(key(fill, huge))!));
    return { setup, cells, restoreProblems: [] };
  } finally {
    const r = mc.restore();
    ctx.progress?.write(`kernel: ${p} undone (${r.restored.length} changes)\n`);
    if (r.problems.length > 0) throw new Error(`restoring after the ${p} path: ${r.problems.join('; ')}`);
  }
}

/** CPU jiffies of this process's reaped children (the probe children): cutime + cstime. */
function childJiffies(): number {
  const stat = fs.readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[13]) + Number(f[14]);
}

/** The share of the CPUs other processes kept busy, the probe children counted as ours. */
function othersLine(load: MachineLoad, startedMs: number, children0: number, cpus: number): string | null {
  const share = load.othersShare(cpus);
  const seconds = (Date.now() - startedMs) / 1000;
  if (share === null || seconds <= 0.5) return null;
  const others = Math.max(0, share - (childJiffies() - children0) / 100 / (seconds * cpus));
  const pct = `${(others * 100).toFixed(others < 0.1 ? 1 : 0)}%`;
  return others >= 0.05
    ? `Other processes kept ${pct} of the ${cpus} CPUs busy during this section (/proc/stat): every figure is disturbed; rerun on a quiet machine.`
    : `Other processes kept ${pct} of the ${cpus} CPUs busy during this section (/proc/stat).`;
}

export async function runKernelSection(ctx: SectionRunContext, o: KernelOptions = kernelOptions(ctx)): Promise<SectionResult> {
  const why = cannotRun(ctx.allowSwapInUse);
  if (why !== null) return skipped(why);
  const load = new MachineLoad();
  const startedMs = Date.now();
  const children0 = childJiffies();
  const { paths, missing } = availablePaths();
  const compressors = chooseCompressors();
  const others = readSwaps();
  const notes = [...missing];
  if (others.length > 0) {
    notes.push(`Other swap was active during the run (${others.map((s) => `${s.path}, priority ${s.priority}`).join('; ')}): ours had the highest priority, and the counters check the rest.`);
  }
  const cells: Cell[] = [];
  const described: Partial<Record<KernelPath, string>> = {};
  for (const p of paths) {
    const m = await measurePath(p, o, ctx, compressors);
    cells.push(...m.cells);
    described[p] = m.setup.description;
  }
  const frontswap: FrontswapCell[] = [];
  for (const huge of [false, true]) for (const fill of FILLS) frontswap.push(...await measureFrontswap(fill, huge, o.pages, o.reps, 1));
  ctx.progress?.write('kernel: frontswap rows done\n');
  // The user-space block path on the same pages: a SwapDevice on a zram device of its own.
  const extra = o.extraRows ? await o.extraRows() : await measureDeviceRows(o.pages, o.reps, compressors.zram, 1);
  ctx.progress?.write('kernel: SwapDevice rows done\n');
  const busy = othersLine(load, startedMs, children0, ctx.machine.cpu.onlineCpus ?? ctx.machine.cpu.cores);
  if (busy !== null) notes.push(busy);
  const rep: KernelReport = { cells, frontswap, extra, paths: described, compressorNote: compressors.note, notes };
  return renderKernelSection(JSON.parse(JSON.stringify({ pages: o.pages, reps: o.reps, compressors, ...rep })) as Record<string, unknown>);
}

/** The section from its data (as measured, or as report.json keeps it): a KernelReport plus how it was run. */
export function renderKernelSection(data: Record<string, unknown>): SectionResult {
  const rep: KernelReport = {
    cells: (data['cells'] ?? []) as KernelReport['cells'],
    frontswap: (data['frontswap'] ?? []) as KernelReport['frontswap'],
    extra: (data['extra'] ?? []) as KernelReport['extra'],
    paths: (data['paths'] ?? {}) as KernelReport['paths'],
    compressorNote: String(data['compressorNote'] ?? ''),
    notes: (data['notes'] ?? []) as string[],
  };
  return { name: 'kernel', skipped: null, headline: headline(rep), markdown: renderKernelMarkdown(rep), charts: [{ file: CHART_FILE, svg: chart(rep) }], data };
}

export const kernelSection: BenchSection = {
  name: 'kernel',
  summary: 'zswap (the hook), zram (the block device) and a swap file, on the same pages as frontswap (root; changes swap and restores it)',
  run: (ctx) => runKernelSection(ctx),
  render: (data) => renderKernelSection(data),
};
