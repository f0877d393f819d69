/**
 * The user-space block path in the kernel table: the same pages stored to and
 * loaded from a SwapDevice on a zram device of this run's own (synchronous
 * pwrite/pread through O_DIRECT), beside the kernel's zram swap of them. Both
 * pay zram's compression; ours also pays a system call per page and the block
 * layer, but no page tables, swap cache or fault.
 */
import { addon, type PageFill } from '../../lib/binding';
import { Frontswap } from '../../lib/frontswap';
import { SwapDevice } from '../../lib/swap-device';
import { nowNs } from '../run/clock';
import { stat } from '../report/stats';
import { MachineChanges } from '../system/machine-changes';
import { FILLS } from './measure';
import type { ExtraRow } from './render';

const PAGE = 4096;

/** One row per page content: store and load of `pages` 4 KiB pages, per page, over `reps` repetitions (after a warm-up). */
export async function measureDeviceRows(pages: number, reps: number, algorithm: string | null, seed: number): Promise<ExtraRow[]> {
  const mc = MachineChanges.begin();
  const rows: ExtraRow[] = [];
  try {
    const zram = mc.zramDevice({ disksize: pages * PAGE + (16 << 20), ...(algorithm !== null ? { algorithm } : {}) });
    const src = new Uint8Array(pages * PAGE);
    const dst = new Uint8Array(src.length);
    for (const fill of FILLS) {
      addon.kernelProbe.fill(src, fill as PageFill, seed, 0);
      const device = new SwapDevice({ path: zram.path, pageSize: PAGE, pages, discard: 'none' });
      try {
        const fs = new Frontswap(device);
        const store: number[] = [];
        const load: number[] = [];
        for (let r = -1; r < reps; r++) {
          fs.init(0);
          const t0 = nowNs();
          for (let k = 0; k < pages; k++) if (!fs.store(0, k, src.subarray(k * PAGE, (k + 1) * PAGE))) throw new Error('SwapDevice full');
          const t1 = nowNs();
          for (let k = 0; k < pages; k++) fs.load(0, k, dst.subarray(k * PAGE, (k + 1) * PAGE));
          const t2 = nowNs();
          fs.invalidateArea(0);
          if (Buffer.compare(src, dst) !== 0) throw new Error('SwapDevice returned different bytes than it stored');
          dst.fill(0);
          if (r < 0) continue;
          store.push((t1 - t0) / pages);
          load.push((t2 - t1) / pages);
        }
        rows.push({
          label: 'SwapDevice on zram, sync (user-space block path)',
          fill,
          huge: false,
          outNsPerPage: stat(store),
          inNsPerPage: stat(load),
          note: `pwrite/pread with O_DIRECT on ${zram.path} (${zram.algorithm}); a system call and the block layer per page, no fault`,
        });
      } finally {
        device.close();
      }
    }
  } finally {
    mc.restore();
  }
  return rows;
}
