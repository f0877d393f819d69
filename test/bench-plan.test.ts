import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cacheKnee, decideCache, streamStoresFor } from '../bench/run/cache';
import { parseBenchArgs, type RunOptions } from '../bench/run/options';
import { numaCrossing } from '../bench/run/numa';
import { estimateCellMs, estimatePlanMs, fitToBudget, MIN_REPETITIONS, MIN_SAMPLE_MS, planMemory, planRun, type CellSpec } from '../bench/run/plan';
import type { NumaNode } from '../lib/machine-info';

const MiB = 1024 * 1024;
const RATE = 5e6; // bytes per ms the estimates assume here

function opts(...args: string[]): RunOptions {
  const p = parseBenchArgs(args, { lastLevelCacheBytes: 32 * MiB, cpus: 3 });
  if (p.help) throw new Error('unexpected help');
  return p.options;
}

describe('planner: fitting a run to its budget', () => {
  it('a plan within its budget is left alone', () => {
    const o = opts('--quick', '--depths', '1', '--budget', '3600');
    const fit = fitToBudget(o, RATE);
    assert.deepEqual(fit.changes, []);
    assert.equal(fit.options, o);
    assert.equal(fit.estimateMs, fit.fittedEstimateMs);
    assert.equal(fit.estimateMs, estimatePlanMs(planRun(o), { o, bytesPerMs: RATE }));
  });

  it('an over-budget plan gets shorter samples first, and its estimate fits', () => {
    const o = opts('--depths', '1');
    const full = estimatePlanMs(planRun(o), { o, bytesPerMs: RATE });
    const budgetS = Math.ceil((full * 0.9) / 1000);
    const fit = fitToBudget({ ...o, budgetSeconds: budgetS }, RATE);
    assert.ok(fit.fittedEstimateMs <= budgetS * 1000, `${fit.fittedEstimateMs} ms fits ${budgetS} s`);
    assert.ok(fit.options.sampleMs < o.sampleMs && fit.options.sampleMs >= MIN_SAMPLE_MS);
    assert.equal(fit.options.repetitions, o.repetitions, 'repetitions are kept while the sample time can give');
    assert.match(fit.changes.join(), /sample time 25 → \d+ ms/);
    assert.equal(fit.estimateMs, full);
  });

  it('then fewer repetitions, never below the floor, and says when it still does not fit', () => {
    const o = { ...opts('--reps', '20', '--depths', '1'), budgetSeconds: 5 };
    const fit = fitToBudget(o, RATE);
    assert.equal(fit.options.sampleMs, MIN_SAMPLE_MS);
    assert.ok(fit.options.repetitions < 20 && fit.options.repetitions >= MIN_REPETITIONS);
    if (fit.fittedEstimateMs > 5000) assert.match(fit.changes.join(), /still over the 5 s budget/);
    // Each step only lowers the estimate.
    const mid = fitToBudget({ ...o, budgetSeconds: Math.ceil(fit.estimateMs / 2000) }, RATE);
    assert.ok(mid.fittedEstimateMs <= fit.estimateMs && fit.fittedEstimateMs <= mid.fittedEstimateMs);
  });

  it('a measured slowdown scales the estimate, and the fit accounts for it', () => {
    const o = { ...opts('--quick', '--depths', '1'), budgetSeconds: 3600 };
    const base = fitToBudget(o, RATE);
    const slow = fitToBudget(o, RATE, planRun, 3);
    assert.ok(Math.abs(slow.estimateMs - 3 * base.estimateMs) < 1e-6 * base.estimateMs);
    const tight = Math.ceil((base.estimateMs * 1.5) / 1000);
    assert.deepEqual(fitToBudget({ ...o, budgetSeconds: tight }, RATE).changes, []);
    const fitted = fitToBudget({ ...o, budgetSeconds: tight }, RATE, planRun, 3);
    assert.ok(fitted.changes.length > 0 && fitted.options.sampleMs < o.sampleMs);
    assert.ok(fitted.fittedEstimateMs <= tight * 1000 || /still over/.test(fitted.changes.join()));
  });

  it('--quick adds depth 8 only where the run fits its budget with it as planned', () => {
    const o = opts('--quick');
    const deeper = { ...o, depths: [1, 8], optionalDepths: [] };
    const withMs = estimatePlanMs(planRun(deeper), { o: deeper, bytesPerMs: RATE });
    const withoutMs = estimatePlanMs(planRun(o), { o, bytesPerMs: RATE });
    assert.ok(withMs > withoutMs, 'depth 8 costs time');
    const roomy = fitToBudget({ ...o, budgetSeconds: Math.ceil(withMs / 1000) }, RATE);
    assert.deepEqual(roomy.options.depths, [1, 8]);
    assert.deepEqual(roomy.options.optionalDepths, []);
    assert.equal(roomy.estimateMs, withMs);
    assert.match(roomy.changes.join(), /queue depth 8 added/);
    const tight = fitToBudget({ ...o, budgetSeconds: Math.floor(withMs / 1000) - 1 }, RATE);
    assert.deepEqual(tight.options.depths, [1]);
    assert.equal(tight.estimateMs, withoutMs, 'without it, the rest is fitted as before');
    assert.match(tight.changes.join(), /queue depth 8 left out/);
    // Depth 8 goes to the cold pools only.
    const hot = planRun(roomy.options).filter((p) => p.temperature === 'hot');
    assert.ok(hot.length > 0 && hot.every((p) => p.cells.every((c) => (c.depth ?? 1) === 1)));
  });

  it('a full run keeps depth 8 where shorter samples pay for it, never fewer repetitions', () => {
    const o = opts();
    assert.deepEqual(o.optionalDepths, [8]);
    const deeper = { ...o, depths: [1, 8], optionalDepths: [] };
    const withMs = estimatePlanMs(planRun(deeper), { o: deeper, bytesPerMs: RATE });
    // At the shortest samples with every repetition: any tighter and depth 8 would cost repetitions.
    const floor = fitToBudget({ ...deeper, budgetSeconds: 86400, sampleMs: MIN_SAMPLE_MS }, RATE).fittedEstimateMs;
    assert.ok(floor < withMs);
    const budgetS = Math.ceil((floor + withMs) / 2000);
    const kept = fitToBudget({ ...o, budgetSeconds: budgetS }, RATE);
    assert.deepEqual(kept.options.depths, [1, 8], 'over budget as planned, within it with shorter samples');
    assert.ok(kept.fittedEstimateMs <= budgetS * 1000 && kept.options.sampleMs < o.sampleMs);
    assert.equal(kept.options.repetitions, o.repetitions);
    assert.equal(kept.changes[0], 'queue depth 8 added: the budget allows it');
    const dropped = fitToBudget({ ...o, budgetSeconds: Math.floor(floor / 1000) - 1 }, RATE);
    assert.deepEqual(dropped.options.depths, [1]);
    assert.equal(dropped.options.repetitions, o.repetitions, 'without depth 8 it keeps its repetitions');
    assert.equal(dropped.changes[0], 'queue depth 8 left out: the run would not fit its budget with it');
  });

  it('a deeper queue holds at least `depth` batches per sample: the estimate grows by the batches beyond two', () => {
    const o = opts('--page-sizes', '2m', '--temps', 'hot', '--batches', '256');
    const p = planRun(o).find((x) => x.role === 'sweep')!;
    const batchMs = (256 * 2 * MiB) / RATE;
    assert.ok(batchMs * 2 > o.sampleMs, 'a batch longer than the sample time');
    const cell = (depth: number): CellSpec => ({ op: 'store', path: 'async', mode: { waitMode: 'spin', workers: 1 }, batch: 256, depth, source: 'registered' });
    const e = { o, bytesPerMs: RATE };
    assert.equal(estimateCellMs(p, cell(2), e), estimateCellMs(p, cell(1), e));
    assert.ok(Math.abs(estimateCellMs(p, cell(8), e) - estimateCellMs(p, cell(1), e) - 6 * batchMs) < 1e-6);
  });

  it('a faster machine estimates a shorter run', () => {
    const o = opts('--quick');
    const slow = estimatePlanMs(planRun(o), { o, bytesPerMs: 1e6 });
    const fast = estimatePlanMs(planRun(o), { o, bytesPerMs: 1e7 });
    assert.ok(fast < slow);
  });

  it('memory up front: the largest pool, the JS destination and the worker copier', () => {
    const o = opts();
    const m = planMemory(planRun(o));
    assert.equal(m.poolBytes, 256 * MiB);
    assert.equal(m.destinationBytes, 256 * MiB);
    assert.equal(m.workerBytes, 256 * MiB + 8 * MiB);
    assert.equal(m.peakBytes, m.poolBytes + m.destinationBytes + m.workerBytes);
    const bare = planMemory(planRun(opts('--baselines', 'memcpy')));
    assert.equal(bare.peakBytes, 256 * MiB);
  });
});

