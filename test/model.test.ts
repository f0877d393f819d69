/**
 * Model-based random testing (test/model/): random sequences of sync and async
 * frontswap operations against the real pool, front-ends and engine, checked step
 * by step against the reference model. A bounded budget for CI: at least 100,000
 * operations over 4 KiB and 2 MiB pages, with exclusiveGets off and on.
 *
 * The same generator and model then run over the other backend, a SwapDevice on
 * a file, a loop device and zram (the last two as root: made and removed by
 * test/device-fixtures.ts), with sync pread/pwrite and with io_uring.
 *
 * The seed comes from FRONTSWAP_SEED when set, else it is random; it is printed
 * either way, and a failure prints it with the shortest failing sequence.
 * Longer runs: node dist/bench/soak.js --minutes N [--seed S].
 */
import * as assert from 'node:assert/strict';
import { after, describe, it, type TestContext } from 'node:test';
import { Frontswap } from '../lib/index';
import { addon } from '../lib/binding';
import { cleanupDevices, deviceBackend, type DeviceKind } from './device-fixtures';
import { checkBudget, describeCheck, fillPage, runProgram, type ArbOptions, type Setup } from './model/commands';
import { ModelFrontswap, ModelPool, attempt } from './model/reference-model';

function seedFromEnv(): number {
  const raw = process.env['FRONTSWAP_SEED'];
  if (raw === undefined || raw === '') return (Math.random() * 0x100000000) | 0;
  const n = Number(raw);
  if (!Number.isInteger(n)) throw new Error(`FRONTSWAP_SEED must be an integer, got ${JSON.stringify(raw)}`);
  return n | 0;
}

const SEED = seedFromEnv();
const REPRODUCE = `FRONTSWAP_SEED=${SEED} node --test dist/test/model.test.js`;
console.log(`model-based tests: FRONTSWAP_SEED=${SEED}`);

/** The budget: operations per check (each check stops at the first chunk that reaches it). */
const CHECKS = [
  { pageSize: 4096, exclusiveGets: false, budgetOps: 50_000, maxCommands: 400 },
  { pageSize: 4096, exclusiveGets: true, budgetOps: 50_000, maxCommands: 400 },
  { pageSize: 2097152, exclusiveGets: false, budgetOps: 12_500, maxCommands: 200 },
  { pageSize: 2097152, exclusiveGets: true, budgetOps: 12_500, maxCommands: 200 },
];
const MIN_TOTAL_OPS = 100_000;

/** Over a SwapDevice: every kind, sync and io_uring, 4 KiB pages (a file also 2 MiB). */
const DEVICE_CHECKS: (Check & { device: NonNullable<Check['device']> })[] = [];
(['file', 'loop', 'zram'] as DeviceKind[]).forEach((kind, k) => {
  (['sync', 'uring'] as const).forEach((io, j) => {
    // exclusiveGets (of the first front-end; the others are random) differs by kind and io.
    DEVICE_CHECKS.push({ pageSize: 4096, exclusiveGets: (k + j) % 2 === 1, maxCommands: 200, device: { kind, io }, budgetOps: 5_000 });
  });
});
DEVICE_CHECKS.push({ pageSize: 2097152, exclusiveGets: true, maxCommands: 100, device: { kind: 'file', io: 'uring' }, budgetOps: 500 });

type Check = Pick<ArbOptions, 'pageSize' | 'exclusiveGets' | 'maxCommands' | 'device'> & { budgetOps: number };

