/**
 * The three kernel swap paths, each set up on its own with MachineChanges (so
 * it is undone after, also on a signal or a crash) and as the highest-priority
 * swap on the machine:
 *  - zswap: zswap on, in front of a swap file on disk (its shrinker off, so
 *    nothing is written back to the file while we measure);
 *  - zram: a zram device as the swap device, zswap off;
 *  - disk: the swap file alone, zswap off.
 * All three share one compressor where the kernel lets them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MachineChanges } from '../system/machine-changes';
import { cryptoCompressors, firstAvailable, listZram, parseChoiceList, readZswap } from '../system/machine-probe';
import type { KernelPath } from './counters';

export const KERNEL_PATHS: readonly KernelPath[] = ['zswap', 'zram', 'disk'];

const hasZswap = (): boolean => readZswap().enabled !== undefined;
const hasZram = (): boolean => fs.existsSync('/sys/class/zram-control/hot_add');

/** The paths this kernel can offer, and for the others why not. */
export function availablePaths(): { paths: KernelPath[]; missing: string[] } {
  const missing: string[] = [];
  if (!hasZswap()) missing.push('zswap: this kernel has no zswap (CONFIG_ZSWAP)');
  if (!hasZram()) missing.push('zram: this kernel has no zram (CONFIG_ZRAM, /sys/class/zram-control)');
  return { paths: KERNEL_PATHS.filter((p) => (p === 'zswap' ? hasZswap() : p === 'zram' ? hasZram() : true)), missing };
}

/** Preferred compressors, fastest first: lz4 where offered, else what the kernel has. */
const PREFERRED = ['lz4', 'lzo-rle', 'lzo', 'zstd', 'deflate'];
/** Highest swap priority: our device takes the pages even if others have swap on. */
export const OUR_PRIORITY = 32767;

export interface CompressorChoice {
  zswap: string | null;
  zram: string | null;
  /** Why these: "lz4 on both", "lzo on both (lz4 is not offered to zswap)", … */
  note: string;
}

/** What zram offers: from a zram device's comp_algorithm list (read-only), if any exists. */
function zramAlgorithms(): string[] {
  for (const z of listZram()) {
    try {
      return parseChoiceList(fs.readFileSync(`/sys/block/zram${z.id}/comp_algorithm`, 'utf8')).choices;
    } catch {
      // gone meanwhile: try the next
    }
  }
  return [];
}

export function chooseCompressors(): CompressorChoice {
  const zs = readZswap().compressor === undefined ? [] : cryptoCompressors();
  const zr = zramAlgorithms();
  const both = firstAvailable(PREFERRED, zs.filter((a) => zr.includes(a)));
  const why = zs.includes('lz4') && zr.includes('lz4') ? '' : ` (this kernel does not offer lz4 to ${zs.includes('lz4') ? 'zram' : 'zswap'})`;
  if (both !== null) return { zswap: both, zram: both, note: `${both} on both${why}` };
  const a = firstAvailable(PREFERRED, zs);
  const b = firstAvailable(PREFERRED, zr);
  return { zswap: a, zram: b, note: `no compressor offered to both: zswap ${a ?? 'none'}, zram ${b ?? 'its default'}` };
}

export interface PathSetup {
  path: KernelPath;
  /** One line for the report: what the path is made of. */
  description: string;
  /** The swap device or file that receives the pages. */
  swapTarget: string;
  /** The memory cgroup the probe child runs in (its pages can be reclaimed from it). */
  cgroupDir: string;
  /** zram device, for its own statistics (zram path only). */
  zramId: number | null;
}

export interface PathSizes {
  /** Bytes of the probe region. */
  regionBytes: number;
}

/** Sets `p` up through `mc`; everything is undone by mc.restore(). */
export function setUpPath(mc: MachineChanges, p: KernelPath, sizes: PathSizes, compressors: CompressorChoice, workDir: string): PathSetup {
  const swapBytes = 2 * sizes.regionBytes + (32 << 20);
  const cgroupDir = mc.memoryCgroup(`frontswap-kernel-${process.pid}-${p}`, 4 * sizes.regionBytes + (512 << 20));
  if (p !== 'zswap' && hasZswap()) mc.setZswap({ enabled: false });
  if (p === 'zram') {
    const z = mc.zramDevice({ disksize: swapBytes, ...(compressors.zram === null ? {} : { algorithm: compressors.zram }) });
    mc.swapOn(z.path, OUR_PRIORITY);
    return { path: p, description: `zram (${z.algorithm}), ${z.path}, priority ${OUR_PRIORITY}; zswap off`, swapTarget: z.path, cgroupDir, zramId: z.id };
  }
  const file = path.join(workDir, `swapfile-${process.pid}-${p}`);
  mc.createFile(file, swapBytes);
  if (p === 'zswap') {
    if (compressors.zswap === null) throw new Error('zswap offers no compressor');
    mc.setZswap({ compressor: compressors.zswap, max_pool_percent: 20, accept_threshold_percent: 90, shrinker_enabled: false, enabled: true });
  }
  mc.swapOn(file, OUR_PRIORITY);
  const what = p === 'zswap' ? `zswap (${compressors.zswap}) in front of a swap file on disk` : 'a swap file on disk alone, zswap off';
  return { path: p, description: `${what}: ${file}, priority ${OUR_PRIORITY}`, swapTarget: file, cgroupDir, zramId: null };
}