describe('cache evidence', () => {
  const pts = (ns: number[]) => ns.map((nsPerLoad, i) => ({ bytes: MiB << i, nsPerLoad }));

  it('the knee is the largest size under halfway from the fastest to the slowest load', () => {
    assert.equal(cacheKnee(pts([20, 22, 25, 30, 300, 400, 410])), 8 * MiB);
    assert.equal(cacheKnee(pts([20, 21, 22, 23])), null, 'no edge within the sizes probed');
    assert.equal(cacheKnee(pts([300, 310, 320, 900])), 4 * MiB);
  });

  it('decisions use the measured knee, else sysfs; hot pools never stream', () => {
    const measured = decideCache(480 * MiB, pts([20, 22, 25, 30, 35, 400, 410]));
    assert.equal(measured.sysfsLastLevelBytes, 480 * MiB);
    assert.equal(measured.measuredLastLevelBytes, 16 * MiB);
    assert.equal(measured.effectiveLastLevelBytes, 16 * MiB);
    assert.equal(streamStoresFor(measured, 'cold', 256 * MiB), true, 'a 256 MiB pool streams though sysfs says 480 MiB');
    assert.equal(streamStoresFor(measured, 'hot', 256 * MiB), false);
    assert.equal(streamStoresFor(measured, 'cold', 32 * MiB), false);
    const none = decideCache(32 * MiB, pts([20, 21, 22]));
    assert.equal(none.effectiveLastLevelBytes, 32 * MiB);
    assert.equal(streamStoresFor(none, 'cold', 128 * MiB), true);
    const nothing = decideCache(null, pts([20, 21]));
    assert.equal(streamStoresFor(nothing, 'cold', 1024 * MiB), false);
  });
});

