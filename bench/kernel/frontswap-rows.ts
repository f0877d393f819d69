/**
 * Frontswap's own store and load of the same pages the kernel paths swap: the
 * same contents (the probe's fill), the same count, 4 KiB pool pages or 2 MiB
 * ones, synchronously and through the CopyEngine at batch 32. Each figure is
 * per 4 KiB of data, one clock pair over the whole region per pass.
 */
import { addon, type PageFill } from '../../lib/binding';
import { CopyEngine } from '../../lib/copy-engine';
import { Frontswap } from '../../lib/frontswap';
import { PagePool } from '../../lib/page-pool';
import { nowNs } from '../run/clock';
import { stat } from '../report/stats';
import type { Stat } from '../report/schema';

export const ENGINE_BATCH = 32;

export interface FrontswapCell {
  how: 'sync' | 'engine';
  fill: PageFill;
  huge: boolean;
  pages: number;
  /** The pool's page backing, as the kernel gave it. */
  backing: string;
  storeNsPerPage: Stat;
  loadNsPerPage: Stat;
}

const SMALL = 4096;
const HUGE = 2 << 20;

/** Measures sync and engine store/load of `pages` 4 KiB pages of `fill`; checks every page comes back intact. */
export async function measureFrontswap(fill: PageFill, huge: boolean, pages: number, reps: number, seed: number): Promise<FrontswapCell[]> {
  const pageSize = huge ? HUGE : SMALL;
  const count = (pages * SMALL) / pageSize;
  const src = new Uint8Array(pages * SMALL);
  addon.kernelProbe.fill(src, fill, seed, 0);
  const dst = new Uint8Array(src.length);
  const views = (buf: Uint8Array): Uint8Array[] => Array.from({ length: count }, (_, k) => buf.subarray(k * pageSize, (k + 1) * pageSize));
  const srcPages = views(src);
  const dstPages = views(dst);
  const pool = new PagePool({ pageSize, pages: count, backing: huge ? 'auto' : 'normal' });
  const engine = new CopyEngine({ workers: 1 });
  try {
    const sync = new Frontswap(pool);
    const afs = new Frontswap(pool, { engine });
    const srcId = engine.registerBuffer(src);
    const dstId = engine.registerBuffer(dst);
    const t = { sync: { store: [] as number[], load: [] as number[] }, engine: { store: [] as number[], load: [] as number[] } };
    // Checks the round trip, then keeps the times of a recorded repetition (r >= 0; r = -1 warms up).
    const record = (how: 'sync' | 'engine', r: number, storeNs: number, loadNs: number): void => {
      if (Buffer.compare(src, dst) !== 0) throw new Error('frontswap returned different bytes than it stored');
      dst.fill(0);
      if (r < 0) return;
      t[how].store.push(storeNs / pages);
      t[how].load.push(loadNs / pages);
    };
    for (let r = -1; r < reps; r++) {
      sync.init(0);
      let t0 = nowNs();
      for (let k = 0; k < count; k++) if (!sync.store(0, k, srcPages[k]!)) throw new Error('pool full');
      let t1 = nowNs();
      for (let k = 0; k < count; k++) sync.load(0, k, dstPages[k]!);
      const t2 = nowNs();
      sync.invalidateArea(0);
      record('sync', r, t1 - t0, t2 - t1);
      afs.init(0);
      t0 = nowNs();
      for (let k = 0; k < count; k += ENGINE_BATCH) {
        const b = afs.batch();
        for (let j = k; j < Math.min(count, k + ENGINE_BATCH); j++) b.storeFrom(0, j, srcId, j * pageSize);
        const ok = await b.submit();
        if (ok.includes(false)) throw new Error('pool full');
      }
      t1 = nowNs();
      for (let k = 0; k < count; k += ENGINE_BATCH) {
        const b = afs.batch();
        for (let j = k; j < Math.min(count, k + ENGINE_BATCH); j++) b.loadInto(0, j, dstId, j * pageSize);
        await b.submit();
      }
      const t3 = nowNs();
      afs.invalidateArea(0);
      record('engine', r, t1 - t0, t3 - t1);
    }
    return (['sync', 'engine'] as const).map((how) => ({
      how, fill, huge, pages, backing: pool.backing,
      storeNsPerPage: stat(t[how].store),
      loadNsPerPage: stat(t[how].load),
    }));
  } finally {
    await engine.close();
    pool.close();
  }
}
