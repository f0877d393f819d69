import * as assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Frontswap, PagePool, type FrontswapStats } from '../lib/index';
import { BACKENDS, cleanupDevices } from './device-fixtures';
import { collectUntil, equalBytes, pattern, throwsCode } from './helpers';

const SIZES = [
  ['4 KiB', 4096],
  ['2 MiB', 2 << 20],
] as const;

function reconciles(s: FrontswapStats): void {
  assert.equal(s.storedPages, s.succStores - s.duplicateStores - s.invalidates - s.exclusiveLoads - s.areaInvalidatedPages);
}

after(cleanupDevices);

// The same rules over every backend: the pool, and a SwapDevice on a file, a
// loop device and zram (the last two as root).
for (const backend of BACKENDS)
for (const [name, pageSize] of SIZES) {
  describe(`Frontswap sync semantics, ${name} pages, over ${backend.name === 'pool' ? 'a PagePool' : `a SwapDevice (${backend.name})`}`, { skip: backend.skip ?? false }, () => {
    const setup = (pages: number, exclusiveGets = false) => {
      const pool = backend.open(pageSize, pages);
      const fs = new Frontswap(pool, { exclusiveGets });
      fs.init(0);
      return { pool, fs, out: new Uint8Array(pageSize) };
    };

    it('a stored page loads back byte for byte, again and again', () => {
      const { pool, fs, out } = setup(4);
      const page = pattern(1, pageSize);
      assert.equal(fs.store(0, 7, page), true);
      assert.equal(fs.has(0, 7), true);
      for (let i = 0; i < 3; i++) {
        out.fill(0);
        assert.equal(fs.load(0, 7, out), true);
        assert.ok(equalBytes(out, page));
      }
      page.fill(0xee);  // the pool holds a copy, not the caller's page
      fs.load(0, 7, out);
      assert.ok(equalBytes(out, pattern(1, pageSize)));
      const s = fs.stats();
      assert.equal(s.succStores, 1);
      assert.equal(s.loads, 3 + 1);
      assert.equal(s.storedPages, 1);
      assert.equal(pool.usedPages, 1);
      pool.close();
    });

    it('a load of a missing page returns false and leaves the page untouched', () => {
      const { pool, fs, out } = setup(2);
      out.fill(0x5a);
      assert.equal(fs.load(0, 3, out), false);
      assert.ok(out.every((b) => b === 0x5a));
      assert.equal(fs.stats().failedLoads, 1);
      pool.close();
    });

    it('a full pool rejects the store, counts it, and changes nothing else', () => {
      const { pool, fs, out } = setup(3);
      for (let i = 0; i < 3; i++) assert.equal(fs.store(0, i, pattern(i, pageSize)), true);
      const before = fs.stats();
      assert.equal(fs.store(0, 99, pattern(99, pageSize)), false);
      const after = fs.stats();
      assert.equal(after.failedStores, before.failedStores + 1);
      assert.deepEqual({ ...after, failedStores: 0 }, { ...before, failedStores: 0 });
      assert.equal(fs.has(0, 99), false);
      assert.equal(pool.usedPages, 3);
      for (let i = 0; i < 3; i++) {
        assert.equal(fs.load(0, i, out), true);
        assert.ok(equalBytes(out, pattern(i, pageSize)));
      }
      pool.close();
    });

    it('a duplicate store overwrites in place, even when the pool is full; stale data never returns', () => {
      const { pool, fs, out } = setup(2);
      fs.store(0, 1, pattern(1, pageSize));
      fs.store(0, 2, pattern(2, pageSize));
      assert.equal(fs.store(0, 1, pattern(10, pageSize)), true, 'overwrite needs no new slot');
      fs.load(0, 1, out);
      assert.ok(equalBytes(out, pattern(10, pageSize)));
      const s = fs.stats();
      assert.equal(s.duplicateStores, 1);
      assert.equal(s.storedPages, 2);
      assert.equal(pool.usedPages, 2);
      reconciles(s);
      pool.close();
    });

    it('exclusiveGets: a successful load also frees the page', () => {
      const { pool, fs, out } = setup(2, true);
      fs.store(0, 5, pattern(5, pageSize));
      assert.equal(fs.load(0, 5, out), true);
      assert.ok(equalBytes(out, pattern(5, pageSize)));
      assert.equal(fs.has(0, 5), false);
      assert.equal(pool.usedPages, 0);
      assert.equal(fs.load(0, 5, out), false);
      const s = fs.stats();
      assert.equal(s.exclusiveLoads, 1);
      assert.equal(s.storedPages, 0);
      reconciles(s);
      pool.close();
    });

    it('invalidatePage frees the slot at once; the next key never sees the old bytes', () => {
      const { pool, fs, out } = setup(1);
      fs.store(0, 1, pattern(1, pageSize));
      assert.equal(fs.invalidatePage(0, 1), true);
      assert.equal(fs.invalidatePage(0, 1), false, 'nothing left to invalidate');
      assert.equal(fs.has(0, 1), false);
      assert.equal(pool.usedPages, 0);
      assert.equal(fs.store(0, 2, pattern(2, pageSize)), true, 'the one slot is free again');
      assert.equal(fs.load(0, 1, out), false);
      fs.load(0, 2, out);
      assert.ok(equalBytes(out, pattern(2, pageSize)));
      assert.equal(fs.stats().invalidates, 1);
      pool.close();
    });

    it('invalidateArea forgets one type only and closes it, like swapoff', () => {
      const { pool, fs, out } = setup(4);
      fs.init(3);
      fs.store(0, 1, pattern(1, pageSize));
      fs.store(3, 1, pattern(31, pageSize));
      fs.store(3, 2, pattern(32, pageSize));
      fs.invalidateArea(3);
      assert.equal(pool.usedPages, 1);
      throwsCode(() => fs.has(3, 1), 'ERR_TYPE_NOT_INITIALIZED', 'FrontswapError');
      throwsCode(() => fs.store(3, 1, pattern(1, pageSize)), 'ERR_TYPE_NOT_INITIALIZED', 'FrontswapError');
      fs.load(0, 1, out);
      assert.ok(equalBytes(out, pattern(1, pageSize)), 'type 0 untouched');
      fs.init(3);
      assert.equal(fs.has(3, 1), false, 'a re-opened type starts empty');
      const s = fs.stats();
      assert.equal(s.areaInvalidates, 1);
      assert.equal(s.areaInvalidatedPages, 2);
      assert.deepEqual(s.initializedTypes, [0, 3]);
      reconciles(s);
      pool.close();
    });

    it('types are initialized once; every operation needs an initialized type', () => {
      const { pool, fs, out } = setup(2);
      throwsCode(() => fs.init(0), 'ERR_TYPE_ALREADY_INITIALIZED', 'FrontswapError');
      throwsCode(() => fs.store(1, 0, out), 'ERR_TYPE_NOT_INITIALIZED', 'FrontswapError');
      throwsCode(() => fs.load(1, 0, out), 'ERR_TYPE_NOT_INITIALIZED', 'FrontswapError');
      throwsCode(() => fs.has(1, 0), 'ERR_TYPE_NOT_INITIALIZED', 'FrontswapError');
      throwsCode(() => fs.invalidatePage(1, 0), 'ERR_TYPE_NOT_INITIALIZED', 'FrontswapError');
      throwsCode(() => fs.invalidateArea(1), 'ERR_TYPE_NOT_INITIALIZED', 'FrontswapError');
      fs.init(31);
      assert.equal(fs.store(31, 0xffffffff, pattern(3, pageSize)), true, 'the largest type and offset');
      pool.close();
    });
  });
}

