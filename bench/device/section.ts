/**
 * The device section: the ordinary swap device from user space (SwapDevice)
 * against fio on the same device and against frontswap over the pool in the
 * same run, per page size and queue depth, and what freeing through discard
 * costs against frontswap's invalidate.
 */
import type { BenchSection, SectionResult, SectionRunContext } from '../section';
import { discardCost, fio, fioAvailable, ours, poolInvalidateNs, poolOps, spread, type OpRun, type Spread } from './measure';
import { renderDevice, sizeLabel, type DeviceCell, type DeviceGridRun, type DirCell } from './render';
import { setUp, teardown, type Target } from './targets';

/** One page size's part of the grid: slots per device and the depths it runs. */
interface Size {
  pageSize: number;
  pages: number;
  depths: readonly number[];
  /** 4 KiB carries the fio ratios: the most repetitions. */
  main: boolean;
}

const SIZES: readonly Size[] = [
  { pageSize: 4096, pages: 2048, depths: [1, 8, 32], main: true },
  { pageSize: 65536, pages: 256, depths: [1, 8, 32], main: false },
  // 32 slots of 2 MiB: a depth of 32 would reuse keys inside one pair of batches.
  { pageSize: 2 << 20, pages: 32, depths: [1, 8], main: false },
];
/** --quick: 4 KiB at QD 1 and 32 (the fio ratios), the larger pages at QD 8 only. */
const QUICK_DEPTHS: Record<number, readonly number[]> = { 4096: [1, 32], 65536: [8], [2 << 20]: [8] };
/** Bytes of each device: the largest size's slots. */
const DEVICE_BYTES = Math.max(...SIZES.map((s) => s.pageSize * s.pages));

interface Samples {
  runs: OpRun[];
  fio: { iops: number; p50Ns: number; p99Ns: number }[];
}

function dirCell(s: Samples): DirCell {
  const pick = (f: (r: OpRun) => number | null): Spread | null => {
    const v = s.runs.map(f).filter((x): x is number => x !== null);
    return v.length ? spread(v) : null;
  };
  return {
    perSecond: pick((r) => r.perSecond)!,
    callerCpuNs: pick((r) => r.callerCpuNs)!,
    p50Ns: pick((r) => r.p50Ns),
    p99Ns: pick((r) => r.p99Ns),
    fio: s.fio.length ? { iops: spread(s.fio.map((f) => f.iops)), p50Ns: spread(s.fio.map((f) => f.p50Ns)), p99Ns: spread(s.fio.map((f) => f.p99Ns)) } : null,
  };
}

export const deviceSection: BenchSection = {
  name: 'device',
  summary: 'SwapDevice (pread/pwrite, io_uring) vs fio and vs the pool on zram, a loop device and a file; 4 KiB–2 MiB, QD 1–32; discard costs',
  render: (data) => renderDevice(data),
  async run(ctx: SectionRunContext): Promise<SectionResult> {
    const reps = ctx.repetitions ?? (ctx.quick ? 2 : 5);
    const sideReps = ctx.repetitions ?? (ctx.quick ? 1 : 3);
    const seconds = ctx.quick ? 0.1 : 0.2;
    const fioSeconds = ctx.quick ? 0.15 : 0.25;
    // Larger pages: fewer repetitions, shorter cells (their spread is the bandwidth's, not the op rate's).
    const sideSeconds = ctx.quick ? 0.1 : 0.15;
    const sideFioSeconds = ctx.quick ? 0.15 : 0.2;
    const started = Date.now();
    const data: Record<string, unknown> = {};
    try {
      // Inside the try: a setup that fails halfway is undone too.
      const { targets, skipped } = setUp(DEVICE_BYTES);
      const haveFio = fioAvailable();
      if (!haveFio) skipped.push('fio is not installed: no baseline (apt-get install fio)');
      const cells: DeviceCell[] = [];
      const pool = new Map<number, { write: DirCell; read: DirCell }>();
      for (const size of SIZES) {
        // Larger pages skip the disk file where RAM-backed devices exist: the file's figures are the disk's.
        const on: Target[] = size.main || targets.length === 1 ? targets : targets.filter((t) => t.name !== 'file');
        const n = size.main ? reps : sideReps;
        const bytes = size.pageSize * size.pages;
        const depths = ctx.quick ? QUICK_DEPTHS[size.pageSize]! : size.depths;
        const key = (target: string, depth: number): string => `${target}/${depth}`;
        const samples = new Map<string, { write: Samples; read: Samples }>();
        const sample = (k: string): { write: Samples; read: Samples } => {
          const s = samples.get(k) ?? { write: { runs: [], fio: [] }, read: { runs: [], fio: [] } };
          samples.set(k, s);
          return s;
        };
        for (let r = 0; r < n; r++) {
          // One repetition visits every target and depth in turn, so machine noise spreads over all of them alike.
          ctx.progress?.write(`device: ${sizeLabel(size.pageSize)}, repetition ${r + 1}/${n}\n`);
          for (const depth of depths) {
            if (!size.main) continue;
            const p = await poolOps(size.pages, depth, seconds);
            const s = sample(key('pool', depth));
            s.write.runs.push(p.write);
            s.read.runs.push(p.read);
          }
          for (const t of on) {
            for (const depth of depths) {
              const o = await ours(t.path, size.pageSize, size.pages, depth, size.main ? seconds : sideSeconds);
              const s = sample(key(t.name, depth));
              s.write.runs.push(o.write);
              s.read.runs.push(o.read);
            }
            if (haveFio) {
              for (const [depth, f] of fio(t.path, bytes, size.pageSize, depths, size.main ? fioSeconds : sideFioSeconds)) {
                const s = sample(key(t.name, depth));
                s.write.fio.push(f.write);
                s.read.fio.push(f.read);
              }
            }
          }
        }
        for (const depth of depths) {
          const p = samples.get(key('pool', depth));
          if (p) pool.set(depth, { write: dirCell(p.write), read: dirCell(p.read) });
          for (const t of on) {
            const s = samples.get(key(t.name, depth))!;
            cells.push({ target: t.name, pageSize: size.pageSize, depth, reps: n, write: dirCell(s.write), read: dirCell(s.read) });
          }
        }
      }
      data['cells'] = cells;
      data['pool'] = Object.fromEntries([...pool].map(([d, c]) => [`qd${d}`, c]));

      const frees = 1024;
      data['pool-invalidate-ns'] = poolInvalidateNs(frees);
      for (const t of targets) {
        for (const [label, policy] of [['immediate', 'immediate'], ['batch 64', { batch: 64 }], ['none', 'none']] as const) {
          data[`${t.name}-discard-${label}`] = discardCost(t.path, frees, policy);
        }
      }
      const run: DeviceGridRun = {
        targets: targets.map((t) => t.name), reps, seconds, fioSeconds, sideReps, sideSeconds, sideFioSeconds, frees, skipped,
        runSeconds: (Date.now() - started) / 1000,
      };
      data['run'] = run;
      return renderDevice(data);
    } finally {
      const problems = teardown();
      if (problems.length) ctx.progress?.write(`device: restore problems: ${problems.join('; ')}\n`);
    }
  },
};

