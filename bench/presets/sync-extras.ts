/**
 * The two bench:sync figures that are not copies, so the sweep has no cell for
 * them: invalidatePage on random keys, and the memory a stored page costs.
 * Timed like the sweep: many ops per clock read, one warm-up, then repetitions.
 */
import { Frontswap } from '../../lib/frontswap';
import { PagePool } from '../../lib/page-pool';
import { nowNs, rng } from '../run/clock';
import type { Stat } from '../report/schema';
import { stat } from '../report/stats';

/** ns per invalidatePage on random keys of `pages` stored pages, one value per repetition. */
export function measureInvalidate(pages: number, reps: number): Stat {
  const pool = new PagePool({ pageSize: 4096, pages });
  try {
    const fs = new Frontswap(pool);
    fs.init(0);
    const page = new Uint8Array(4096);
    const next = rng(3);
    const order = new Uint32Array(pages).map((_, i) => i);
    for (let i = pages - 1; i > 0; i--) {
      const j = next(i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const ns: number[] = [];
    for (let r = -1; r < reps; r++) {
      for (let k = 0; k < pages; k++) fs.store(0, k, page);  // untimed refill
      const t0 = nowNs();
      for (let i = 0; i < pages; i++) fs.invalidatePage(0, order[i]!);
      if (r >= 0) ns.push((nowNs() - t0) / pages);
    }
    return stat(ns);
  } finally {
    pool.close();
  }
}

/** Memory a stored page costs: pool metadata, key map, JS heap growth for `pages` stored pages. */
export function measureMemory(pages: number): { pages: number; metadataBytesPerPage: number; mapBytesPerStoredPage: number; heapGrowthBytes: number } {
  const heap0 = process.memoryUsage().heapUsed;
  const pool = new PagePool({ pageSize: 4096, pages });
  try {
    const fs = new Frontswap(pool);
    fs.init(0);
    const page = new Uint8Array(4096).fill(1);
    for (let k = 0; k < pages; k++) fs.store(0, k * 7919, page);
    const s = fs.stats();
    return {
      pages,
      metadataBytesPerPage: pool.memoryUsage().metadataBytes / pages,
      mapBytesPerStoredPage: s.mapBytes / s.storedPages,
      heapGrowthBytes: process.memoryUsage().heapUsed - heap0,
    };
  } finally {
    pool.close();
  }
}
