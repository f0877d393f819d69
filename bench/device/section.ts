/**
 * The device section: the ordinary swap device from user space (SwapDevice)
 * against fio on the same device, and what freeing through discard costs.
 */
import type { BenchSection, SectionResult, SectionRunContext } from '../section';
import { discardCost, fio, fioAvailable, ours, spread, type Spread } from './measure';
import { setUp, teardown } from './targets';

const PAGES = 16384;  // 64 MiB of 4 KiB slots

function cell(s: Spread): string {
  return `${Math.round(s.median / 1000)} K (IQR ${Math.round(s.q1 / 1000)}–${Math.round(s.q3 / 1000)} K)`;
}

export const deviceSection: BenchSection = {
  name: 'device',
  summary: 'SwapDevice (pread/pwrite, io_uring) vs fio on zram, a loop device and a file; discard costs',
  async run(ctx: SectionRunContext): Promise<SectionResult> {
    const reps = ctx.repetitions ?? (ctx.quick ? 1 : 3);
    const seconds = ctx.quick ? 0.5 : 2;
    const bytes = PAGES * 4096;
    const { targets, skipped } = setUp(bytes);
    const haveFio = fioAvailable();
    if (!haveFio) skipped.push('fio is not installed: no baseline (apt-get install fio)');
    const rows: string[] = [];
    const data: Record<string, unknown> = {};
    const ratios: string[] = [];
    try {
      for (const t of targets) {
        for (const depth of [1, 32]) {
          const ow: number[] = [], or: number[] = [], fw: number[] = [], fr: number[] = [];
          for (let r = 0; r < reps; r++) {
            ctx.progress?.write(`device: ${t.name} QD ${depth} rep ${r + 1}/${reps}\n`);
            const o = await ours(t.path, PAGES, depth, seconds);
            ow.push(o.write);
            or.push(o.read);
            if (haveFio) {
              fw.push(fio(t.path, bytes, 'randwrite', depth, Math.max(1, Math.round(seconds))));
              fr.push(fio(t.path, bytes, 'randread', depth, Math.max(1, Math.round(seconds))));
            }
          }
          const s = { oursWrite: spread(ow), oursRead: spread(or), fioWrite: haveFio ? spread(fw) : null, fioRead: haveFio ? spread(fr) : null };
          data[`${t.name}-qd${depth}`] = s;
          const rw = s.fioWrite ? s.oursWrite.median / s.fioWrite.median : NaN;
          const rr = s.fioRead ? s.oursRead.median / s.fioRead.median : NaN;
          const how = depth === 1 ? 'sync vs fio psync' : 'uring vs fio io_uring';
          rows.push(`| ${t.name} | ${depth} (${how}) | ${cell(s.oursWrite)} | ${s.fioWrite ? cell(s.fioWrite) : '—'} | ${rw.toFixed(2)}× | ${cell(s.oursRead)} | ${s.fioRead ? cell(s.fioRead) : '—'} | ${rr.toFixed(2)}× |`);
          ratios.push(`${t.name} QD ${depth}: ${rw.toFixed(2)}× / ${rr.toFixed(2)}×`);
        }
      }
      const discardRows: string[] = [];
      for (const t of targets) {
        for (const [label, policy] of [['immediate', 'immediate'], ['batch 64', { batch: 64 }], ['none', 'none']] as const) {
          const c = discardCost(t.path, 4096, policy);
          data[`${t.name}-discard-${label}`] = c;
          discardRows.push(`| ${t.name} | ${label} | ${(c.nsPerFree / 1000).toFixed(2)} µs | ${c.discards} | ${c.stale} |`);
        }
      }
      const headline = haveFio
        ? `SwapDevice reaches ${ratios.join('; ')} of fio's IOPS (write / read, 4 KiB random).`
        : 'SwapDevice IOPS measured; fio was not available for the baseline.';
      const markdown = [
        '## The ordinary swap device (SwapDevice vs fio)',
        '',
        headline,
        '',
        `4 KiB random writes (overwrites of stored keys) and reads, O_DIRECT, ${PAGES} slots, ${reps} repetition(s) of ${seconds} s; medians with IQR.`,
        '',
        '| device | queue depth | SwapDevice writes/s | fio writes/s | ratio | SwapDevice reads/s | fio reads/s | ratio |',
        '|---|---|---|---|---|---|---|---|',
        ...rows,
        '',
        '### Freeing: invalidatePage per discard policy (4096 random frees)',
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
