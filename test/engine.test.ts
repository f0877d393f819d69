import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MessageChannel } from 'node:worker_threads';
import { addon } from '../lib/binding';
import { CopyEngine, Frontswap, PagePool, type CopyEngineOptions } from '../lib/index';
import { collectUntil, equalBytes, pattern, rejectsCode, throwsCode } from './helpers';

const SETUPS: CopyEngineOptions[] = [
  { workers: 1, waitMode: 'sleep' },
  { workers: 1, waitMode: 'spin' },
  { workers: 2, waitMode: 'adaptive' },
  { workers: 2, waitMode: 'adaptive', completion: 'wakeup' },
  { workers: 1, waitMode: 'sleep', completion: 'poll' },
];

function label(o: CopyEngineOptions): string {
  return `${o.waitMode} ×${o.workers}${o.completion ? `, ${o.completion}` : ''}`;
}

describe('CopyEngine options', () => {
  it('defaults', async () => {
    const e = new CopyEngine();
    assert.equal(e.workers, 1);
    assert.equal(e.waitMode, 'adaptive');
    assert.equal(e.completion, 'wakeup');
    assert.equal(e.ringSize, 1024);
    await e.close();
    const s = new CopyEngine({ waitMode: 'sleep' });
    assert.equal(s.completion, 'poll', 'a sleeping worker is caught by polling, not a second wake-up');
    await s.close();
  });

  it('rejects bad options with typed errors', () => {
    throwsCode(() => new CopyEngine({ workers: 0 }), 'ERR_OUT_OF_RANGE', 'RangeError');
    throwsCode(() => new CopyEngine({ workers: 33 }), 'ERR_OUT_OF_RANGE', 'RangeError');
    throwsCode(() => new CopyEngine({ workers: '2' as never }), 'ERR_INVALID_ARG', 'TypeError');
    throwsCode(() => new CopyEngine({ waitMode: 'doze' as never }), 'ERR_OUT_OF_RANGE', 'RangeError');
    throwsCode(() => new CopyEngine({ ringSize: 1000 }), 'ERR_OUT_OF_RANGE', 'RangeError');
    throwsCode(() => new CopyEngine({ completion: 'maybe' as never }), 'ERR_OUT_OF_RANGE', 'RangeError');
    throwsCode(() => new CopyEngine({ spinMicros: -1 }), 'ERR_OUT_OF_RANGE', 'RangeError');
    throwsCode(() => new CopyEngine({ worker: 2 } as never), 'ERR_INVALID_ARG', 'TypeError');
    throwsCode(() => new CopyEngine(7 as never), 'ERR_INVALID_ARG', 'TypeError');
  });
});

for (const opts of SETUPS) {
  describe(`async frontswap, ${label(opts)}`, () => {
    it('storeAsync / loadAsync move the exact bytes, for 4 KiB and 2 MiB pages', async () => {
      const engine = new CopyEngine(opts);
      for (const pageSize of [4096, 2 << 20]) {
        const pool = new PagePool({ pageSize, pages: 4 });
        const fs = new Frontswap(pool, { engine });
        fs.init(1);
        const page = pattern(pageSize, pageSize);
        assert.equal(await fs.storeAsync(1, 10, page), true);
        const out = new Uint8Array(pageSize);
        assert.equal(await fs.loadAsync(1, 10, out), true);
        assert.ok(equalBytes(out, page));
        assert.equal(await fs.loadAsync(1, 11, out), false);
        pool.close();
      }
      await engine.close();
    });

    it('a batch returns one result per op, in op order', async () => {
      const engine = new CopyEngine(opts);
      const pool = new PagePool({ pages: 3 });
      const fs = new Frontswap(pool, { engine });
      fs.init(0);
      const outs = [new Uint8Array(4096), new Uint8Array(4096)];
      const b = fs.batch();
      b.store(0, 1, pattern(1, 4096)).store(0, 2, pattern(2, 4096)).store(0, 3, pattern(3, 4096));
      b.store(0, 4, pattern(4, 4096));  // rejected: full
      b.load(0, 2, outs[0]!).load(0, 9, outs[1]!).invalidatePage(0, 1).invalidatePage(0, 1);
      assert.equal(b.length, 8);
      const r = await b.submit();
      assert.deepEqual(r, [true, true, true, false, true, false, true, false]);
      assert.equal(b.length, 0, 'submit empties the batch');
      assert.ok(equalBytes(outs[0]!, pattern(2, 4096)));
      const s = fs.stats();
      assert.equal(s.failedStores, 1);
      assert.equal(s.storedPages, 2);
      assert.equal(pool.usedPages, 2);
      pool.close();
      await engine.close();
    });
  });
}

