import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { CopyEngine, FrontswapError, PagePool } from '../lib/index';

/** CPUs this process may run on, from the kernel's own view of this thread (Cpus_allowed_list). */
function allowedCpus(): number[] {
  const line = readFileSync('/proc/self/status', 'utf8').split('\n').find((l) => l.startsWith('Cpus_allowed_list:'))!;
  const out: number[] = [];
  for (const part of line.split(':')[1]!.trim().split(',')) {
    const [a, b] = part.split('-').map(Number);
    for (let c = a!; c <= (b ?? a!); c++) out.push(c);
  }
  return out;
}

/** A node number that /sys says has no memory (or does not exist). */
function absentNode(): number {
  let list = '';
  try {
    list = readFileSync('/sys/devices/system/node/has_memory', 'utf8');
  } catch {
    return 1;
  }
  const present = new Set<number>();
  for (const part of list.trim().split(',')) {
    const [a, b] = part.split('-').map(Number);
    for (let n = a!; n <= (b ?? a!); n++) present.add(n);
  }
  let n = 0;
  while (present.has(n)) n++;
  return n;
}

describe('PagePool numaNode', () => {
  it('binds to node 0 before fault-in and reports where the pages are', () => {
    for (const pageSize of [4096, 2097152]) {
      const pool = new PagePool({ pageSize, pages: pageSize === 4096 ? 1024 : 4, numaNode: 0 });
      try {
        assert.equal(pool.numaNodeRequested, 0);
        assert.equal(pool.numaNode, 0, `${pageSize}-byte pages on node 0`);
      } finally {
        pool.close();
      }
    }
  });

  it('an unbound pool reports its node too, and null for pages not yet faulted in', () => {
    const pool = new PagePool({ pages: 64 });
    const lazy = new PagePool({ pages: 64, prefault: false });
    try {
      assert.equal(pool.numaNodeRequested, null);
      assert.equal(typeof pool.numaNode, 'number');
      assert.equal(lazy.numaNode, null);
    } finally {
      pool.close();
      lazy.close();
    }
  });

  it('a node without memory throws ERR_NUMA_NODE_UNAVAILABLE and maps nothing', () => {
    const node = absentNode();
    assert.throws(
      () => new PagePool({ pages: 16, numaNode: node }),
      (e: unknown) => e instanceof FrontswapError && e.code === 'ERR_NUMA_NODE_UNAVAILABLE' && e.message.includes(String(node)),
    );
  });

  it('bad numaNode values are typed errors', () => {
    assert.throws(() => new PagePool({ pages: 16, numaNode: -1 }), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
    assert.throws(() => new PagePool({ pages: 16, numaNode: 0.5 }), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
    assert.throws(() => new PagePool({ pages: 16, numaNode: 1024 }), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
    assert.throws(() => new PagePool({ pages: 16, numaNode: '0' as unknown as number }), { name: 'TypeError', code: 'ERR_INVALID_ARG' });
  });

  it('a closed pool has no node to report', () => {
    const pool = new PagePool({ pages: 16, numaNode: 0 });
    pool.close();
    assert.throws(() => pool.numaNode, { code: 'ERR_POOL_CLOSED' });
  });
});

describe('CopyEngine cpus', () => {
  it('pins each worker to its CPU and reports what the kernel says', async () => {
    const cpus = allowedCpus();
    const last = cpus[cpus.length - 1]!;
    const engine = new CopyEngine({ workers: 3, cpus: [cpus[0]!, last] });
    try {
      assert.deepEqual(engine.cpus, [cpus[0], last]);
      assert.deepEqual(engine.workerCpus(), [[cpus[0]], [last], [cpus[0]]]);
    } finally {
      await engine.close();
    }
  });

  it('unpinned workers may run on every CPU the process may', async () => {
    const engine = new CopyEngine({ workers: 2 });
    try {
      assert.equal(engine.cpus, null);
      assert.deepEqual(engine.workerCpus(), [allowedCpus(), allowedCpus()]);
    } finally {
      await engine.close();
    }
  });

  it('a CPU the process may not use, or a bad list, is refused before any thread starts', () => {
    const allowed = new Set(allowedCpus());
    let outside = 0;
    while (allowed.has(outside)) outside++;
    assert.throws(() => new CopyEngine({ cpus: [outside] }), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
    assert.throws(() => new CopyEngine({ cpus: [] }), { name: 'TypeError', code: 'ERR_INVALID_ARG' });
    assert.throws(() => new CopyEngine({ cpus: 0 as unknown as number[] }), { name: 'TypeError', code: 'ERR_INVALID_ARG' });
    assert.throws(() => new CopyEngine({ cpus: [-1] }), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
    assert.throws(() => new CopyEngine({ cpus: ['0' as unknown as number] }), { name: 'TypeError', code: 'ERR_INVALID_ARG' });
  });

  it('a closed engine has no workers to report', async () => {
    const engine = new CopyEngine({ cpus: [allowedCpus()[0]!] });
    await engine.close();
    assert.throws(() => engine.workerCpus(), { code: 'ERR_ENGINE_CLOSED' });
  });
});

describe('CopyEngine completion paths', () => {
  const { Frontswap } = require('../lib/index') as typeof import('../lib/index');

  async function run(opts: ConstructorParameters<typeof CopyEngine>[0], batch: number, rounds: number) {
    const pool = new PagePool({ pages: 256 });
    const engine = new CopyEngine(opts);
    const fs = new Frontswap(pool, { engine });
    fs.init(0);
    const page = new Uint8Array(4096).fill(3);
    try {
      const before = engine.stats().completionPaths;
      for (let r = 0; r < rounds; r++) {
        const b = fs.batch();
        for (let i = 0; i < batch; i++) b.store(0, i, page);
        await b.submit();
      }
      const after = engine.stats().completionPaths;
      return {
        settledAtSubmit: after.settledAtSubmit - before.settledAtSubmit,
        spunInPlace: after.spunInPlace - before.spunInPlace,
        polled: after.polled - before.polled,
        wokenByWorker: after.wokenByWorker - before.wokenByWorker,
      };
    } finally {
      await engine.close();
      pool.close();
    }
  }

  it('a long wait on sleeping workers ends at a submit or with a worker wake-up, never spun or polled', async () => {
    const p = await run({ waitMode: 'sleep', completion: 'wakeup' }, 64, 20);
    assert.equal(p.spunInPlace, 0);
    assert.equal(p.polled, 0);
    assert.ok(p.settledAtSubmit + p.wokenByWorker >= 20, JSON.stringify(p));
  });

  it('short waits on spinning workers are spent in place or found settled, and every wait is counted', async () => {
    const p = await run({ waitMode: 'spin', completion: 'wakeup' }, 1, 50);
    assert.ok(p.settledAtSubmit + p.spunInPlace + p.wokenByWorker >= 50, JSON.stringify(p));
    assert.equal(p.polled, 0);
  });

  it("'poll' completion counts the turns that found the copies landed", async () => {
    const p = await run({ waitMode: 'sleep', completion: 'poll', pollMicros: 1_000_000 }, 1, 30);
    assert.ok(p.settledAtSubmit + p.polled + p.wokenByWorker >= 30, JSON.stringify(p));
    assert.equal(p.spunInPlace, 0, 'sleeping workers are not waited for in place');
  });
});