describe('NUMA crossing: pool node × worker node', () => {
  const node = (id: number, cpuList: string | null, memTotalBytes: number | null = 8 * 2 ** 30): NumaNode => ({ id, cpuList, memTotalBytes });

  it('one node: the one pair, nothing crossed, and the report says so; the plan has no NUMA pools', () => {
    const one = numaCrossing([node(0, '0-1')], null);
    assert.deepEqual(one.pairs, [{ poolNode: 0, workerNode: 0, workerCpus: [0, 1] }]);
    assert.equal(one.crossing, false);
    assert.match(one.words, /^one NUMA node: no crossing measured/);
    assert.equal(planRun({ ...opts(), numaPairs: one.pairs }).filter((p) => p.role === 'numa').length, 0);
    // A machine that reports no nodes at all (no /sys/devices/system/node) is one node too.
    assert.match(numaCrossing([], null).words, /^one NUMA node/);
  });

  it('two nodes with CPUs and a memory-only one: every memory node × every CPU node', () => {
    const c = numaCrossing([node(1, '4-7'), node(0, '0-3'), node(2, '')], null);
    assert.equal(c.crossing, true);
    assert.deepEqual(
      c.pairs.map((x) => `${x.poolNode}>${x.workerNode}:${x.workerCpus.join('')}`),
      ['0>0:0123', '0>1:4567', '1>0:0123', '1>1:4567', '2>0:0123', '2>1:4567'],
    );
    assert.match(c.words, /3 NUMA nodes \(2 with CPUs, memory-only: 2\).*6 pairs \(2 local, 4 remote\)/);
  });

  it('workers only on CPUs the process may use; a node without memory is no pool node', () => {
    const c = numaCrossing([node(0, '0-3'), node(1, '4-7', 0)], [1, 2, 5]);
    assert.deepEqual(c.pairs, [
      { poolNode: 0, workerNode: 0, workerCpus: [1, 2] },
      { poolNode: 0, workerNode: 1, workerCpus: [5] },
    ]);
    const pinned = numaCrossing([node(0, '0-3'), node(1, '4-7')], [0, 1]);
    assert.deepEqual(pinned.pairs.map((x) => `${x.poolNode}>${x.workerNode}`), ['0>0', '1>0']);
    const none = numaCrossing([node(0, '0-3'), node(1, '4-7')], [9]);
    assert.deepEqual(none.pairs, []);
    assert.match(none.words, /no crossing measured/);
  });

  it('the plan: per page size of the subset and pool node, a bound pool whose async cells run once per worker node', () => {
    const pairs = numaCrossing([node(0, '0-1'), node(1, '2-3')], null).pairs;
    const o = { ...opts(), numaPairs: pairs };
    const numa = planRun(o).filter((p) => p.role === 'numa');
    const sub = o.backingSubset;
    assert.deepEqual(numa.map((p) => `${p.pageSize}/${p.temperature}/node${p.numaNode}`), ['4096/cold/node0', '4096/cold/node1', '2097152/cold/node0', '2097152/cold/node1']);
    for (const p of numa) {
      assert.equal(p.baselines.length, 0);
      assert.ok(p.cells.every((c) => c.path === 'async'), 'the caller is not pinned: no sync cells');
      assert.equal(p.cells.length, 2 * sub.ops.length * sub.asyncModes.length * sub.batchSizes.length);
      for (const w of [0, 1]) {
        const mine = p.cells.filter((c) => c.workerNode === w);
        assert.deepEqual(mine.map((c) => c.batch), sub.batchSizes);
        assert.ok(mine.every((c) => c.cpus!.join() === (w === 0 ? '0,1' : '2,3') && c.depth === 1));
      }
    }
    assert.ok(estimatePlanMs(planRun(o), { o, bytesPerMs: RATE }) > estimatePlanMs(planRun(opts()), { o, bytesPerMs: RATE }), 'the crossing is in the estimate');
  });
});