describe('ordering: operations on one key take effect in issue order, sync and async alike', () => {
  it('a sync load right after an un-awaited storeAsync sees the new bytes', async () => {
    const engine = new CopyEngine({ workers: 2, waitMode: 'sleep' });
    const pool = new PagePool({ pageSize: '2m', pages: 8 });
    const fs = new Frontswap(pool, { engine });
    fs.init(0);
    const out = new Uint8Array(2 << 20);
    for (let i = 0; i < 8; i++) {
      const p = fs.storeAsync(0, i, pattern(i + 100, 2 << 20));
      assert.equal(fs.load(0, i, out), true);
      assert.ok(equalBytes(out, pattern(i + 100, 2 << 20)));
      assert.equal(await p, true);
    }
    pool.close();
    await engine.close();
  });

  it('loadAsync then storeAsync of the same key: the load gets the old bytes', async () => {
    const engine = new CopyEngine({ workers: 2, waitMode: 'adaptive' });
    const pool = new PagePool({ pages: 16 });
    const fs = new Frontswap(pool, { engine });
    fs.init(0);
    fs.store(0, 5, pattern(1, 4096));
    const outs = Array.from({ length: 6 }, () => new Uint8Array(4096));
    const ps: Promise<boolean>[] = [];
    for (let i = 0; i < 6; i++) {
      ps.push(fs.loadAsync(0, 5, outs[i]!));
      ps.push(fs.storeAsync(0, 5, pattern(i + 2, 4096)));
    }
    assert.ok((await Promise.all(ps)).every(Boolean));
    outs.forEach((o, i) => assert.ok(equalBytes(o, pattern(i + 1, 4096)), `load ${i} saw the store before it`));
    pool.close();
    await engine.close();
  });

  it('exclusive loadAsync frees the slot; a store reusing it never clobbers the load', async () => {
    const engine = new CopyEngine({ workers: 2, waitMode: 'spin' });
    const pool = new PagePool({ pageSize: '2m', pages: 1 });
    const fs = new Frontswap(pool, { engine, exclusiveGets: true });
    fs.init(0);
    fs.store(0, 1, pattern(1, 2 << 20));
    const out = new Uint8Array(2 << 20);
    const load = fs.loadAsync(0, 1, out);
    assert.equal(pool.usedPages, 0, 'freed at issue');
    const store = fs.storeAsync(0, 2, pattern(2, 2 << 20));  // the same, only slot
    assert.deepEqual(await Promise.all([load, store]), [true, true]);
    assert.ok(equalBytes(out, pattern(1, 2 << 20)));
    fs.load(0, 2, out);
    assert.ok(equalBytes(out, pattern(2, 2 << 20)));
    pool.close();
    await engine.close();
  });

  it('thousands of random mixed sync and async ops agree with a plain model', async () => {
    for (const exclusiveGets of [false, true]) {
      const engine = new CopyEngine({ workers: 2, waitMode: 'adaptive', ringSize: 64 });
      const pool = new PagePool({ pages: 48 });
      const fs = new Frontswap(pool, { engine, exclusiveGets });
      fs.init(0);
      fs.init(1);
      const model = new Map<number, number>();  // key -> seed of its bytes
      const checks: Promise<void>[] = [];
      let seed = 99;
      const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) % n;
      let stamp = 1000;
      for (let i = 0; i < 4000; i++) {
        const type = rnd(2);
        const off = rnd(64);
        const key = type * 1000 + off;
        const async = rnd(2) === 1;
        const op = rnd(10);
        if (op < 4) {
          const s = stamp++;
          const full = !model.has(key) && model.size >= 48;
          if (!full) model.set(key, s);
          const expect = !full;
          if (async) checks.push(fs.storeAsync(type, off, pattern(s, 4096)).then((r) => assert.equal(r, expect)));
          else assert.equal(fs.store(type, off, pattern(s, 4096)), expect);
        } else if (op < 8) {
          const want = model.get(key);
          if (exclusiveGets) model.delete(key);
          const out = new Uint8Array(4096);
          const verify = (r: boolean) => {
            assert.equal(r, want !== undefined);
            if (want !== undefined) assert.ok(equalBytes(out, pattern(want, 4096)), `op ${i}: wrong bytes`);
          };
          if (async) checks.push(fs.loadAsync(type, off, out).then(verify));
          else verify(fs.load(type, off, out));
        } else if (op < 9) {
          const had = model.delete(key);
          if (async) {
            const b = fs.batch().invalidatePage(type, off);
            checks.push(b.submit().then((r) => assert.deepEqual(r, [had])));
          } else assert.equal(fs.invalidatePage(type, off), had);
        } else {
          assert.equal(fs.has(type, off), model.has(key));
        }
        if (rnd(200) === 0) await Promise.all(checks.splice(0));
      }
      await Promise.all(checks);
      const s = fs.stats();
      assert.equal(s.storedPages, model.size);
      assert.equal(pool.usedPages, model.size);
      assert.equal(s.storedPages, s.succStores - s.duplicateStores - s.invalidates - s.exclusiveLoads - s.areaInvalidatedPages);
      pool.close();
      await engine.close();
    }
  });
});

