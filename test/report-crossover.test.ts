import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { asyncBeats, computeCrossovers, pickSyncReference } from '../bench/report/crossover';
import type { Cell, Crossover, Stat, WaitMode } from '../bench/report/schema';

/** A Stat with the median and a symmetric relative spread (q1/q3 = median ∓ spread). */
function st(median: number, spread = 0.02): Stat {
  const q1 = median * (1 - spread);
  const q3 = median * (1 + spread);
  return { median, q1, q3, min: q1 * 0.99, max: q3 * 1.01, values: [q1, median, q3] };
}

interface CellSpec {
  batch: number;
  gbps: number;
  cpu?: number;
  path?: 'sync' | 'async';
  waitMode?: WaitMode;
  workers?: number;
  pageSize?: number;
  temperature?: 'hot' | 'cold';
  spread?: number;
}

function cell(s: CellSpec): Cell {
  const path = s.path ?? 'async';
  const c: Cell = {
    op: 'store',
    pageSize: s.pageSize ?? 4096,
    temperature: s.temperature ?? 'cold',
    backing: 'thp',
    path,
    batch: s.batch,
    metrics: {
      gbps: st(s.gbps, s.spread),
      pagesPerSec: st((s.gbps * 1e9) / 4096),
      nsPerPage: st(4096 / s.gbps),
      callerCpuNsPerPage: st(s.cpu ?? 1000, s.spread),
    },
  };
  if (path === 'async') {
    c.waitMode = s.waitMode ?? 'adaptive';
    c.workers = s.workers ?? 1;
  }
  return c;
}

const BATCHES = [1, 4, 16, 64, 256];

/** Sync at every batch with the same figures. */
function syncCells(gbps: number, cpu = 1000, batches = BATCHES): Cell[] {
  return batches.map((batch) => cell({ path: 'sync', batch, gbps, cpu }));
}

/** Async cells from batch → gbps (and optionally cpu). */
function asyncCells(gbps: Record<number, number>, cpu: Record<number, number> = {}, extra: Partial<CellSpec> = {}): Cell[] {
  return Object.entries(gbps).map(([b, g]) => {
    const batch = Number(b);
    return cell({ ...extra, batch, gbps: g, cpu: cpu[batch] ?? 2000 });
  });
}

function only(list: Crossover[], metric: Crossover['metric']): Crossover {
  const found = list.filter((c) => c.metric === metric);
  assert.equal(found.length, 1, `one ${metric} crossover expected, got ${found.length}`);
  return found[0]!;
}

