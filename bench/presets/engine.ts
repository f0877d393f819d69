/**
 * npm run bench:engine — the asynchronous copy engine against the synchronous
 * path and the naive async addon: a preset of the sweep runner (cold pool,
 * store), read back from its reports:
 *  - throughput of batched async stores (batch 64 with 16 in flight; batch 256
 *    with 8) per wait mode and worker count, vs sync stores, and vs one Promise
 *    per page through Napi::AsyncWorker (napi_async_work) with as many in flight;
 *  - CPU time the calling thread spends per page, vs TypedArray.prototype.set
 *    of the same pages (a fixed yardstick);
 *  - one op at a time (batch 1): submit to landed, p50 per wait mode, and the
 *    naive addon's one Promise at a time;
 *  - 2 MiB pages, batch 4 with 4 in flight: async vs sync;
 *  - plain views (batch.store of an ArrayBufferView per op, no registered
 *    buffer), batch 64 with 8 in flight: the calling thread's CPU per page
 *    against TypedArray.set of the same pages into a cold buffer, beside the
 *    same cells from a registered buffer.
 */
import type { Cell, Report, WaitMode } from '../report/schema';
import { baseline, cell, fmt, perRep, runPreset, sweep, type Line } from './preset';

const KiB = 1024;
const MiB = 1024 * KiB;
const MODES: { waitMode: WaitMode; workers: number }[] = [1, 2].flatMap((workers) =>
  (['sleep', 'spin', 'adaptive'] as WaitMode[]).map((waitMode) => ({ waitMode, workers })));

const name = (c: { waitMode?: WaitMode; workers?: number }) => `${c.waitMode} ×${c.workers}`;

function label(r: Report, pageSize: number): string {
  const p = r.pools.find((x) => x.pageSize === pageSize && x.temperature === 'cold')!;
  return `${pageSize >= MiB ? `${pageSize / MiB} MiB` : `${pageSize / KiB} KiB`} stores, pool ${p.byteLength / MiB} MiB (${p.backing})`;
}

function asyncCells(r: Report, pageSize: number, batch: number, maxWorkers = 2): Cell[] {
  return MODES.filter((m) => m.workers <= maxWorkers).map((m) => cell(r, { path: 'async', op: 'store', pageSize, batch, temperature: 'cold', ...m }));
}

/** Throughput vs sync, caller CPU vs TypedArray.set, and the naive addon with as many in flight. */
function throughput(r: Report, pageSize: number, batch: number, depth: number, syncTarget: (workers: number) => number): Line[] {
  const lines: Line[] = [];
  const what = label(r, pageSize);
  const sync = cell(r, { path: 'sync', op: 'store', pageSize, batch, temperature: 'cold' }).metrics;
  lines.push({ what: `${what}, sync`, value: `${fmt(sync.gbps, 2, ' GB/s')}, ${fmt(sync.pagesPerSec, 0, ' pages/s')}` });
  for (const c of asyncCells(r, pageSize, batch)) {
    const ratio = perRep(c.metrics.gbps, sync.gbps);
    const target = syncTarget(c.workers!);
    lines.push({
      what: `${what}, async batch ${batch} ×${depth} in flight, ${name(c)}`,
      value: `${fmt(c.metrics.gbps, 2, ' GB/s')}: ${fmt(ratio, 2, '×')} sync`,
      target: `≥ ${target}× sync`,
      ok: ratio.median >= target,
    });
  }
  if (pageSize !== 4 * KiB) return lines;
  const ta = baseline(r, { name: 'typedarray-set', op: 'store', pageSize, temperature: 'cold' }).metrics.nsPerPage;
  lines.push({ what: `${what}, TypedArray.set yardstick`, value: fmt(ta, 0, ' ns/page') });
  for (const c of asyncCells(r, pageSize, batch)) {
    const share = perRep(c.metrics.callerCpuNsPerPage, ta);
    lines.push({
      what: `${what}, batch ${batch}, calling-thread CPU per page, ${name(c)}`,
      value: `${fmt(c.metrics.callerCpuNsPerPage, 0, ' ns')}: ${fmt(share, 1, '%', 100)} of TypedArray.set`,
      target: '≤ 20%',
      ok: share.median <= 0.2,
    });
  }
  const naive = baseline(r, { name: 'naive-async', op: 'store', pageSize, batch, temperature: 'cold' }).metrics;
  lines.push({ what: `${what}, naive async (one Promise per page, Napi::AsyncWorker), ${batch} in flight`, value: fmt(naive.pagesPerSec, 0, ' pages/s') });
  for (const c of asyncCells(r, pageSize, batch)) {
    const x = perRep(c.metrics.pagesPerSec, naive.pagesPerSec);
    lines.push({ what: `${what}, batch ${batch}, ${name(c)} vs naive async`, value: `${fmt(x, 1, '×')} with ${batch} in flight each` });
  }
  return lines;
}

