/**
 * The device section: the ordinary swap device from user space (SwapDevice)
 * against fio on the same device and against frontswap over the pool in the
 * same run, and what freeing through discard costs against frontswap's invalidate.
 */
import type { BenchSection, SectionResult, SectionRunContext } from '../section';
import { discardCost, fio, fioAvailable, ours, poolInvalidateNs, poolOps, spread } from './measure';
import { DEPTHS, PAGES, renderDevice, type DeviceCell, type DeviceRun } from './render';
import { setUp, teardown } from './targets';

export const deviceSection: BenchSection = {
  name: 'device',
  summary: 'SwapDevice (pread/pwrite, io_uring) vs fio and vs the pool on zram, a loop device and a file; discard costs',
  render: (data) => renderDevice(data),
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
        data[`pool-qd${depth}`] = { write: spread(pw), read: spread(pr) };
        for (const [name, s] of samples) {
          const c: DeviceCell = { oursWrite: spread(s[0]!), oursRead: spread(s[1]!), fioWrite: haveFio ? spread(s[2]!) : null, fioRead: haveFio ? spread(s[3]!) : null };
          data[`${name}-qd${depth}`] = c;
        }
      }

      data['pool-invalidate-ns'] = poolInvalidateNs(4096);
      for (const t of targets) {
        for (const [label, policy] of [['immediate', 'immediate'], ['batch 64', { batch: 64 }], ['none', 'none']] as const) {
          data[`${t.name}-discard-${label}`] = discardCost(t.path, 4096, policy);
        }
      }
      const run: DeviceRun = { targets: targets.map((t) => t.name), repetitions: reps, seconds, fio: haveFio, skipped };
      data['run'] = run;
      return renderDevice(data);
    } finally {
      const problems = teardown();
      if (problems.length) ctx.progress?.write(`device: restore problems: ${problems.join('; ')}\n`);
    }
  },
};