describe('computeCrossovers', () => {
  it('finds a clear crossover at 16, with the ratio there and a one-line note', () => {
    const cells = [...syncCells(5), ...asyncCells({ 1: 1, 4: 3, 16: 6, 64: 7, 256: 7.5 })];
    const c = only(computeCrossovers(cells), 'throughput');
    assert.equal(c.batch, 16);
    assert.ok(Math.abs(c.ratio - 1.2) < 1e-12);
    assert.equal(c.op, 'store');
    assert.equal(c.waitMode, 'adaptive');
    assert.equal(c.workers, 1);
    assert.equal(c.note, '4 KiB store, cold thp pool, adaptive ×1: async wins from batch 16 (1.20× sync throughput)');
    assert.ok(!c.note.includes('\n'));
  });

  it('says never when async never wins, with the ratio at the largest batch and the best one in the note', () => {
    const cells = [...syncCells(5), ...asyncCells({ 1: 0.5, 4: 1.5, 16: 3, 64: 4.6, 256: 4.1 })];
    const c = only(computeCrossovers(cells), 'throughput');
    assert.equal(c.batch, null);
    assert.ok(Math.abs(c.ratio - 4.1 / 5) < 1e-12, `ratio at 256 expected, got ${c.ratio}`);
    assert.match(c.note, /never wins throughput within batches 1–256 \(best 0\.92× at 64\)/);
  });

  it('needs the win to hold at every larger batch: wins at 4, loses at 64, wins from 128 → 128', () => {
    const cells = [
      ...syncCells(5, 1000, [1, 4, 16, 64, 128, 256]),
      ...asyncCells({ 1: 2, 4: 6, 16: 6.5, 64: 4, 128: 7, 256: 8 }),
    ];
    const c = only(computeCrossovers(cells), 'throughput');
    assert.equal(c.batch, 128);
    assert.ok(Math.abs(c.ratio - 7 / 5) < 1e-12);
  });

  it('does not count a higher median whose spread overlaps sync', () => {
    // 5.2 ± 5% reaches down to 4.94, below sync's q3 of 5.25.
    const cells = [
      ...BATCHES.map((batch) => cell({ path: 'sync', batch, gbps: 5, spread: 0.05 })),
      ...BATCHES.map((batch) => cell({ batch, gbps: 5.2, spread: 0.05 })),
    ];
    const c = only(computeCrossovers(cells), 'throughput');
    assert.equal(c.batch, null);
    assert.ok(c.ratio > 1, 'the medians alone would say async wins');
    // Tight spreads with the same medians do count.
    const tight = [
      ...BATCHES.map((batch) => cell({ path: 'sync', batch, gbps: 5, spread: 0.01 })),
      ...BATCHES.map((batch) => cell({ batch, gbps: 5.2, spread: 0.01 })),
    ];
    assert.equal(only(computeCrossovers(tight), 'throughput').batch, 1);
  });

  it('holds each async batch against the right sync reference', () => {
    // Sync measured at 1 (2 GB/s) and 64 (10 GB/s) only. Async 5 GB/s at 16 beats sync@1
    // (the largest batch ≤ 16), 9 GB/s at 64 loses to sync@64, 12 at 256 beats sync@64.
    const cells = [
      cell({ path: 'sync', batch: 1, gbps: 2 }),
      cell({ path: 'sync', batch: 64, gbps: 10 }),
      ...asyncCells({ 16: 5, 64: 9, 256: 12 }),
    ];
    const c = only(computeCrossovers(cells), 'throughput');
    assert.equal(c.batch, 256);
    assert.ok(Math.abs(c.ratio - 12 / 10) < 1e-12);

    // No sync batch ≤ 4: the smallest sync batch (16) is the reference.
    const above = [cell({ path: 'sync', batch: 16, gbps: 3 }), cell({ path: 'sync', batch: 64, gbps: 20 }), ...asyncCells({ 4: 4 })];
    const d = only(computeCrossovers(above), 'throughput');
    assert.equal(d.batch, 4);
    assert.ok(Math.abs(d.ratio - 4 / 3) < 1e-12);
  });

  it('pickSyncReference: same batch, else largest smaller, else smallest', () => {
    const sync = [cell({ path: 'sync', batch: 64, gbps: 1 }), cell({ path: 'sync', batch: 1, gbps: 1 }), cell({ path: 'sync', batch: 16, gbps: 1 })];
    assert.equal(pickSyncReference(sync, 16).batch, 16);
    assert.equal(pickSyncReference(sync, 32).batch, 16);
    assert.equal(pickSyncReference(sync, 4).batch, 1);
    assert.equal(pickSyncReference(sync, 1024).batch, 64);
    assert.equal(pickSyncReference(sync.slice(0, 1).concat(sync.slice(2)), 4).batch, 16);
    assert.throws(() => pickSyncReference([], 4), RangeError);
  });

  it('caller CPU is better lower: async wins when its q3 is below sync q1', () => {
    // Async loses throughput everywhere but takes less caller CPU from batch 4.
    const cells = [...syncCells(5, 900), ...asyncCells({ 1: 1, 4: 2, 16: 3, 64: 4, 256: 4.5 }, { 1: 1250, 4: 340, 16: 120, 64: 64, 256: 49 })];
    const list = computeCrossovers(cells);
    assert.equal(only(list, 'throughput').batch, null);
    const cpu = only(list, 'callerCpu');
    assert.equal(cpu.batch, 4);
    assert.ok(Math.abs(cpu.ratio - 340 / 900) < 1e-12);
    assert.match(cpu.note, /takes less caller CPU from batch 4 \(0\.38× sync caller CPU\)/);

    // More CPU than sync is never a caller-CPU win, however high the throughput.
    const worse = [...syncCells(5, 900), ...asyncCells({ 1: 50, 4: 50 }, { 1: 2000, 4: 1800 })];
    const w = computeCrossovers(worse);
    assert.equal(only(w, 'throughput').batch, 1);
    assert.equal(only(w, 'callerCpu').batch, null);
    assert.match(only(w, 'callerCpu').note, /never takes less caller CPU within batches 1–4 \(best 2\.00× at 4\)/);
  });

  it('asyncBeats uses the spread in the direction of each metric', () => {
    assert.equal(asyncBeats(st(6), st(5), 'throughput'), true);
    assert.equal(asyncBeats(st(5), st(6), 'throughput'), false);
    assert.equal(asyncBeats(st(5), st(6), 'callerCpu'), true);
    assert.equal(asyncBeats(st(6), st(5), 'callerCpu'), false);
    assert.equal(asyncBeats(st(5.05), st(5), 'throughput'), false);
  });

  it('one crossover per metric per engine setting; none without a sync reference', () => {
    const cells = [
      ...syncCells(5),
      ...asyncCells({ 1: 1, 256: 8 }),
      ...asyncCells({ 1: 1, 256: 8 }, {}, { waitMode: 'spin' }),
      ...asyncCells({ 1: 1, 256: 8 }, {}, { workers: 2 }),
      // No sync at 64 KiB, nor for the hot pool: skipped.
      ...asyncCells({ 1: 1, 256: 8 }, {}, { pageSize: 65536 }),
      ...asyncCells({ 1: 1, 256: 8 }, {}, { temperature: 'hot' }),
    ];
    const list = computeCrossovers(cells);
    assert.equal(list.length, 6);
    assert.deepEqual(
      list.map((c) => `${c.pageSize} ${c.temperature} ${c.waitMode}×${c.workers} ${c.metric}`),
      [
        '4096 cold adaptive×1 throughput',
        '4096 cold adaptive×1 callerCpu',
        '4096 cold spin×1 throughput',
        '4096 cold spin×1 callerCpu',
        '4096 cold adaptive×2 throughput',
        '4096 cold adaptive×2 callerCpu',
      ],
    );
    assert.equal(computeCrossovers(syncCells(5)).length, 0);
  });

  it('a single measured batch reads "within batch N"', () => {
    const c = only(computeCrossovers([...syncCells(5), ...asyncCells({ 64: 1 })]), 'throughput');
    assert.equal(c.batch, null);
    assert.match(c.note, /within batch 64 \(best 0\.20× at 64\)/);
  });
});
