import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BenchUsageError, DEFAULT_REPETITIONS, QUICK_REPETITIONS, coldPoolBytes, defaultWorkerCounts, parseBenchArgs, parseSize, type RunOptions } from '../bench/run/options';
import { MIN_REPETITIONS, planRun } from '../bench/run/plan';
import { ALPHA, minimumP } from '../bench/report/significance';

const KiB = 1024;
const MiB = 1024 * KiB;
const ctx = { lastLevelCacheBytes: 32 * MiB, cpus: 3 };

function opts(...args: string[]): RunOptions {
  const p = parseBenchArgs(args, ctx);
  assert.equal(p.help, false);
  if (p.help) throw new Error('unreachable');
  return p.options;
}

function mistake(args: string[], pattern: RegExp): void {
  assert.throws(
    () => parseBenchArgs(args, ctx),
    (e: unknown) => {
      assert.ok(e instanceof BenchUsageError, `expected a usage error, got ${String(e)}`);
      assert.equal(e.code, 'ERR_USAGE');
      assert.match(e.message, pattern);
      return true;
    },
    `${args.join(' ')} should be refused`,
  );
}

describe('bench options: defaults', () => {
  it('a full run sweeps every dimension', () => {
    const o = opts();
    assert.equal(o.quick, false);
    assert.deepEqual(o.pageSizes, [4 * KiB, 16 * KiB, 64 * KiB, 256 * KiB, 1 * MiB, 2 * MiB]);
    assert.deepEqual(o.batchSizes, [1, 4, 16, 64, 256]);
    assert.deepEqual([...o.waitModes].sort(), ['adaptive', 'sleep', 'spin']);
    assert.deepEqual(o.workers, [1, 2]);
    assert.equal(o.asyncModes.length, 6);
    assert.equal(o.sync, true);
    assert.deepEqual(o.temperatures, ['hot', 'cold']);
    assert.deepEqual(o.hotPageSizes, o.pageSizes);
    assert.deepEqual(o.backings, ['auto', 'normal', 'thp', 'hugetlb']);
    assert.equal(o.mainBacking, 'auto');
    assert.deepEqual(o.ops, ['store', 'load']);
    assert.equal(o.repetitions, DEFAULT_REPETITIONS);
    assert.equal(o.sampleMs, 25);
    assert.deepEqual(o.depths, [1]);
    assert.deepEqual(o.optionalDepths, [8], 'depth 8 where the budget allows');
    assert.deepEqual(o.deepTemperatures, ['cold']);
    assert.deepEqual(o.sources, ['registered']);
    assert.deepEqual(o.numaPairs, []);
    assert.equal(o.hotPoolBytes, 8 * MiB);
    assert.equal(o.coldPoolBytes, 256 * MiB);
    assert.deepEqual(o.baselines, ['memcpy', 'glibc-memcpy', 'typedarray-set', 'buffer-copy', 'naive-async', 'js-worker']);
    assert.match(o.sampling, /benchmark/);
    assert.deepEqual(o.backingSubset, {
      pageSizes: [4 * KiB, 2 * MiB],
      batchSizes: [1, 64],
      temperatures: ['cold'],
      ops: ['store'],
      sync: true,
      asyncModes: [{ waitMode: 'adaptive', workers: 1 }],
      depths: [1],
    });
  });

  it('a full run plans 1200 sweep cells (with depth 8, on the cold pools) and a small subset per extra backing', () => {
    const plan = planRun({ ...opts(), depths: [1, 8] });
    const sweep = plan.filter((p) => p.role === 'sweep');
    assert.equal(sweep.length, 12);
    // Per pool and op: 5 sync cells, 6 engine settings × 5 batches per depth; hot pools at depth 1, cold at 1 and 8.
    assert.equal(sweep.reduce((n, p) => n + p.cells.length, 0), 6 * 2 * (5 + 30) + 6 * 2 * (5 + 30 * 2));
    for (const p of sweep) {
      const depths = [...new Set(p.cells.filter((c) => c.path === 'async').map((c) => c.depth))].sort((a, b) => a! - b!);
      assert.deepEqual(depths, p.temperature === 'cold' ? [1, 8] : [1], `${p.temperature} ${p.pageSize}`);
      assert.ok(p.cells.every((c) => c.path === 'sync' ? c.depth === undefined : c.source === 'registered'));
    }
    const subset = plan.filter((p) => p.role === 'backing');
    assert.deepEqual(subset.map((p) => `${p.backingRequested}/${p.pageSize}/${p.temperature}`), [
      'normal/4096/cold', 'normal/2097152/cold', 'thp/4096/cold', 'thp/2097152/cold', 'hugetlb/4096/cold', 'hugetlb/2097152/cold',
    ]);
    for (const p of subset) assert.equal(p.cells.length, 2 * 2);
    const hot2m = sweep.find((p) => p.temperature === 'hot' && p.pageSize === 2 * MiB)!;
    assert.equal(hot2m.pages, 4);
    assert.equal(sweep.find((p) => p.temperature === 'cold' && p.pageSize === 4 * KiB)!.byteLength, 256 * MiB);
  });

  it('--quick narrows the sweep', () => {
    const o = opts('--quick');
    assert.equal(o.quick, true);
    assert.deepEqual(o.pageSizes, [4 * KiB, 64 * KiB, 2 * MiB]);
    assert.deepEqual(o.batchSizes, [1, 4, 16, 64]);
    assert.deepEqual(o.asyncModes, [
      { waitMode: 'adaptive', workers: 1 },
      { waitMode: 'sleep', workers: 1 },
      { waitMode: 'spin', workers: 1 },
      { waitMode: 'adaptive', workers: 2 },
    ]);
    assert.deepEqual(o.ops, ['store']);
    assert.deepEqual(o.hotPageSizes, [4 * KiB]);
    assert.equal(o.repetitions, QUICK_REPETITIONS);
    assert.equal(o.sampleMs, 10);
    assert.deepEqual(o.depths, [1]);
    assert.deepEqual(o.optionalDepths, [8], 'depth 8 if the budget allows');
    const plan = planRun(o).filter((p) => p.role === 'sweep');
    assert.deepEqual(plan.map((p) => `${p.pageSize}/${p.temperature}`), ['4096/hot', '4096/cold', '65536/cold', '2097152/cold']);
  });

  it('the cold pool is sized by memory, not by the cache: 256 MiB, --cold-pool rounded down to a power of two', () => {
    assert.equal(coldPoolBytes(), 256 * MiB);
    assert.equal(coldPoolBytes(384 * MiB), 256 * MiB);
    assert.equal(coldPoolBytes(3 * MiB), 8 * MiB);
    const big = parseBenchArgs([], { lastLevelCacheBytes: 480 * MiB, cpus: 3 });
    assert.ok(!big.help && big.options.coldPoolBytes === 256 * MiB);
    assert.equal(opts('--quick').coldPoolBytes, 128 * MiB);
    assert.equal(opts('--cold-pool', '100m').coldPoolBytes, 64 * MiB);
    mistake(['--cold-pool', '1m'], /--cold-pool/);
    mistake(['--cold-pool', 'big'], /--cold-pool/);
  });

  it('worker counts default to 1, 2, 4, … up to the CPUs allowed minus one, at most 8', () => {
    assert.deepEqual(defaultWorkerCounts(1), [1]);
    assert.deepEqual(defaultWorkerCounts(2), [1]);
    assert.deepEqual(defaultWorkerCounts(5), [1, 2, 4]);
    assert.deepEqual(defaultWorkerCounts(64), [1, 2, 4, 8]);
    const o = parseBenchArgs([], { lastLevelCacheBytes: null, cpus: 9 });
    assert.ok(!o.help && o.options.workers.join() === '1,2,4,8');
    const q = parseBenchArgs(['--quick'], { lastLevelCacheBytes: null, cpus: 2 });
    assert.ok(!q.help && q.options.asyncModes.every((m) => m.workers === 1));
    assert.deepEqual(opts('--workers', '32').workers, [32]);
  });

  it('default repetitions let the U test reach p < 0.05, and the budget never cuts below where it can', () => {
    // Exact U, n a side, no ties: the smallest two-sided p is 2 / C(2n, n).
    const choose = (n: number, k: number): number => (k === 0 ? 1 : (choose(n - 1, k - 1) * n) / k);
    for (const n of [3, 4, 5, 8]) assert.ok(Math.abs(minimumP(n, n) - 2 / choose(2 * n, n)) < 1e-12, `n = ${n}`);
    assert.ok(minimumP(MIN_REPETITIONS - 1, MIN_REPETITIONS - 1) > ALPHA, 'one fewer could never be significant');
    assert.ok(minimumP(MIN_REPETITIONS, MIN_REPETITIONS) < ALPHA);
    // Room for out-of-order pairs: the quick default reaches p < 0.05 with more than complete separation.
    assert.ok(2 * minimumP(QUICK_REPETITIONS, QUICK_REPETITIONS) < ALPHA);
    assert.ok(DEFAULT_REPETITIONS > QUICK_REPETITIONS && QUICK_REPETITIONS > MIN_REPETITIONS);
  });

  it('--budget: 540 s by default, 50 s with --quick', () => {
    assert.equal(opts().budgetSeconds, 540);
    assert.equal(opts('--quick').budgetSeconds, 50);
    assert.equal(opts('--budget', '120').budgetSeconds, 120);
    mistake(['--budget', '0'], /--budget/);
  });

  it('--depths: a sorted list of queue depths that every pool then runs; --depth N is one; both or a bad depth is a mistake', () => {
    const o = opts('--depths', '8,1,4,8');
    assert.deepEqual(o.depths, [1, 4, 8]);
    assert.deepEqual(o.deepTemperatures, ['hot', 'cold']);
    assert.deepEqual(o.optionalDepths, []);
    assert.deepEqual(opts('--quick', '--depths', '1,8').optionalDepths, [], 'asked for: not optional');
    assert.deepEqual(opts('--depth', '4').depths, [4]);
    const plan = planRun(opts('--depths', '2,16', '--page-sizes', '4k', '--batches', '4', '--modes', 'sync,spin', '--workers', '1', '--ops', 'store'));
    for (const p of plan.filter((x) => x.role === 'sweep')) {
      assert.deepEqual(p.cells.map((c) => `${c.path}/${c.depth ?? '-'}`), ['sync/-', 'async/2', 'async/16']);
    }
    mistake(['--depths', '0'], /--depths: '0' is not a queue depth/);
    mistake(['--depths', '65'], /--depths/);
    mistake(['--depths', '1,,2'], /--depths/);
    mistake(['--depth', '2', '--depths', '4'], /give one of them/);
    assert.deepEqual(opts('--temps', 'hot').optionalDepths, [], 'no cold pool: no depth 8 to add');
  });

  it('--sources: registered buffers, plain views, or both, crossed with every async cell', () => {
    assert.deepEqual(opts('--sources', 'views').sources, ['views']);
    const o = opts('--sources', 'registered,views', '--page-sizes', '4k', '--batches', '64', '--modes', 'adaptive', '--workers', '1', '--ops', 'store', '--temps', 'cold', '--depths', '8');
    const cells = planRun(o).filter((p) => p.role === 'sweep').flatMap((p) => p.cells);
    assert.deepEqual(cells.map((c) => `${c.source}/${c.batch}/${c.depth}`), ['registered/64/8', 'views/64/8']);
    mistake(['--sources', 'dma'], /--sources: unknown value 'dma'/);
  });

  it('--help asks for help', () => {
    assert.deepEqual(parseBenchArgs(['--help'], ctx), { help: true });
    assert.deepEqual(parseBenchArgs(['-h'], ctx), { help: true });
  });

  it('--out and --json are not measurement options', () => {
    const p = parseBenchArgs(['--out', 'somewhere', '--json'], ctx);
    assert.ok(!p.help);
    if (p.help) return;
    assert.equal(p.out, 'somewhere');
    assert.equal(p.json, true);
    assert.equal('out' in p.options, false);
    const q = parseBenchArgs([], ctx);
    assert.ok(!q.help && q.out === null && q.json === false);
  });
});

