import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { addon } from '../lib/binding';
import { handleOf } from '../lib/page-pool';
import { sampleAsyncCell } from '../bench/run/async-cell';
import { closeBaselines, openBaselines, sampleBaseline } from '../bench/run/baselines';
import type { PoolPlan } from '../bench/run/plan';
import { openPool, windowKeys, type PoolBench } from '../bench/run/pool';
import { sampleSyncCell } from '../bench/run/sync-cell';

const MiB = 1024 * 1024;
const times = { sampleMs: 2, latencyMs: 0.5 };

function plan(temperature: 'hot' | 'cold', pageSize = 4096, bytes = 16 * MiB): PoolPlan {
  const pages = bytes / pageSize;
  return { pageSize, temperature, backingRequested: 'auto', pages, byteLength: bytes, role: 'sweep', cells: [], baselines: [] };
}

function logged(pb: PoolBench): NonNullable<PoolBench['log']> {
  pb.log = { flushed: [], walked: [] };
  return pb.log;
}

/** Every flush is followed by a walk of exactly the window it flushed, and that window names distinct pages. */
function flushesMatchWalks(pb: PoolBench, log: NonNullable<PoolBench['log']>): void {
  assert.ok(log.flushed.length > 0, 'a cold repetition flushes');
  let w = 0;
  for (const [start, count] of log.flushed) {
    while (w < log.walked.length && log.walked[w]![0] !== start) w++;
    assert.ok(w < log.walked.length, `the flushed window at ${start} is walked`);
    assert.deepEqual(log.walked[w], [start, count], 'the walk covers exactly the flushed window');
    if (start >= 0) assert.equal(new Set(windowKeys(pb, start, count)).size, count, 'distinct pages');
    w++;
  }
}

describe('cold repetitions flush exactly what they touch', () => {
  const open: PoolBench[] = [];
  after(() => {
    for (const pb of open) pb.pool.close();
  });
  const cold = (pageSize?: number, bytes?: number): PoolBench => {
    const pb = openPool(plan('cold', pageSize, bytes), 7, true);
    open.push(pb);
    return pb;
  };

  it('a cold pool flushes the lines of the given slots, and nothing outside the pool', () => {
    const pb = cold();
    const h = handleOf(pb.pool);
    assert.equal(h.flushPages(Uint32Array.of(0, 3, 9)), (3 * 4096) / 64);
    assert.equal(h.flushPages(new Uint32Array(0)), 0);
    assert.throws(() => h.flushPages(Uint32Array.of(pb.capacity)), { code: 'ERR_OUT_OF_RANGE' });
    assert.throws(() => h.flushPages([1] as unknown as Uint32Array), { code: 'ERR_INVALID_ARG' });
    const view = new Uint8Array(8 * 4096);
    const lines = addon.cache.flushView(view, 4096, Uint32Array.of(7));
    assert.ok(lines === 64 || lines === 65, `a page is 64 lines, 65 when it starts inside one: ${lines}`);
    assert.throws(() => addon.cache.flushView(view, 4096, Uint32Array.of(8)), { code: 'ERR_OUT_OF_RANGE' });
    assert.ok(['clflushopt', 'clflush', 'none'].includes(addon.cache.flushKind));
  });

  it('sync cells: the window flushed is the window stored', () => {
    const pb = cold();
    const log = logged(pb);
    for (let i = 0; i < 3; i++) sampleSyncCell(pb, 'store', 16, times);
    sampleSyncCell(pb, 'load', 1, times);
    flushesMatchWalks(pb, log);
  });

  it('async cells: the window flushed is the window submitted, at queue depth 1 and 4', async () => {
    const pb = cold();
    const log = logged(pb);
    await sampleAsyncCell(pb, 'store', { waitMode: 'spin', workers: 1 }, { batch: 16, depth: 1, source: 'registered' }, times);
    await sampleAsyncCell(pb, 'load', { waitMode: 'adaptive', workers: 1 }, { batch: 4, depth: 4, source: 'views' }, times);
    flushesMatchWalks(pb, log);
  });

  it('2 MiB pages: a window never holds more pages than the pool', () => {
    const pb = cold(2 * MiB, 16 * MiB);
    const log = logged(pb);
    sampleSyncCell(pb, 'store', 1, { sampleMs: 50, latencyMs: 0.5 });
    flushesMatchWalks(pb, log);
    assert.ok(log.flushed.every(([, n]) => n <= pb.capacity));
  });

  it('baselines: memcpy flushes the slots it walks, TypedArray.set the destination pages', async () => {
    const pb = cold();
    const log = logged(pb);
    const res = { dst: new ArrayBuffer(pb.pool.byteLength), jsWorker: null };
    const specs = [
      { name: 'memcpy' as const, op: 'store' as const, batch: 1 },
      { name: 'glibc-memcpy' as const, op: 'store' as const, batch: 1 },
      { name: 'typedarray-set' as const, op: 'store' as const, batch: 1 },
    ];
    const ctx = openBaselines(pb, res, specs, 3);
    try {
      for (const s of specs) await sampleBaseline(ctx, s, times);
    } finally {
      closeBaselines(ctx);
    }
    flushesMatchWalks(pb, log);
    assert.equal(log.flushed.length, 3);
  });

  it('a hot pool flushes nothing', () => {
    const pb = openPool(plan('hot'), 7, false);
    open.push(pb);
    const log = logged(pb);
    sampleSyncCell(pb, 'store', 4, times);
    assert.deepEqual(log.flushed, []);
  });
});
