/**
 * The device section: the ordinary swap device from user space (SwapDevice)
 * against fio on the same device and against frontswap over the pool in the
 * same run, and what freeing through discard costs against frontswap's invalidate.
 */
import type { BenchSection, SectionResult, SectionRunContext } from '../section';
import { discardCost, fio, fioAvailable, ours, poolInvalidateNs, poolOps, spread, type Spread } from './measure';
import { setUp, teardown } from './targets';

const PAGES = 16384;  // 64 MiB of 4 KiB slots
const DEPTHS = [1, 32] as const;

interface Cell {
  oursWrite: Spread;
  oursRead: Spread;
  fioWrite: Spread | null;
  fioRead: Spread | null;
}

function k(s: Spread): string {
  return `${Math.round(s.median / 1000)} K (${Math.round(s.q1 / 1000)}–${Math.round(s.q3 / 1000)})`;
}

function us(perSecond: number): string {
  return `${(1e6 / perSecond).toFixed(2)} µs`;
}

export const deviceSection: BenchSection = {
  name: 'device',
  summary: 'SwapDevice (pread/pwrite, io_uring) vs fio and vs the pool on zram, a loop device and a file; discard costs',
  async run(ctx: SectionRunContext): Promise<SectionResult> {
    const reps = ctx.repetitions ?? (ctx.quick ? 1 : 3);
    const seconds = ctx.quick ? 0.5 : 2;
    const fioSeconds = Math.max(1, Math.round(seconds));
    const bytes = PAGES * 4096;
    const { targets, skipped } = setUp(bytes);
    const haveFio = fioAvailable();
    if (!haveFio) skipped.push('fio is not installed: no baseline (apt-get install fio)');
    const data: Record<string, unknown> = {};
    try {
      const cells = new Map<string, Cell>();
      const pool = new Map<number, { write: Spread; read: Spread }>();
      for (const depth of DEPTHS) {
        const samples = new Map<string, number[][]>();  // key -> [ow, or, fw, fr]
        const pw: number[] = [], pr: number[] = [];
        for (let r = 0; r < reps; r++) {
          // One repetition visits every target in turn, so machine noise spreads over all of them alike.
          ctx.progress?.write(`device: QD ${depth}, repetition ${r + 1}/${reps}\n`);
          const p = await poolOps(PAGES, depth, seconds);
          pw.push(p.write);
          pr.push(p.read);
          for (const t of targets) {
            const s = samples.get(t.name) ?? [[], [], [], []];
            samples.set(t.name, s);
            const o = await ours(t.path, PAGES, depth, seconds);
            s[0]!.push(o.write);
            s[1]!.push(o.read);
            if (haveFio) {
              s[2]!.push(fio(t.path, bytes, 'randwrite', depth, fioSeconds));
              s[3]!.push(fio(t.path, bytes, 'randread', depth, fioSeconds));
            }
          }
        }
        pool.set(depth, { write: spread(pw), read: spread(pr) });
        data[`pool-qd${depth}`] = pool.get(depth);
        for (const [name, s] of samples) {
          const c: Cell = { oursWrite: spread(s[0]!), oursRead: spread(s[1]!), fioWrite: haveFio ? spread(s[2]!) : null, fioRead: haveFio ? spread(s[3]!) : null };
          cells.set(`${name}-${depth}`, c);
          data[`${name}-qd${depth}`] = c;
        }
      }

      const rows: string[] = [];
      const ratios: string[] = [];
      for (const depth of DEPTHS) {
        const p = pool.get(depth)!;
        rows.push(`| pool | ${depth === 1 ? '1 (sync copy)' : '32 (copy engine, batch 32)'} | ${k(p.write)} | | | ${k(p.read)} | | |`);
        for (const t of targets) {
          const c = cells.get(`${t.name}-${depth}`)!;
          const rw = c.fioWrite ? c.oursWrite.median / c.fioWrite.median : NaN;
          const rr = c.fioRead ? c.oursRead.median / c.fioRead.median : NaN;
          rows.push(`| ${t.name} | ${depth === 1 ? '1 (sync vs fio psync)' : '32 (io_uring vs fio io_uring)'} | ${k(c.oursWrite)} | ${c.fioWrite ? k(c.fioWrite) : '—'} | ${rw.toFixed(2)}× | ${k(c.oursRead)} | ${c.fioRead ? k(c.fioRead) : '—'} | ${rr.toFixed(2)}× |`);
          if (haveFio) ratios.push(`${t.name} QD ${depth} ${rw.toFixed(2)}× / ${rr.toFixed(2)}×`);
        }
      }

      const invalidateNs = poolInvalidateNs(4096);
      data['pool-invalidate-ns'] = invalidateNs;
      const discardRows: string[] = [`| pool | (invalidatePage) | ${(invalidateNs / 1000).toFixed(3)} µs | 0 | 0 |`];
      const immediate = new Map<string, number>();
      for (const t of targets) {
        for (const [label, policy] of [['immediate', 'immediate'], ['batch 64', { batch: 64 }], ['none', 'none']] as const) {
          const c = discardCost(t.path, 4096, policy);
          data[`${t.name}-discard-${label}`] = c;
          if (label === 'immediate') immediate.set(t.name, c.nsPerFree);
          discardRows.push(`| ${t.name} | ${label} | ${(c.nsPerFree / 1000).toFixed(2)} µs | ${c.discards} | ${c.stale} |`);
        }
      }

      // The answer, from the figures.
      const poolSync = pool.get(1)!;
      const fastest = targets.map((t) => ({ t, c: cells.get(`${t.name}-1`)! })).sort((a, b) => b.c.oursWrite.median - a.c.oursWrite.median)[0]!;
      const blockCost = 1e6 / fastest.c.oursWrite.median - 1e6 / poolSync.write.median;
      const bestAsync = targets
        .map((t) => ({ t, c: cells.get(`${t.name}-32`)! }))
        .sort((a, b) => b.c.oursWrite.median - a.c.oursWrite.median)[0]!;
      const beats = bestAsync.c.oursWrite.median > poolSync.write.median;
      const discardText = [...immediate].map(([n, ns]) => `${(ns / 1000).toFixed(1)} µs on ${n}`).join(', ');
      const headline =
        `A 4 KiB store through the block layer costs ${us(fastest.c.oursWrite.median)} on the fastest device here (${fastest.t.name}, sync) against ${us(poolSync.write.median)} for frontswap's copy into the pool: ${blockCost.toFixed(2)} µs more per page. ` +
        `The asynchronous device at queue depth 32 (${bestAsync.t.name}, ${k(bestAsync.c.oursWrite)} stores/s) ${beats ? 'beats' : 'does not beat'} synchronous frontswap (${k(poolSync.write)} stores/s). ` +
        `Freeing a slot with an immediate discard costs ${discardText}, against ${invalidateNs.toFixed(0)} ns for frontswap's invalidate.` +
        (ratios.length ? ` Against fio on the same device (write / read): ${ratios.join('; ')}.` : '');
      const markdown = [
        '## The ordinary swap device (SwapDevice vs fio vs the pool)',
        '',
        headline,
        '',
        `4 KiB random overwrites of stored keys and random loads, O_DIRECT, ${PAGES} slots; ${reps} repetition(s) of ${seconds} s per cell, every target visited in each; medians (IQR) in pages/s. ` +
          'Depth 32: two batches of 32 outstanding against a queue of 32 entries (fio: iodepth 32). Pages are incompressible.',
        '',
        '| device | queue depth | SwapDevice writes/s | fio writes/s | ratio | SwapDevice reads/s | fio reads/s | ratio |',
        '|---|---|---|---|---|---|---|---|',
        ...rows,
        '',
        '### Freeing: invalidatePage per discard policy (4096 random frees of stored pages)',
        '',
        '| device | discard | time per freed page | discard calls | stale slots after |',
        '|---|---|---|---|---|',
        ...discardRows,
        '',
        ...(skipped.length ? ['Skipped: ' + skipped.join('; ') + '.', ''] : []),
      ].join('\n');
      return { name: 'device', skipped: null, headline, markdown, charts: [], data };
    } finally {
      const problems = teardown();
      if (problems.length) ctx.progress?.write(`device: restore problems: ${problems.join('; ')}\n`);
    }
  },
};
