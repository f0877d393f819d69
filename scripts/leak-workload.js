'use strict';
/**
 * The workload scripts/leak-check.sh runs under valgrind: CYCLES create/use/close
 * cycles of pools, front-ends and engines touching every native path (sync and
 * async ops, batches, registered buffers, raw batches over reserved slots, error
 * paths), half of them closed and half dropped and collected, plus a few
 * worker_threads Workers terminated in the middle of a batch. Run with
 * --expose-gc. Prints "workload done" at the end.
 *
 * Objects are held from module scope while they are in use, so that the run does
 * not depend on the library keeping an awaited engine alive (that has a test of
 * its own in test/resources.test.ts).
 */
const path = require('node:path');
const { Worker } = require('node:worker_threads');

const LIB = path.join(__dirname, '..', 'dist', 'lib', 'index.js');
const { PagePool, Frontswap, CopyEngine } = require(LIB);
const deviceCycle = require('./leak-workload-device');

const CYCLES = Number(process.env.LEAK_CYCLES || 200);
const WORKERS = Number(process.env.LEAK_WORKERS || 4);
const MODES = ['sleep', 'adaptive', 'spin'];
const PS = 4096;

let held = null;

function page(seed, size = PS) {
  return new Uint8Array(size).fill(seed & 0xff);
}

function swallow(fn) {
  try {
    fn();
  } catch {
    /* the error path is the point */
  }
}

async function cycle(i) {
  const big = i % 25 === 7;
  const pageSize = big ? 2 << 20 : PS;
  const pool = new PagePool({ pageSize, pages: big ? 3 : 64, prefault: i % 2 === 0 });
  const engine = new CopyEngine({ workers: 1 + (i % 2), waitMode: i % 20 === 3 ? 'spin' : MODES[i % 2], ringSize: i % 3 === 0 ? 4 : 1024 });
  const fs = new Frontswap(pool, { engine });
  const fsx = new Frontswap(pool, { engine, exclusiveGets: true });
  const plain = new Frontswap(pool);
  held = { pool, engine, fs, fsx, plain };
  for (const f of [fs, fsx, plain]) {
    f.init(0);
    f.init(1);
  }
  const out = new Uint8Array(pageSize);
  // sync
  plain.store(0, 1, page(i, pageSize));
  plain.load(0, 1, out);
  plain.has(0, 1);
  plain.invalidatePage(0, 1);
  plain.store(1, 2, page(i + 1, pageSize));
  plain.invalidateArea(1);
  plain.init(1);
  fsx.store(0, 3, page(i + 2, pageSize));
  fsx.load(0, 3, out);
  fs.stats();
  // async
  await fs.storeAsync(0, 4, page(i + 3, pageSize));
  await fs.loadAsync(0, 4, out);
  await fsx.storeAsync(1, 5, page(i + 4, pageSize));
  await fsx.loadAsync(1, 5, out);
  // registered buffer, fixed-buffer batch ops
  const arena = new Uint8Array(4 * pageSize);
  const id = engine.registerBuffer(arena);
  const b = fs.batch();
  b.store(0, 6, arena.subarray(0, pageSize)).storeFrom(0, 7, id, pageSize).load(0, 6, out).loadInto(0, 7, id, 2 * pageSize).invalidatePage(0, 6);
  await b.submit();
  // raw copies over reserved slots
  const slots = pool.reserve(2);
  if (slots) {
    const raw = engine.rawBatch();
    raw.toSlot(pool, slots[0], id, 0).slotToSlot(pool, slots[0], slots[1]).fromSlot(pool, slots[1], id, 3 * pageSize);
    raw.toSlot(pool, 0xffffffff, id, 0);  // refused, reported in failed
    await raw.submit();
    pool.release(slots);
  }
  engine.unregisterBuffer(id);
  // error paths
  swallow(() => fs.store(9, 0, out));
  swallow(() => fs.store(0, 0, new Uint8Array(3)));
  swallow(() => fs.init(0));
  swallow(() => engine.unregisterBuffer(id));
  await fs.batch().store(7, 1, out).submit().catch(() => undefined);
  await fs.storeAsync(0, 2 ** 32, out).catch(() => undefined);
  if (i % 2 === 0) {
    await engine.close();
    pool.close();
  }
  held = null;  // odd cycles: dropped without close(), left to the collector
  if (i % 10 === 9) await collect(2);
}

async function collect(rounds) {
  for (let r = 0; r < rounds; r++) {
    global.gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

const WORKER_CODE = `
  const { parentPort } = require('node:worker_threads');
  const { PagePool, Frontswap, CopyEngine } = require(${JSON.stringify(LIB)});
  const engine = new CopyEngine({ workers: 2, waitMode: 'sleep', ringSize: 16 });
  const pool = new PagePool({ pageSize: 65536, pages: 64 });
  const fs = new Frontswap(pool, { engine });
  fs.init(0);
  const src = new Uint8Array(65536).fill(7);
  globalThis.held = { engine, pool, fs };
  let n = 0;
  (async () => {
    for (;;) {
      const b = fs.batch();
      for (let i = 0; i < 64; i++) b.store(0, (n + i) % 64, src);
      const p = b.submit();
      if (n++ === 2) parentPort.postMessage('busy');
      await p;
    }
  })();
`;

async function workerTerminatedMidBatch() {
  const w = new Worker(WORKER_CODE, { eval: true });
  await new Promise((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
  });
  await w.terminate();
}

(async () => {
  for (let i = 0; i < CYCLES; i++) {
    await cycle(i);
    if (i % 4 === 0) await deviceCycle(i);
    if (WORKERS > 0 && i % Math.max(1, Math.floor(CYCLES / WORKERS)) === 0) await workerTerminatedMidBatch();
  }
  await collect(6);
  console.log('workload done');
})().catch((e) => {
  console.error(e);
  process.exit(3);
});
