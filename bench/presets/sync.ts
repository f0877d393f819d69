/**
 * npm run bench:sync — the synchronous path against what a Node user would
 * write and against the native limit: a preset of the sweep runner
 * (`frontswap bench --modes sync --batches 1 ...`), read back from its report:
 *  - 4 KiB store and load to random pages vs TypedArray.prototype.set to the
 *    same random page positions of an equally large ArrayBuffer (hot and cold
 *    pool, the kernel's choice of backing and plain pages);
 *  - 2 MiB store and load vs the addon's native memcpy loop into the same pool;
 *  - invalidatePage, and memory per stored page (sync-extras.ts).
 */
import type { Op, PoolTemperature, Report } from '../report/schema';
import { baseline, cell, fmt, perRep, runPreset, sweep, type Line } from './preset';
import { invalidateLine, memoryLine } from './sync-extras';

const KiB = 1024;
const MiB = 1024 * KiB;

function where(r: Report, pageSize: number, t: PoolTemperature): string {
  const p = r.pools.find((x) => x.pageSize === pageSize && x.temperature === t)!;
  return `${t} pool (${p.byteLength / MiB} MiB, ${p.backing}${p.streamStores ? ', streaming stores' : ''})`;
}

/** 4 KiB sync store/load vs TypedArray.set, per pool temperature. */
function fourKiB(r: Report, temps: PoolTemperature[]): Line[] {
  const lines: Line[] = [];
  for (const temperature of temps) {
    for (const op of ['store', 'load'] as Op[]) {
      const ours = cell(r, { path: 'sync', op, pageSize: 4 * KiB, temperature }).metrics.nsPerPage;
      const ta = baseline(r, { name: 'typedarray-set', op, pageSize: 4 * KiB, temperature }).metrics.nsPerPage;
      const ratio = perRep(ours, ta);
      lines.push({
        what: `4 KiB ${op}, ${where(r, 4 * KiB, temperature)}`,
        value: `${fmt(ours, 0, ' ns')} vs TypedArray.set ${fmt(ta, 0, ' ns')}: ${fmt(ratio, 2, '×')}`,
        target: '≤ 1.3×',
        ok: ratio.median <= 1.3,
      });
    }
  }
  return lines;
}

function twoMiB(r: Report): Line[] {
  const lines: Line[] = [];
  for (const temperature of ['hot', 'cold'] as PoolTemperature[]) {
    for (const op of ['store', 'load'] as Op[]) {
      const ours = cell(r, { path: 'sync', op, pageSize: 2 * MiB, temperature }).metrics.gbps;
      const limit = baseline(r, { name: 'memcpy', op, pageSize: 2 * MiB, temperature }).metrics.gbps;
      const ratio = perRep(ours, limit);
      lines.push({
        what: `2 MiB ${op}, ${where(r, 2 * MiB, temperature)}`,
        value: `${fmt(ours, 2, ' GB/s')} vs native memcpy ${fmt(limit, 2, ' GB/s')}: ${fmt(ratio, 2, '×')}`,
        target: '≥ 0.9×',
        ok: ratio.median >= 0.9,
      });
    }
  }
  return lines;
}

const reps = process.argv.includes('--quick') ? 7 : 15;
runPreset('bench:sync', reps, async (m, quick) => {
  const common = ['--modes', 'sync', '--batches', '1', '--ops', 'store,load', '--reps', String(reps), '--sample-ms', quick ? '5' : '10'];
  const auto = await sweep([...common, '--page-sizes', '4k,2m', '--temps', 'hot,cold', '--backings', 'auto',
    '--baselines', 'typedarray-set,memcpy'], m);
  const normal = await sweep([...common, '--page-sizes', '4k', '--temps', 'cold', '--backings', 'normal', '--baselines', 'typedarray-set'], m);
  return [
    ...fourKiB(auto, ['hot', 'cold']),
    ...fourKiB(normal, ['cold']),
    ...twoMiB(auto),
    invalidateLine(65536, reps),
    memoryLine(65536),
  ];
});