describe('Frontswap counters and shared pools', () => {
  it('counters reconcile with the pool over a random workload', () => {
    const pool = new PagePool({ pages: 64 });
    const fs = new Frontswap(pool);
    const fsx = new Frontswap(pool, { exclusiveGets: true });
    for (const f of [fs, fsx]) {
      f.init(0);
      f.init(1);
    }
    const page = new Uint8Array(4096);
    let seed = 12345;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) % n;
    for (let i = 0; i < 5000; i++) {
      const f = rnd(2) ? fs : fsx;
      const type = rnd(2);
      const off = rnd(96);
      switch (rnd(5)) {
        case 0:
        case 1:
          f.store(type, off, page);
          break;
        case 2:
          f.load(type, off, page);
          break;
        case 3:
          f.invalidatePage(type, off);
          break;
        case 4:
          if (rnd(50) === 0) {
            f.invalidateArea(type);
            f.init(type);
          }
          break;
      }
      const a = fs.stats();
      const b = fsx.stats();
      reconciles(a);
      reconciles(b);
      assert.equal(pool.usedPages, a.storedPages + b.storedPages);
      assert.equal(a.usedPages, pool.usedPages);
    }
    pool.close();
  });

  it('front-ends sharing a pool share its capacity but not their keys', () => {
    const pool = new PagePool({ pages: 2 });
    const a = new Frontswap(pool);
    const b = new Frontswap(pool);
    a.init(0);
    b.init(0);
    const out = new Uint8Array(4096);
    a.store(0, 1, pattern(1, 4096));
    b.store(0, 1, pattern(2, 4096));
    a.load(0, 1, out);
    assert.ok(equalBytes(out, pattern(1, 4096)));
    b.load(0, 1, out);
    assert.ok(equalBytes(out, pattern(2, 4096)));
    assert.equal(b.store(0, 2, out), false, 'the pool is full for every front-end');
    assert.equal(a.invalidatePage(0, 2), false, "a cannot touch b's keys");
    a.invalidatePage(0, 1);
    assert.equal(b.store(0, 2, out), true);
    pool.close();
  });

  it('any ArrayBufferView of pageSize bytes is a page: Buffer, DataView, Float64Array, SharedArrayBuffer views', () => {
    const pool = new PagePool({ pages: 4 });
    const fs = new Frontswap(pool);
    fs.init(0);
    const src = pattern(9, 4096);
    const views: ArrayBufferView[] = [
      Buffer.from(src),
      new DataView(src.slice().buffer),
      new Float64Array(src.slice().buffer),
      new Uint8Array(new SharedArrayBuffer(4096)).fill(0),
    ];
    (views[3] as Uint8Array).set(src);
    views.forEach((v, i) => assert.equal(fs.store(0, i, v), true));
    const big = new Uint8Array(3 * 4096);
    const out = big.subarray(4096, 8192);  // a view with a byteOffset
    for (let i = 0; i < views.length; i++) {
      out.fill(0);
      fs.load(0, i, out);
      assert.ok(equalBytes(out, src));
    }
    assert.ok(big.subarray(0, 4096).every((b) => b === 0) && big.subarray(8192).every((b) => b === 0), 'only the view is written');
    pool.close();
  });

  it('a collected front-end gives its pages back to the pool', async () => {
    const pool = new PagePool({ pages: 8 });
    (() => {
      const fs = new Frontswap(pool);
      fs.init(0);
      for (let i = 0; i < 5; i++) fs.store(0, i, new Uint8Array(4096));
    })();
    assert.equal(pool.usedPages, 5);
    assert.ok(await collectUntil(() => pool.usedPages === 0));
    pool.close();
  });

  it('operations on a closed pool throw ERR_POOL_CLOSED', () => {
    const pool = new PagePool({ pages: 2 });
    const fs = new Frontswap(pool);
    fs.init(0);
    pool.close();
    const page = new Uint8Array(4096);
    throwsCode(() => fs.store(0, 0, page), 'ERR_POOL_CLOSED', 'FrontswapError');
    throwsCode(() => fs.load(0, 0, page), 'ERR_POOL_CLOSED', 'FrontswapError');
    throwsCode(() => fs.has(0, 0), 'ERR_POOL_CLOSED', 'FrontswapError');
    throwsCode(() => fs.invalidatePage(0, 0), 'ERR_POOL_CLOSED', 'FrontswapError');
    throwsCode(() => fs.invalidateArea(0), 'ERR_POOL_CLOSED', 'FrontswapError');
    throwsCode(() => fs.init(1), 'ERR_POOL_CLOSED', 'FrontswapError');
    throwsCode(() => new Frontswap(pool), 'ERR_POOL_CLOSED', 'FrontswapError');
  });
});

