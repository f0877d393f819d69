/**
 * Passes of the kernel probe on one path: the same pages (content, page size)
 * out with MADV_PAGEOUT and back by first touch, with the counters that say
 * where they went and the device's own view while they were out.
 */
import * as fs from 'node:fs';
import { addon, type PageFill } from '../../lib/binding';
import { stat, quantile } from '../report/stats';
import type { Stat } from '../report/schema';
import { canonicalPath, readSwaps } from '../system/machine-probe';
import { judgePass, type KernelPath, type PassVerdict } from './counters';
import type { PathSetup } from './paths';

export const FILLS: readonly PageFill[] = ['random', 'text', 'zero'];

/** What the swap target held while the pages were out. */
export interface WhileOut {
  /** KiB used on our swap device or file (/proc/swaps). */
  swapUsedKiB: number;
  /** Bytes of original data and of compressed data, from zram's mm_stat or zswap's Zswapped / Zswap in /proc/meminfo. */
  originalBytes: number | null;
  compressedBytes: number | null;
}

export interface Pass {
  pageoutNsPerPage: number;
  faultInNsPerPage: number;
  touchP50: number;
  touchP99: number;
  touchMax: number;
  majorFaults: number;
  anonHugeKiB: number;
  reclaimRounds: number;
  intact: boolean;
  whileOut: WhileOut;
  verdict: PassVerdict;
}

export interface Cell {
  path: KernelPath;
  fill: PageFill;
  huge: boolean;
  pages: number;
  passes: Pass[];
  /** Figures over the matching passes only (null when none matched). */
  figures: {
    pageoutNsPerPage: Stat;
    faultInNsPerPage: Stat;
    touchP50: Stat;
    touchP99: Stat;
    touchMax: Stat;
    compressionRatio: number | null;
  } | null;
}

function meminfoKiB(field: string): number | null {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync('/proc/meminfo', 'utf8'));
  return m === null ? null : Number(m[1]);
}

/** zram mm_stat: orig_data_size, compr_data_size are its first two fields. */
function zramSizes(id: number): { orig: number; compr: number } | null {
  try {
    const f = fs.readFileSync(`/sys/block/zram${id}/mm_stat`, 'utf8').trim().split(/\s+/).map(Number);
    return { orig: f[0]!, compr: f[1]! };
  } catch {
    return null;
  }
}

function compressedView(setup: PathSetup): { orig: number; compr: number } | null {
  if (setup.zramId !== null) return zramSizes(setup.zramId);
  if (setup.path !== 'zswap') return null;
  const orig = meminfoKiB('Zswapped');
  const compr = meminfoKiB('Zswap');
  return orig === null || compr === null ? null : { orig: orig * 1024, compr: compr * 1024 };
}

function swapUsedKiB(target: string): number {
  const want = canonicalPath(target);
  return readSwaps().find((s) => s.path === want)?.usedKiB ?? 0;
}

export function runPass(setup: PathSetup, fill: PageFill, huge: boolean, pages: number, seed: number): Pass {
  const before = compressedView(setup);
  let whileOut: WhileOut = { swapUsedKiB: 0, originalBytes: null, compressedBytes: null };
  const r = addon.kernelProbe.run({
    pages, huge, fill, seed, cgroupDir: setup.cgroupDir,
    whileOut: () => {
      const now = compressedView(setup);
      whileOut = {
        swapUsedKiB: swapUsedKiB(setup.swapTarget),
        originalBytes: now === null || before === null ? null : now.orig - before.orig,
        compressedBytes: now === null || before === null ? null : now.compr - before.compr,
      };
    },
  });
  if (!r.ok) throw new Error(`kernel probe failed on ${setup.path}: ${r.error}`);
  const sorted = Array.from(r.touchNs).sort((a, b) => a - b);
  let sum = 0;
  for (const t of sorted) sum += t;
  const verdict = judgePass(setup.path, { ...r, pages });
  if (!r.intact) {
    verdict.match = false;
    verdict.why = `${verdict.why === null ? '' : `${verdict.why}; `}the pages came back with different contents`;
  }
  return {
    pageoutNsPerPage: r.pageoutNs / pages,
    faultInNsPerPage: sum / pages,
    touchP50: quantile(sorted, 0.5),
    touchP99: quantile(sorted, 0.99),
    touchMax: sorted[sorted.length - 1]!,
    majorFaults: r.afterTouch['pgmajfault']! - r.beforeTouch['pgmajfault']!,
    anonHugeKiB: r.anonHugeKiB,
    reclaimRounds: r.reclaimRounds,
    intact: r.intact,
    whileOut,
    verdict,
  };
}

export function summarize(path: KernelPath, fill: PageFill, huge: boolean, pages: number, passes: Pass[]): Cell {
  const ok = passes.filter((p) => p.verdict.match);
  const ratios = ok.map((p) => (p.whileOut.originalBytes !== null && p.whileOut.compressedBytes ? p.whileOut.originalBytes / p.whileOut.compressedBytes : Number.NaN))
    .filter((x) => Number.isFinite(x) && x > 0);
  return {
    path, fill, huge, pages, passes,
    figures: ok.length === 0 ? null : {
      pageoutNsPerPage: stat(ok.map((p) => p.pageoutNsPerPage)),
      faultInNsPerPage: stat(ok.map((p) => p.faultInNsPerPage)),
      touchP50: stat(ok.map((p) => p.touchP50)),
      touchP99: stat(ok.map((p) => p.touchP99)),
      touchMax: stat(ok.map((p) => p.touchMax)),
      compressionRatio: ratios.length === 0 ? null : stat(ratios).median,
    },
  };
}
