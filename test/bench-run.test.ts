import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseReport } from '../bench/report/read';
import { cellKeyId } from '../bench/report/keys';
import type { Metrics, Report, Stat } from '../bench/report/schema';
import { Progress } from '../bench/run/progress';
import { benchCommand } from '../bench/cli/bench';
import { machineInfo } from '../lib/machine-info';
import { parseBenchArgs } from '../bench/run/options';
import { runBench } from '../bench/run/runner';
import { availableParallelism } from 'node:os';

const dir = mkdtempSync(join(tmpdir(), 'frontswap-bench-'));
after(() => rmSync(dir, { recursive: true, force: true }));
// The bench repairs leftovers from its state file before it measures: these runs
// keep one of their own, so a run elsewhere on the machine is not theirs to judge.
process.env.FRONTSWAP_STATE_FILE = join(dir, 'machine-state.json');

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

async function bench(args: string[], tty = false): Promise<Ran> {
  let stdout = '';
  let stderr = '';
  const code = await benchCommand.run(args, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: Object.assign({ write: (s: string) => (stderr += s) }, tty ? { isTTY: true } : {}),
  });
  assert.doesNotMatch(stderr, /\n\s+at /, 'no stack frames on stderr');
  return { code, stdout, stderr };
}

const TINY = ['--page-sizes', '4k', '--batches', '1,16', '--modes', 'sync,adaptive', '--workers', '1', '--temps', 'hot', '--ops', 'store', '--reps', '3', '--sample-ms', '2',
  '--depths', '1,4', '--sources', 'registered,views'];

function positive(s: Stat | undefined, what: string): void {
  assert.ok(s, `${what} is missing`);
  assert.equal(s.values.length, 3, `${what}: one value per repetition`);
  for (const v of [s.median, s.q1, s.q3, s.min, s.max, ...s.values]) assert.ok(Number.isFinite(v) && v > 0, `${what}: ${v}`);
}

function finite(s: Stat | undefined, what: string): void {
  assert.ok(s, `${what} is missing`);
  for (const v of [s.median, s.min, s.max]) assert.ok(Number.isFinite(v) && v >= 0, `${what}: ${v}`);
}

function checkThroughput(m: Metrics, what: string): void {
  positive(m.gbps, `${what} gbps`);
  positive(m.pagesPerSec, `${what} pagesPerSec`);
  positive(m.nsPerPage, `${what} nsPerPage`);
  positive(m.callerCpuNsPerPage, `${what} callerCpuNsPerPage`);
}