describe('Frontswap bad input: a typed error, and nothing changes', () => {
  const pool = new PagePool({ pages: 4 });
  const fs = new Frontswap(pool);
  fs.init(0);
  const known = pattern(77, 4096);
  fs.store(0, 1, known);
  const page = new Uint8Array(4096);
  const detached = new Uint8Array(4096);
  structuredClone(detached.buffer, { transfer: [detached.buffer] });

  const cases: [string, () => unknown, string, string][] = [
    ['type is a string', () => fs.store('0' as never, 1, page), 'ERR_INVALID_ARG', 'TypeError'],
    ['type is a Symbol', () => fs.store(Symbol('t') as never, 1, page), 'ERR_INVALID_ARG', 'TypeError'],
    ['type is a BigInt', () => fs.load(0n as never, 1, page), 'ERR_INVALID_ARG', 'TypeError'],
    ['type is 32', () => fs.store(32, 1, page), 'ERR_OUT_OF_RANGE', 'RangeError'],
    ['type is negative', () => fs.has(-1, 1), 'ERR_OUT_OF_RANGE', 'RangeError'],
    ['offset is NaN', () => fs.store(0, NaN, page), 'ERR_OUT_OF_RANGE', 'RangeError'],
    ['offset is Infinity', () => fs.load(0, Infinity, page), 'ERR_OUT_OF_RANGE', 'RangeError'],
    ['offset is a fraction', () => fs.invalidatePage(0, 1.5), 'ERR_OUT_OF_RANGE', 'RangeError'],
    ['offset is 2^32', () => fs.store(0, 2 ** 32, page), 'ERR_OUT_OF_RANGE', 'RangeError'],
    ['offset is null', () => fs.store(0, null as never, page), 'ERR_INVALID_ARG', 'TypeError'],
    ['page is missing', () => fs.store(0, 2, undefined as never), 'ERR_INVALID_ARG', 'TypeError'],
    ['page is an ArrayBuffer, not a view', () => fs.store(0, 2, new ArrayBuffer(4096) as never), 'ERR_INVALID_ARG', 'TypeError'],
    ['page is too short', () => fs.store(0, 2, new Uint8Array(4095)), 'ERR_BUFFER_SIZE', 'RangeError'],
    ['page is too long', () => fs.load(0, 1, new Uint8Array(4097)), 'ERR_BUFFER_SIZE', 'RangeError'],
    ['page is empty', () => fs.store(0, 2, new Uint8Array(0)), 'ERR_BUFFER_SIZE', 'RangeError'],
    ['page is detached', () => fs.store(0, 2, detached), 'ERR_BUFFER_DETACHED', 'FrontswapError'],
    ['init type 40', () => fs.init(40), 'ERR_OUT_OF_RANGE', 'RangeError'],
    ['init type "1"', () => fs.init('1' as never), 'ERR_INVALID_ARG', 'TypeError'],
  ];
  for (const [name, fn, code, ctor] of cases) {
    it(name, () => {
      const before = fs.stats();
      throwsCode(fn, code, ctor as 'TypeError');
      assert.deepEqual(fs.stats(), before);
      const out = new Uint8Array(4096);
      assert.equal(fs.load(0, 1, out), true);
      assert.ok(equalBytes(out, known));
      assert.equal(pool.usedPages, 1);
    });
  }
  it('options are checked too', () => {
    throwsCode(() => new Frontswap({} as never), 'ERR_INVALID_ARG', 'TypeError');
    throwsCode(() => new Frontswap(pool, { exclusiveGets: 'yes' as never }), 'ERR_INVALID_ARG', 'TypeError');
    throwsCode(() => new Frontswap(pool, { engine: {} as never }), 'ERR_INVALID_ARG', 'TypeError');
    throwsCode(() => new Frontswap(pool, { exclusive: true } as never), 'ERR_INVALID_ARG', 'TypeError');
  });
});