/** Batch 1, one at a time: submit → the copy landed (p50), and the naive addon awaited one at a time. */
function oneAtATime(r: Report): Line[] {
  const lines: Line[] = [];
  const naive = baseline(r, { name: 'naive-async', op: 'store', pageSize: 4 * KiB, batch: 1, temperature: 'cold' }).metrics;
  const naiveP50 = naive.lastLatencyP50Ns!;
  for (const c of asyncCells(r, 4 * KiB, 1, 1)) {
    const p50 = c.metrics.lastLatencyP50Ns!;
    const p99 = c.metrics.lastLatencyP99Ns!;
    const target = c.waitMode === 'sleep' ? '≤ naive async' : '≤ 3 µs';
    const ok = c.waitMode === 'sleep' ? p50.median <= naiveP50.median : p50.median <= 3000;
    lines.push({ what: `4 KiB, batch 1, submit → landed, ${name(c)}`, value: `p50 ${fmt(p50, 2, ' µs', 1e-3)}, p99 ${fmt(p99, 1, ' µs', 1e-3)}`, target, ok });
  }
  lines.push({
    what: '4 KiB, batch 1, naive async (Napi::AsyncWorker), one at a time',
    value: `p50 ${fmt(naiveP50, 2, ' µs', 1e-3)}, p99 ${fmt(naive.lastLatencyP99Ns!, 1, ' µs', 1e-3)}; ${fmt(naive.pagesPerSec, 0, ' pages/s')}`,
  });
  for (const c of asyncCells(r, 4 * KiB, 1, 1)) {
    const x = perRep(c.metrics.pagesPerSec, naive.pagesPerSec);
    lines.push({ what: `4 KiB, batch 1, ${name(c)} vs naive async`, value: `${fmt(x, 1, '×')} pages/s, one at a time each` });
  }
  return lines;
}

/** Batch 64, 8 in flight: calling-thread CPU per page from plain views (and from a registered buffer) against TypedArray.set. */
function plainViews(r: Report): Line[] {
  const lines: Line[] = [];
  const what = label(r, 4 * KiB);
  const ta = baseline(r, { name: 'typedarray-set', op: 'store', pageSize: 4 * KiB, temperature: 'cold' }).metrics.nsPerPage;
  lines.push({ what: `${what}, TypedArray.set into a cold buffer`, value: fmt(ta, 0, ' ns/page') });
  for (const source of ['views', 'registered'] as const) {
    for (const m of MODES.filter((x) => x.workers === 1)) {
      const q = { path: 'async', op: 'store', pageSize: 4 * KiB, batch: 64, depth: 8, temperature: 'cold', ...m } as const;
      const c = source === 'views' ? cell(r, { ...q, source }) : cell({ ...r, cells: r.cells.filter((x) => x.source === undefined) }, q);
      const share = perRep(c.metrics.callerCpuNsPerPage, ta);
      lines.push({
        what: `${what}, batch 64 × 8 in flight, ${source === 'views' ? 'plain views' : 'registered buffer'}, calling-thread CPU per page, ${name(c)}`,
        value: `${fmt(c.metrics.callerCpuNsPerPage, 0, ' ns')}: ${fmt(share, 1, '%', 100)} of TypedArray.set; ${fmt(c.metrics.gbps, 2, ' GB/s')}`,
        ...(source === 'views' ? { target: '≤ 20%', ok: share.median <= 0.2 } : {}),
      });
    }
  }
  return lines;
}

const reps = process.argv.includes('--quick') ? 5 : 9;
runPreset('bench:engine', reps, async (m, quick) => {
  const common = ['--temps', 'cold', '--ops', 'store', '--backings', 'auto', '--modes', 'sync,sleep,spin,adaptive',
    '--reps', String(reps), '--sample-ms', quick ? '10' : '25'];
  const both = [...common, '--workers', '1,2'];
  const b64 = await sweep([...both, '--page-sizes', '4k', '--batches', '64', '--depth', '16', '--baselines', 'typedarray-set,naive-async'], m);
  const b256 = await sweep([...both, '--page-sizes', '4k', '--batches', '256', '--depth', '8', '--baselines', 'typedarray-set,naive-async'], m);
  const huge = await sweep([...both, '--page-sizes', '2m', '--batches', '4', '--depth', '4', '--baselines', 'memcpy'], m);
  const one = await sweep([...common, '--page-sizes', '4k', '--batches', '1', '--depths', '1', '--workers', '1', '--baselines', 'naive-async'], m);
  const views = await sweep([...common, '--page-sizes', '4k', '--batches', '64', '--depths', '8', '--workers', '1', '--sources', 'views,registered',
    '--baselines', 'typedarray-set'], m);
  return [
    ...throughput(b64, 4 * KiB, 64, 16, (w) => (w === 1 ? 0.9 : 1.3)),
    ...throughput(b256, 4 * KiB, 256, 8, (w) => (w === 1 ? 0.9 : 1.3)),
    ...throughput(huge, 2 * MiB, 4, 4, () => 0.95),
    ...oneAtATime(one),
    ...plainViews(views),
  ];
});