describe('back-pressure and bad input', () => {
  it('a batch far larger than the ring is queued, never dropped', async () => {
    for (const waitMode of ['sleep', 'adaptive'] as const) {
      const engine = new CopyEngine({ workers: 2, waitMode, ringSize: 8 });
      const pool = new PagePool({ pages: 2000 });
      const fs = new Frontswap(pool, { engine });
      fs.init(0);
      const b = fs.batch();
      for (let i = 0; i < 2000; i++) b.store(0, i, pattern(i, 4096));
      const r = await b.submit();
      assert.equal(r.length, 2000);
      assert.ok(r.every(Boolean));
      const out = new Uint8Array(4096);
      for (let i = 0; i < 2000; i += 97) {
        fs.load(0, i, out);
        assert.ok(equalBytes(out, pattern(i, 4096)));
      }
      pool.close();
      await engine.close();
    }
  });

  it('a batch with one bad op is refused whole and changes nothing', async () => {
    const engine = new CopyEngine();
    const pool = new PagePool({ pages: 8 });
    const fs = new Frontswap(pool, { engine });
    fs.init(0);
    const b = fs.batch();
    b.store(0, 1, pattern(1, 4096));
    throwsCode(() => b.store(0, 2, new Uint8Array(100)), 'ERR_BUFFER_SIZE', 'RangeError');
    throwsCode(() => b.load(32, 2, new Uint8Array(4096)), 'ERR_OUT_OF_RANGE', 'RangeError');
    throwsCode(() => b.invalidatePage(0, -1), 'ERR_OUT_OF_RANGE', 'RangeError');
    b.store(1, 2, pattern(2, 4096));  // type 1 is not initialized: found at submit
    const before = fs.stats();
    await rejectsCode(b.submit(), 'ERR_TYPE_NOT_INITIALIZED', 'FrontswapError');
    assert.deepEqual(fs.stats(), before);
    assert.equal(fs.has(0, 1), false);
    const detached = new Uint8Array(4096);
    structuredClone(detached.buffer, { transfer: [detached.buffer] });
    await rejectsCode(fs.storeAsync(0, 3, detached), 'ERR_BUFFER_DETACHED', 'FrontswapError');
    await rejectsCode(fs.storeAsync(0, 3, 'page' as never), 'ERR_INVALID_ARG', 'TypeError');
    await rejectsCode(fs.loadAsync(0, 2 ** 32, new Uint8Array(4096)), 'ERR_OUT_OF_RANGE', 'RangeError');
    assert.deepEqual(fs.stats(), before);
    pool.close();
    await engine.close();
  });

  it('raw descriptors that name memory they may not touch complete with an error; the engine keeps going', async () => {
    const engine = new CopyEngine({ workers: 2 });
    const pool = new PagePool({ pages: 8 });
    const other = new PagePool({ pages: 2 });
    const fs = new Frontswap(pool);
    fs.init(0);
    fs.store(0, 1, pattern(6, 4096));  // a fresh pool's first slot, 0: off limits to raw copies
    const slots = pool.reserve(2)!;
    const buf = new Uint8Array(4 * 4096);
    buf.set(pattern(5, 4096), 4096);
    const id = engine.registerBuffer(buf);
    const raw = engine.rawBatch();
    raw.toSlot(pool, slots[0]!, id, 4096);  // fine
    raw.toSlot(pool, 7, id, 0);  // slot not reserved
    raw.toSlot(pool, 0, id, 0);  // slot 0 holds the front-end's page
    raw.toSlot(pool, slots[1]!, id, 3 * 4096 + 1);  // runs past the buffer
    raw.toSlot(pool, slots[1]!, id + 5, 0);  // no such buffer
    raw.toSlot(pool, 4000, id, 0);  // past the pool
    raw.slotToSlot(pool, slots[0]!, 3);  // destination not reserved
    raw.fromSlot(other, 0, id, 0);  // another pool's unreserved slot
    const r = await raw.submit();
    assert.equal(r.completed, 1);
    assert.deepEqual(
      r.failed.map((f) => [f.index, f.error.code]),
      [
        [1, 'ERR_SLOT_NOT_RESERVED'],
        [2, 'ERR_SLOT_NOT_RESERVED'],
        [3, 'ERR_BAD_DESCRIPTOR'],
        [4, 'ERR_BAD_DESCRIPTOR'],
        [5, 'ERR_SLOT_NOT_RESERVED'],
        [6, 'ERR_SLOT_NOT_RESERVED'],
        [7, 'ERR_SLOT_NOT_RESERVED'],
      ],
    );
    // Raw copies on different slots may run on different workers: chain by awaiting.
    assert.equal((await engine.rawBatch().slotToSlot(pool, slots[0]!, slots[1]!).submit()).completed, 1);
    assert.equal((await engine.rawBatch().fromSlot(pool, slots[1]!, id, 2 * 4096).submit()).completed, 1);
    assert.ok(equalBytes(buf.subarray(2 * 4096, 3 * 4096), pattern(5, 4096)), 'the good copies landed');
    const out = new Uint8Array(4096);
    fs.load(0, 1, out);
    assert.ok(equalBytes(out, pattern(6, 4096)), "the front-end's page is untouched");
    pool.close();
    other.close();
    await engine.close();
  });

  it('registered buffers: no view per op, kept alive, and a transfer copies instead of detaching', async () => {
    const engine = new CopyEngine();
    const pool = new PagePool({ pages: 64 });
    const fs = new Frontswap(pool, { engine });
    fs.init(0);
    const src = new Uint8Array(64 * 4096);
    for (let i = 0; i < 64; i++) src.set(pattern(i, 4096), i * 4096);
    engine.registerBuffer(src);
    const b = fs.batch();
    for (let i = 0; i < 64; i++) b.store(0, i, src.subarray(i * 4096, (i + 1) * 4096));
    assert.ok((await b.submit()).every(Boolean));
    const { port1, port2 } = new MessageChannel();
    port1.postMessage(src.buffer, [src.buffer]);
    assert.equal(src.byteLength, 64 * 4096, 'still attached');
    port1.close();
    port2.close();
    const back = new Uint8Array(64 * 4096);
    engine.registerBuffer(back);
    const l = fs.batch();
    for (let i = 0; i < 64; i++) l.load(0, i, back.subarray(i * 4096, (i + 1) * 4096));
    assert.ok((await l.submit()).every(Boolean));
    assert.ok(equalBytes(back, src));
    throwsCode(() => engine.unregisterBuffer(99), 'ERR_OUT_OF_RANGE', 'RangeError');
    pool.close();
    await engine.close();
  });

  it('async calls need an engine', async () => {
    const pool = new PagePool({ pages: 1 });
    const fs = new Frontswap(pool);
    fs.init(0);
    await rejectsCode(fs.storeAsync(0, 0, new Uint8Array(4096)), 'ERR_NO_ENGINE', 'FrontswapError');
    throwsCode(() => fs.batch(), 'ERR_NO_ENGINE', 'FrontswapError');
    pool.close();
  });
});

