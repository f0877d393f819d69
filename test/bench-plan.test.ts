import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cacheKnee, decideCache, streamStoresFor } from '../bench/run/cache';
import { parseBenchArgs, type RunOptions } from '../bench/run/options';
import { estimatePlanMs, fitToBudget, MIN_REPETITIONS, MIN_SAMPLE_MS, planMemory, planRun } from '../bench/run/plan';

const MiB = 1024 * 1024;
const RATE = 5e6; // bytes per ms the estimates assume here

function opts(...args: string[]): RunOptions {
  const p = parseBenchArgs(args, { lastLevelCacheBytes: 32 * MiB, cpus: 3 });
  if (p.help) throw new Error('unexpected help');
  return p.options;
}

describe('planner: fitting a run to its budget', () => {
  it('a plan within its budget is left alone', () => {
    const o = opts('--quick', '--budget', '3600');
    const fit = fitToBudget(o, RATE);
    assert.deepEqual(fit.changes, []);
    assert.equal(fit.options, o);
    assert.equal(fit.estimateMs, fit.fittedEstimateMs);
    assert.equal(fit.estimateMs, estimatePlanMs(planRun(o), { o, bytesPerMs: RATE }));
  });

  it('an over-budget plan gets shorter samples first, and its estimate fits', () => {
    const o = opts();
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
    const o = { ...opts('--reps', '20'), budgetSeconds: 5 };
    const fit = fitToBudget(o, RATE);
    assert.equal(fit.options.sampleMs, MIN_SAMPLE_MS);
    assert.ok(fit.options.repetitions < 20 && fit.options.repetitions >= MIN_REPETITIONS);
    if (fit.fittedEstimateMs > 5000) assert.match(fit.changes.join(), /still over the 5 s budget/);
    // Each step only lowers the estimate.
    const mid = fitToBudget({ ...o, budgetSeconds: Math.ceil(fit.estimateMs / 2000) }, RATE);
    assert.ok(mid.fittedEstimateMs <= fit.estimateMs && fit.fittedEstimateMs <= mid.fittedEstimateMs);
  });

  it('a measured slowdown scales the estimate, and the fit accounts for it', () => {
    const o = { ...opts('--quick'), budgetSeconds: 3600 };
    const base = fitToBudget(o, RATE);
    const slow = fitToBudget(o, RATE, planRun, 3);
    assert.ok(Math.abs(slow.estimateMs - 3 * base.estimateMs) < 1e-6 * base.estimateMs);
    const tight = Math.ceil((base.estimateMs * 1.5) / 1000);
    assert.deepEqual(fitToBudget({ ...o, budgetSeconds: tight }, RATE).changes, []);
    const fitted = fitToBudget({ ...o, budgetSeconds: tight }, RATE, planRun, 3);
    assert.ok(fitted.changes.length > 0 && fitted.options.sampleMs < o.sampleMs);
    assert.ok(fitted.fittedEstimateMs <= tight * 1000 || /still over/.test(fitted.changes.join()));
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