describe('frontswap bench: a tiny real run', () => {
  const out = join(dir, 'tiny');
  let ran: Ran;
  let report: Report;

  it('runs, writes the report files and prints a short summary', async () => {
    ran = await bench([...TINY, '--out', out], true);
    assert.equal(ran.code, 0, ran.stderr);
    for (const f of ['report.json', 'report.md', 'report.html', 'throughput-store.svg', 'caller-cpu-store-4096.svg', 'crossover.svg']) {
      assert.ok(existsSync(join(out, f)), `${f} written`);
    }
    assert.ok(readdirSync(out).filter((f) => f.endsWith('.svg')).length >= 3);
    // With --out the terminal gets the answer and where the files are, not the whole report.
    assert.match(ran.stdout, /^frontswap bench: sync vs async page copies/);
    assert.match(ran.stdout, /From what batch async wins/);
    assert.match(ran.stdout, /\n  4 KiB +(never|batch \d+)/);
    assert.ok(ran.stdout.includes(`The whole report: ${join(out, 'report.md')}`), ran.stdout);
    assert.ok(ran.stdout.split('\n').length < 20, 'a few lines');
    report = parseReport(readFileSync(join(out, 'report.json'), 'utf8'), 'report.json');
  });

  it('draws progress on a terminal and ends with one line', () => {
    assert.match(ran.stderr, /\r\[[#.]+\] +\d+%/);
    assert.match(ran.stderr, /cells/);
    assert.match(ran.stderr, /frontswap bench: done in .+, wrote .+tiny\n$/);
  });

  it('carries the schema, machine and exact options', () => {
    assert.equal(report.schema, 'frontswap-bench');
    assert.equal(report.version, 1);
    assert.equal(report.package.name, 'frontswap');
    assert.ok(report.durationMs > 0);
    const machine = report.machine as { cpu?: { cores?: number }; kernel?: { release?: string }; node?: { version?: string } };
    assert.ok((machine.cpu?.cores ?? 0) >= 1);
    assert.equal(typeof machine.kernel?.release, 'string');
    assert.equal(machine.node?.version, process.version);
    const o = report.options as unknown as Record<string, unknown>;
    assert.deepEqual(o['pageSizes'], [4096]);
    assert.deepEqual(o['batchSizes'], [1, 16]);
    assert.equal(o['repetitions'], 3);
    assert.equal(o['sampleMs'], 2);
    assert.deepEqual(o['depths'], [1, 4]);
    assert.deepEqual(o['sources'], ['registered', 'views']);
    assert.ok(report.notes.some((n) => /`benchmark` package/.test(n)), 'says why it samples its own repetitions');
  });

  it('records the pool the kernel really gave', () => {
    const main = report.pools.find((p) => p.backingRequested === 'auto');
    assert.ok(main);
    assert.equal(main.pageSize, 4096);
    assert.equal(main.temperature, 'hot');
    assert.equal(main.byteLength, 8 * 1024 * 1024);
    assert.ok(['hugetlb', 'thp', 'normal'].includes(main.backing));
  });

  it('has a cell with finite, positive figures for every combination asked', () => {
    const backing = report.pools.find((p) => p.backingRequested === 'auto')!.backing;
    for (const path of ['sync', 'async'] as const) {
      for (const batch of [1, 16]) {
        const c = report.cells.find(
          (x) => x.path === path && x.batch === batch && x.op === 'store' && x.pageSize === 4096 && x.temperature === 'hot' && x.backing === backing,
        );
        assert.ok(c, `${path} batch ${batch}`);
        const what = `${path} batch ${batch}`;
        checkThroughput(c.metrics, what);
        finite(c.metrics.firstLatencyP50Ns, `${what} first p50`);
        finite(c.metrics.lastLatencyP99Ns, `${what} last p99`);
        assert.ok(c.metrics.lastLatencyP50Ns!.median >= c.metrics.firstLatencyP50Ns!.median * 0.999);
        if (path === 'async') {
          assert.equal(c.waitMode, 'adaptive');
          assert.equal(c.workers, 1);
          positive(c.metrics.workerCpuNsPerPage, `${what} worker CPU`);
        } else {
          assert.equal(c.metrics.workerCpuNsPerPage, undefined);
        }
      }
    }
  });

  it('measures the baselines in the same run', () => {
    const names = (n: string) => report.baselines.filter((b) => b.name === n && b.pageSize === 4096 && b.temperature === 'hot');
    for (const n of ['memcpy', 'typedarray-set', 'buffer-copy']) {
      const [b] = names(n);
      assert.ok(b, n);
      checkThroughput(b.metrics, n);
    }
    for (const n of ['naive-async', 'js-worker']) {
      assert.deepEqual(names(n).map((b) => b.batch).sort((a, b) => a - b), [1, 16], n);
      for (const b of names(n)) {
        checkThroughput(b.metrics, `${n} ${b.batch}`);
        finite(b.metrics.lastLatencyP50Ns, `${n} ${b.batch} last p50`);
      }
    }
  });

  it('computes the crossovers of the async setting', () => {
    const backing = report.pools.find((p) => p.backingRequested === 'auto')!.backing;
    const mine = report.crossovers.filter(
      (c) => c.waitMode === 'adaptive' && c.workers === 1 && c.pageSize === 4096 && c.temperature === 'hot' && c.backing === backing,
    );
    // One pair of crossovers per depth and source: depth 1 from registered buffers carries neither field.
    const at = (depth: number | undefined, source: string | undefined) => mine.filter((c) => c.depth === depth && c.source === source);
    for (const [depth, source] of [[undefined, undefined], [4, undefined], [undefined, 'views'], [4, 'views']] as const) {
      assert.deepEqual(at(depth, source).map((c) => c.metric).sort(), ['callerCpu', 'throughput'], `depth ${depth}, ${source}`);
    }
    assert.equal(mine.length, 8);
    for (const c of mine) assert.ok(c.batch === null || c.batch === 1 || c.batch === 16);
  });

  it('runs every async cell at each queue depth and page source, each its own cell, counted by the engine', () => {
    const backing = report.pools.find((p) => p.backingRequested === 'auto')!.backing;
    const asyncCells = report.cells.filter((c) => c.path === 'async' && c.backing === backing);
    assert.equal(asyncCells.length, 2 * 2 * 2);
    assert.equal(new Set(asyncCells.map(cellKeyId)).size, asyncCells.length, 'ids tell depths and sources apart');
    for (const depth of [1, 4]) {
      for (const source of ['registered', 'views']) {
        const mine = asyncCells.filter((c) => c.depth === depth && (c.source ?? 'registered') === source);
        assert.deepEqual(mine.map((c) => c.batch).sort((a, b) => a - b), [1, 16], `depth ${depth} ${source}`);
        for (const c of mine) {
          checkThroughput(c.metrics, `${depth} ${source} ${c.batch}`);
          const paths = c.metrics.completionPaths!;
          assert.ok(paths.submissions > 0);
          assert.ok(paths.settledAtSubmit + paths.spunInPlace + paths.polled + paths.wokenByWorker > 0, 'the waits were counted');
        }
      }
    }
    assert.ok(report.notes.some((n) => /At queue depth 4 it keeps that many batches in flight/.test(n)));
    assert.ok(report.notes.some((n) => /plain views/.test(n)));
    assert.ok(report.placement!.numaPairs!.length >= 1 || report.placement!.numaNodes === 0);
    if (report.placement!.numaNodes <= 1) {
      assert.match(report.placement!.numaCrossing, /^one NUMA node: no crossing measured/);
      assert.equal(report.numa, undefined);
    }
  });

  it('notes huge pages and the backings it could not have', () => {
    const m = report.machine as { hugePages?: { free?: number | null } };
    if ((m.hugePages?.free ?? 0) < 4) assert.ok(report.notes.some((n) => /hugetlb/.test(n) && /nr_hugepages/.test(n)));
  });
});

describe('frontswap bench: the NUMA crossing, on a topology the test describes', () => {
  it('pool node × worker node: each pair its own cells, workers pinned to the node\'s CPUs; a node the kernel cannot bind to is skipped and said', async (t) => {
    if (availableParallelism() < 2) return t.skip('needs 2 CPUs: one per pretended node');
    // Two nodes as the run is told: node 0 with CPU 0, node 1 with CPU 1. This kernel
    // has node 0 only, so pools bound to node 1 are refused (ERR_NUMA_NODE_UNAVAILABLE).
    const real = machineInfo();
    const machine = { ...real, numaNodes: [{ id: 0, cpuList: '0', memTotalBytes: 1 << 30 }, { id: 1, cpuList: '1', memTotalBytes: 1 << 30 }] };
    const parsed = parseBenchArgs(
      ['--page-sizes', '4k', '--batches', '16', '--modes', 'adaptive', '--workers', '1', '--temps', 'cold', '--ops', 'store', '--backings', 'auto',
        '--baselines', 'memcpy', '--reps', '3', '--sample-ms', '2', '--cold-pool', '8m', '--depths', '1'],
      { lastLevelCacheBytes: real.lastLevelCacheBytes },
    );
    assert.ok(!parsed.help);
    const r = await runBench(parsed.options, { machine });
    assert.deepEqual(r.placement!.numaPairs!.map((x) => `${x.poolNode}>${x.workerNode}:${x.workerCpus.join()}`), ['0>0:0', '0>1:1', '1>0:0', '1>1:1']);
    assert.match(r.placement!.numaCrossing, /2 NUMA nodes .*4 pairs \(2 local, 2 remote\)/);
    const numa = r.numa!;
    assert.deepEqual(numa.map((c) => `${c.poolNode}>${c.workerNode}`).sort(), ['0>0', '0>1'], 'node 0 pools, workers on either node');
    for (const c of numa) checkThroughput(c.metrics, `pool ${c.poolNode}, workers ${c.workerNode}`);
    assert.ok(r.notes.some((n) => /could not be mapped/.test(n) && /ERR_NUMA_NODE_UNAVAILABLE/.test(n)), 'node 1 said');
    assert.ok(r.pools.some((p) => p.numaNode === 0 && p.temperature === 'cold'));
    // The crossing's cells stay out of the sweep's: the answer grids read only report.cells.
    assert.equal(r.cells.filter((c) => c.path === 'async').length, 1);
  });
});

describe('frontswap bench: output choices', () => {
  it('--json prints report.json and writes nothing; no progress when stderr is not a terminal', async () => {
    const before = readdirSync(dir).length;
    const r = await bench([...TINY, '--backings', 'auto', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const report = parseReport(r.stdout, 'stdout');
    assert.equal(report.cells.length, 2 + 2 * 2 * 2);
    assert.ok(!r.stderr.includes('\r'), 'no progress line');
    // The plan first — memory and time, before anything is measured — then the closing line.
    assert.match(r.stderr, /^plan: \d+ pools, \d+ cells × 3 repetitions of 2 ms; memory ≈ [\d.]+ [KMG]iB \([^\n]*\); estimated [^\n]+ of a 9 min budget\nfrontswap bench: done in [^\n]+\n$/);
    assert.equal(readdirSync(dir).length, before);
  });

  it('--help prints the options', async () => {
    const r = await bench(['--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /--page-sizes/);
    assert.match(r.stdout, /benchmark/);
  });

  it('the progress line shows percent, cells, the current cell and an ETA', () => {
    let text = '';
    let t = 0;
    const p = new Progress({ write: (s: string) => (text += s) }, 100, 10, () => (t += 1000));
    p.at('4 KiB store, cold thp pool, sync, batch 1');
    p.advance(25, 2);
    assert.match(p.line(), /\[#####\.+\]  25%  2\/10 cells  ETA \d+ s  4 KiB store/);
    p.finish();
    assert.ok(text.startsWith('\r'));
    assert.ok(text.endsWith('\r\x1b[K'));
  });
});

describe('frontswap bench: mistakes', () => {
  for (const [args, pattern] of [
    [['--page-sizes', '3k'], /--page-sizes: '3k' is not a page size/],
    [['--reps', '0'], /--reps must be a whole number/],
    [['--batches', '1,x'], /--batches: 'x'/],
    [['--modes', 'fast'], /--modes: unknown value 'fast'/],
    [['--frobnicate'], /Unknown option '--frobnicate'/],
  ] as [string[], RegExp][]) {
    it(`${args.join(' ')}: exit 2 with a message and the usage`, async () => {
      const r = await bench(args);
      assert.equal(r.code, 2);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, pattern);
      assert.match(r.stderr, /^frontswap bench: /);
      assert.match(r.stderr, /\nusage: frontswap bench /);
    });
  }

  it('an --out that cannot be written: exit 2 before measuring', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'not a directory');
    const t0 = Date.now();
    const r = await bench([...TINY, '--out', join(file, 'report')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--out .*a-file.*cannot write there/);
    assert.equal(r.stdout, '');
    assert.ok(Date.now() - t0 < 2000, 'refused before running');
  });
});