describe('lifecycle', () => {
  it('close() lets every op in flight land, then joins; later calls fail with ERR_ENGINE_CLOSED', async () => {
    const engine = new CopyEngine({ workers: 2, waitMode: 'sleep' });
    const pool = new PagePool({ pageSize: '2m', pages: 16 });
    const fs = new Frontswap(pool, { engine });
    fs.init(0);
    const ps: Promise<boolean>[] = [];
    for (let i = 0; i < 16; i++) ps.push(fs.storeAsync(0, i, pattern(i, 2 << 20)));
    const closing = engine.close();
    assert.equal(engine.closed, true);
    await rejectsCode(fs.storeAsync(0, 99, pattern(1, 2 << 20)), 'ERR_ENGINE_CLOSED', 'FrontswapError');
    assert.deepEqual(await Promise.all(ps), new Array(16).fill(true));
    await closing;
    await engine.close();  // idempotent
    assert.equal(engine.inFlight, 0);
    const out = new Uint8Array(2 << 20);
    fs.load(0, 15, out);
    assert.ok(equalBytes(out, pattern(15, 2 << 20)));
    throwsCode(() => engine.registerBuffer(out), 'ERR_ENGINE_CLOSED', 'FrontswapError');
    throwsCode(() => new Frontswap(pool, { engine }), 'ERR_ENGINE_CLOSED', 'FrontswapError');
    throwsCode(() => fs.batch(), 'ERR_ENGINE_CLOSED', 'FrontswapError');
    pool.close();
  });

  it('closing the pool under ops in flight: they settle, none crashes, and the mapping goes', async () => {
    const engine = new CopyEngine({ workers: 1, waitMode: 'sleep' });
    const page = pattern(3, 2 << 20);
    // Whether the worker copies all 32 pages before close() runs is up to the
    // scheduler (a descheduled caller on a loaded machine gives it milliseconds):
    // every round must settle cleanly, and rounds go on until one closes with
    // copies still queued, which must then be reported.
    let reported = false;
    for (let round = 0; round < 20 && !reported; round++) {
      const pool = new PagePool({ pageSize: '2m', pages: 32 });
      const fs = new Frontswap(pool, { engine });
      fs.init(0);
      const ps: Promise<boolean>[] = [];
      for (let i = 0; i < 32; i++) ps.push(fs.storeAsync(0, i, page));
      pool.close();
      const settled = await Promise.allSettled(ps);
      for (const s of settled) {
        if (s.status === 'rejected') assert.equal((s.reason as { code?: string }).code, 'ERR_POOL_CLOSED');
        else assert.equal(s.value, true, 'a copy that ran before close() was stored');
      }
      reported = settled.some((s) => s.status === 'rejected');
      throwsCode(() => fs.store(0, 1, page), 'ERR_POOL_CLOSED', 'FrontswapError');
    }
    assert.ok(reported, 'copies still queued at close are reported');
    await engine.close();
  });

  it('a pool dropped after raw copies is unmapped on collection, while its engine lives on idle', async () => {
    const engine = new CopyEngine({ waitMode: 'sleep' });
    const buf = new Uint8Array(4096);
    const id = engine.registerBuffer(buf);
    await collectUntil(() => false, 3);  // earlier tests' garbage goes first: only this pool moves the count
    const before = addon.externalMemory();
    await (async () => {
      const pool = new PagePool({ pageSize: '2m', pages: 16, backing: 'normal' });
      const slots = pool.reserve(2)!;
      const r = await engine.rawBatch().slotToSlot(pool, slots[0]!, slots[1]!).submit();
      assert.equal(r.completed, 1);
      assert.ok(addon.externalMemory() - before >= 32 << 20, 'the pool is counted while alive');
    })();
    assert.ok(await collectUntil(() => addon.externalMemory() - before < 1 << 20), 'unmapped once collected');
    assert.equal(id, 0);
    await engine.close();
  });

  it('a page handed to an async op stays alive until its copy lands', async () => {
    const engine = new CopyEngine({ workers: 1, waitMode: 'sleep' });
    const pool = new PagePool({ pageSize: '2m', pages: 8 });
    const fs = new Frontswap(pool, { engine });
    fs.init(0);
    const ps: Promise<boolean>[] = [];
    for (let i = 0; i < 8; i++) ps.push(fs.storeAsync(0, i, pattern(i, 2 << 20)));  // no other reference
    await collectUntil(() => false, 3);  // collect while the copies run
    assert.ok((await Promise.all(ps)).every(Boolean));
    const out = new Uint8Array(2 << 20);
    for (let i = 0; i < 8; i++) {
      fs.load(0, i, out);
      assert.ok(equalBytes(out, pattern(i, 2 << 20)));
    }
    pool.close();
    await engine.close();
  });

  it('an await survives collections while nothing but the engine holds it', { timeout: 60_000 }, async () => {
    // The awaiting function is reachable only through the engine's pending list.
    const run = async (): Promise<string> => {
      const engine = new CopyEngine({ waitMode: 'adaptive', completion: 'wakeup' });
      const pool = new PagePool({ pageSize: '2m', pages: 4 });
      const fs = new Frontswap(pool, { engine });
      fs.init(0);
      const page = pattern(1, 2 << 20);
      for (let i = 0; i < 30; i++) await fs.batch().store(0, i % 4, page).store(0, (i + 1) % 4, page).submit();
      await engine.close();
      pool.close();
      return 'landed';
    };
    let settled = false;
    const result = run().finally(() => (settled = true));
    assert.ok(await collectUntil(() => settled, 2000), 'the run finished while being collected at');
    assert.equal(await result, 'landed');
  });

  it('stats count completions, parks and wake-ups', async () => {
    const engine = new CopyEngine({ workers: 2, waitMode: 'sleep', completion: 'wakeup' });
    const pool = new PagePool({ pageSize: '2m', pages: 16 });
    const fs = new Frontswap(pool, { engine });
    fs.init(0);
    const page = pattern(1, 2 << 20);
    for (let r = 0; r < 2; r++) {
      const b = fs.batch();
      for (let i = 0; i < 8; i++) b.store(0, r * 8 + i, page);
      await b.submit();
    }
    const s = engine.stats();
    assert.equal(s.inFlight, 0);
    assert.equal(s.workers.length, 2);
    assert.equal(s.workers[0]!.completed + s.workers[1]!.completed, 16);
    assert.ok(s.workers.every((w) => w.cpuNs > 0), 'both workers ran');
    // Parks and wake-ups depend on timing: they are counted, not predicted.
    for (const w of s.workers) for (const n of [w.sleeps, w.wakeups, w.jsWakes]) assert.ok(Number.isInteger(n) && n >= 0);
    pool.close();
    await engine.close();
  });
});