describe('bench options: narrowing flags', () => {
  it('page sizes in k/m, KiB/MiB or bytes, sorted, without repeats', () => {
    assert.deepEqual(opts('--page-sizes', '2m,4K,64kib,4096,1MiB').pageSizes, [4 * KiB, 64 * KiB, 1 * MiB, 2 * MiB]);
    assert.equal(parseSize('16k'), 16 * KiB);
    assert.ok(Number.isNaN(parseSize('3.5k')));
  });

  it('batches, reps, sample time', () => {
    const o = opts('--batches', '16,1,4,16', '--reps', '7', '--sample-ms', '3');
    assert.deepEqual(o.batchSizes, [1, 4, 16]);
    assert.equal(o.repetitions, 7);
    assert.equal(o.sampleMs, 3);
  });

  it('modes and workers make the engine settings', () => {
    let o = opts('--modes', 'sync,spin', '--workers', '2');
    assert.equal(o.sync, true);
    assert.deepEqual(o.asyncModes, [{ waitMode: 'spin', workers: 2 }]);
    assert.deepEqual(o.waitModes, ['spin']);
    assert.deepEqual(o.workers, [2]);
    o = opts('--modes', 'adaptive');
    assert.equal(o.sync, false);
    assert.deepEqual(o.asyncModes, [{ waitMode: 'adaptive', workers: 1 }, { waitMode: 'adaptive', workers: 2 }]);
    o = opts('--modes', 'sync');
    assert.deepEqual(o.asyncModes, []);
    o = opts('--quick', '--workers', '1');
    assert.deepEqual(o.asyncModes.map((m) => `${m.waitMode}×${m.workers}`), ['sleep×1', 'spin×1', 'adaptive×1']);
  });

  it('temperatures, backings, ops', () => {
    const o = opts('--temps', 'cold', '--backings', 'normal,thp', '--ops', 'load');
    assert.deepEqual(o.temperatures, ['cold']);
    assert.deepEqual(o.backings, ['normal', 'thp']);
    assert.equal(o.mainBacking, 'normal');
    assert.deepEqual(o.ops, ['load']);
    assert.deepEqual(o.backingSubset.ops, ['load']);
    const plan = planRun(o);
    assert.ok(plan.filter((p) => p.role === 'sweep').every((p) => p.backingRequested === 'normal'));
    assert.ok(plan.filter((p) => p.role === 'backing').every((p) => p.backingRequested === 'thp'));
  });

  it('narrowing by hand measures the hot pool at every page size asked, even with --quick', () => {
    assert.deepEqual(opts('--quick', '--page-sizes', '4k,2m').hotPageSizes, [4 * KiB, 2 * MiB]);
    assert.deepEqual(opts('--quick', '--temps', 'hot').hotPageSizes, [4 * KiB, 64 * KiB, 2 * MiB]);
  });

  it('the backing subset stays within the sweep', () => {
    const o = opts('--page-sizes', '16k,256k', '--batches', '4,16,256', '--temps', 'hot', '--modes', 'sync,spin', '--workers', '2');
    assert.deepEqual(o.backingSubset.pageSizes, [16 * KiB, 256 * KiB]);
    assert.deepEqual(o.backingSubset.batchSizes, [4, 16]);
    assert.deepEqual(o.backingSubset.temperatures, ['hot']);
    assert.deepEqual(o.backingSubset.asyncModes, [{ waitMode: 'spin', workers: 2 }]);
  });
});