/** Runs one check's budget of random programs; fails the test with the shrunk sequence; returns the operations run. */
async function budgetedCheck(t: TestContext, c: Check, index: number): Promise<number> {
  const started = Date.now();
  const r = await checkBudget({ ...c, seed: SEED, index, runsPerChunk: 25, reproduce: REPRODUCE });
  t.diagnostic(`FRONTSWAP_SEED=${SEED}: ${r.runs} programs, ${r.ops} operations in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (r.failure) {
    console.error(r.failure);
    assert.fail(r.failure);
  }
  assert.ok(r.ops >= c.budgetOps);
  return r.ops;
}

function deviceSkip(d: NonNullable<ArbOptions['device']>): string | false {
  if (d.io === 'uring' && !addon.wire.uring) return 'built without liburing';
  return deviceBackend(d.kind).skip ?? false;
}

describe('the reference model', () => {
  it('follows the kernel rules it encodes', () => {
    const pool = new ModelPool(2);
    const a = new ModelFrontswap(pool, false);
    const b = new ModelFrontswap(pool, true);
    a.init(0);
    b.init(0);
    assert.deepEqual(attempt(() => a.init(0)), { ok: false, code: 'ERR_TYPE_ALREADY_INITIALIZED' });
    assert.deepEqual(attempt(() => a.store(1, 0, 1)), { ok: false, code: 'ERR_TYPE_NOT_INITIALIZED' });
    assert.equal(a.store(0, 1, 10), true);
    assert.equal(b.store(0, 1, 20), true, 'keys are per front-end');
    assert.equal(a.store(0, 2, 11), false, 'the pool is shared and full');
    assert.equal(a.store(0, 1, 12), true, 'a duplicate store needs no new page');
    assert.equal(a.load(0, 1), 12);
    assert.equal(b.load(0, 1), 20);
    assert.equal(b.has(0, 1), false, 'exclusive load freed it');
    assert.equal(pool.used, 1);
    assert.deepEqual(
      attempt(() => a.batch([{ op: 'store', type: 0, offset: 3, stamp: 13 }, { op: 'load', type: 5, offset: 0 }])),
      { ok: false, code: 'ERR_TYPE_NOT_INITIALIZED' },
    );
    assert.equal(a.has(0, 3), false, 'a refused batch changes nothing');
    a.invalidateArea(0);
    assert.equal(pool.used, 0);
    assert.deepEqual(a.stats(), {
      succStores: 2,
      failedStores: 1,
      duplicateStores: 1,
      loads: 1,
      failedLoads: 0,
      exclusiveLoads: 0,
      invalidates: 0,
      areaInvalidates: 1,
      areaInvalidatedPages: 1,
      storedPages: 0,
      usedPages: 0,
      capacity: 2,
      initializedTypes: [],
    });
  });

  it('fillPage: every stamp gives other bytes, and every 4 KiB chunk of a page is distinct', () => {
    const a = new Uint8Array(2 << 20);
    const b = new Uint8Array(2 << 20);
    fillPage(a, 1);
    fillPage(b, 2);
    assert.notDeepEqual(a.subarray(0, 4096), b.subarray(0, 4096));
    const chunks = new Set<string>();
    for (let c = 0; c < 512; c++) chunks.add(Buffer.from(a.subarray(c * 4096, c * 4096 + 4096)).toString('base64'));
    assert.equal(chunks.size, 512);
  });
});

describe('the harness catches a front-end that breaks the async rule', () => {
  const overFile = { kind: 'file', io: 'uring' } as const;
  for (const device of [undefined, overFile]) {
    it(`a loadAsync that decides at completion, not at issue, fails and shrinks to a command or two (over ${device ? 'a SwapDevice on a file' : 'a PagePool'})`, { skip: device ? deviceSkip(device) : false }, async () => {
      const setup: Setup = {
        pageSize: 4096,
        pages: 2,
        frontends: [false],
        initTypes: [0],
        engines: 1,
        workers: 1,
        waitMode: 'sleep',
        completion: 'auto',
        ringSize: 1024,
        registered: false,
        prefault: false,
        ...(device ? { device: { ...device, queueDepth: 4, discard: 'immediate' as const } } : {}),
      };
      const orig = Frontswap.prototype.loadAsync;
      Frontswap.prototype.loadAsync = function (this: Frontswap, t: number, o: number, p: ArrayBufferView) {
        return new Promise<void>((r) => setImmediate(r)).then(() => orig.call(this, t, o, p));
      };
      try {
        await assert.rejects(
          runProgram(setup, [
            { op: 'store', fe: 0, type: 0, offset: 1, via: 'sync' },
            { op: 'load', fe: 0, type: 0, offset: 1, via: 'later' },
            { op: 'store', fe: 0, type: 0, offset: 1, via: 'sync' },
          ]),
          /disagrees with the model|bytes differ/,
        );
        const r = await checkBudget({ pageSize: 4096, exclusiveGets: false, seed: 1, index: 0, budgetOps: 20_000, runsPerChunk: 25, maxCommands: 100, ...(device ? { device } : {}) });
        assert.ok(r.failure, 'the broken front-end was caught');
        const shrunk = /shrunk \d+ time\(s\) to (\d+) command\(s\)/.exec(r.failure);
        assert.ok(shrunk && Number(shrunk[1]) <= 2, `shrunk to a command or two:\n${r.failure}`);
        assert.match(r.failure, /loadAsync\(/);
      } finally {
        Frontswap.prototype.loadAsync = orig;
      }
    });
  }
});

describe(`model-based random testing (FRONTSWAP_SEED=${SEED})`, () => {
  let total = 0;
  CHECKS.forEach((c, index) => {
    it(`${describeCheck(c)}: ${c.budgetOps} operations`, async (t) => {
      total += await budgetedCheck(t, c, index);
    });
  });
  it(`ran at least ${MIN_TOTAL_OPS} operations in all`, (t) => {
    t.diagnostic(`${total} operations`);
    assert.ok(total >= MIN_TOTAL_OPS, `only ${total} operations`);
  });
});

describe(`model-based random testing over a SwapDevice (FRONTSWAP_SEED=${SEED})`, () => {
  after(cleanupDevices);
  DEVICE_CHECKS.forEach((c, k) => {
    it(`${describeCheck(c)}: ${c.budgetOps} operations`, { skip: deviceSkip(c.device) }, async (t) => {
      await budgetedCheck(t, c, CHECKS.length + k);
    });
  });
});
