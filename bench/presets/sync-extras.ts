/**
 * The two bench:sync figures that are not copies, so the sweep has no cell for
 * them: invalidatePage on random keys, and the memory a stored page costs.
 * Timed like the sweep: many ops per clock read, one warm-up, then repetitions.
 */
import { Frontswap } from '../../lib/frontswap';
import { PagePool } from '../../lib/page-pool';
import { nowNs, rng } from '../run/clock';
import { stat } from '../report/stats';
import { fmt, type Line } from './preset';

const MiB = 1 << 20;

export function invalidateLine(pages: number, reps: number): Line {
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
    const s = stat(ns);
    return { what: `invalidatePage, random keys of ${pages} stored pages`, value: fmt(s, 0, ' ns'), target: '≤ 100 ns', ok: s.median <= 100 };
  } finally {
    pool.close();
  }
}

export function memoryLine(pages: number): Line {
  const heap0 = process.memoryUsage().heapUsed;
  const pool = new PagePool({ pageSize: 4096, pages });
  try {
    const fs = new Frontswap(pool);
    fs.init(0);
    const page = new Uint8Array(4096).fill(1);
    for (let k = 0; k < pages; k++) fs.store(0, k * 7919, page);
    const heapGrowth = process.memoryUsage().heapUsed - heap0;
    const perPage = pool.memoryUsage().metadataBytes / pages;
    const s = fs.stats();
    return {
      what: `memory, ${pages} pages of 4 KiB (${(pages * 4096) / MiB} MiB) stored`,
      value: `pool metadata ${perPage.toFixed(2)} B/page; key map ${(s.mapBytes / s.storedPages).toFixed(1)} B per stored page (8 B entries, 35–70% full); JS heap grew ${(heapGrowth / MiB).toFixed(2)} MiB`,
      target: 'pool ≤ 16 B/page',
      ok: perPage <= 16,
    };
  } finally {
    pool.close();
  }
}