describe('bench options: mistakes', () => {
  it('page sizes that are not pages', () => {
    mistake(['--page-sizes', '3k'], /--page-sizes: '3k' is not a page size/);
    mistake(['--page-sizes', '4m'], /'4m'/);
    mistake(['--page-sizes', '2k'], /'2k'/);
    mistake(['--page-sizes', 'big'], /'big'/);
    mistake(['--page-sizes', '4k,,2m'], /empty/);
    mistake(['--page-sizes', ''], /--page-sizes/);
  });

  it('numbers out of range or not whole', () => {
    mistake(['--reps', '0'], /--reps must be a whole number from 1/);
    mistake(['--reps', 'many'], /--reps/);
    mistake(['--sample-ms', '0'], /--sample-ms/);
    mistake(['--sample-ms', '2.5'], /--sample-ms/);
    mistake(['--batches', '0'], /--batches: '0'/);
    mistake(['--batches', '1,-4'], /--batches/);
    mistake(['--batches', '1.5'], /--batches/);
    mistake(['--workers', '0'], /--workers/);
    mistake(['--workers', '33'], /--workers/);
  });

  it('unknown words', () => {
    mistake(['--modes', 'sync,turbo'], /--modes: unknown value 'turbo'/);
    mistake(['--temps', 'warm'], /--temps: unknown value 'warm'/);
    mistake(['--backings', 'huge'], /--backings: unknown value 'huge'/);
    mistake(['--ops', 'copy'], /--ops: unknown value 'copy'/);
  });

  it('unknown flags, stray arguments, missing values', () => {
    mistake(['--frobnicate'], /Unknown option '--frobnicate'/);
    mistake(['extra'], /positional|Unexpected argument/i);
    mistake(['--reps'], /--reps/);
    mistake(['--out', ''], /--out needs a directory/);
  });
});
