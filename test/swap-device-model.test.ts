/**
 * Model-based random testing of device-backed front-ends: random sequences of
 * sync and io_uring operations (batches awaited at once or later, so several are
 * in flight) on a SwapDevice over a file, a loop device and zram (the last two as
 * root), under every discard policy, checked step by step against the same
 * reference model as the pool's (test/model/reference-model.ts). Async results
 * and a load's bytes are the model's at issue time.
 *
 * FRONTSWAP_SEED fixes the seed (printed either way).
 */
import * as assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { Frontswap, SwapDevice, type DiscardPolicy } from '../lib/index';
import { addon } from '../lib/binding';
import { DEVICE_BACKENDS, cleanupDevices } from './device-fixtures';
import { fillPage } from './model/commands';
import { COUNTER_NAMES, ModelFrontswap, ModelPool, attempt, type ModelBatchOp } from './model/reference-model';

after(cleanupDevices);

const SEED = process.env['FRONTSWAP_SEED'] ? Number(process.env['FRONTSWAP_SEED']) | 0 : (Math.random() * 0x100000000) | 0;
console.log(`device model-based tests: FRONTSWAP_SEED=${SEED}`);
const PAGE = 4096;

type Cmd =
  | { op: 'init' | 'invalidateArea'; type: number }
  | { op: 'store' | 'load' | 'invalidatePage' | 'has'; type: number; offset: number }
  | { op: 'batch'; ops: ModelBatchOp[]; awaitNow: boolean }
  | { op: 'awaitAll' };

const key = { type: fc.integer({ min: 0, max: 2 }), offset: fc.integer({ min: 0, max: 11 }) };
let stampCounter = 1;
let opsRun = 0;
const batchOp: fc.Arbitrary<ModelBatchOp> = fc.oneof(
  fc.record({ op: fc.constant('store' as const), ...key, stamp: fc.constant(0) }),
  fc.record({ op: fc.constant('load' as const), ...key }),
  fc.record({ op: fc.constant('invalidatePage' as const), ...key }),
);
const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 1, arbitrary: fc.record({ op: fc.constantFrom('init' as const, 'invalidateArea' as const), type: key.type }) },
  { weight: 6, arbitrary: fc.record({ op: fc.constantFrom('store' as const, 'load' as const, 'invalidatePage' as const, 'has' as const), ...key }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('batch' as const), ops: fc.array(batchOp, { minLength: 1, maxLength: 24 }), awaitNow: fc.boolean() }) },
  { weight: 1, arbitrary: fc.constant({ op: 'awaitAll' as const }) },
);

/** attempt() for the real front-end: a thrown error becomes its code. */
function real<T>(fn: () => T): { ok: true; value: T } | { ok: false; code: string } {
  try {
    return { ok: true, value: fn() };
  } catch (e) {
    return { ok: false, code: String((e as { code?: unknown }).code) };
  }
}

function samePage(got: Uint8Array, stamp: number, where: string): void {
  const want = new Uint8Array(PAGE);
  fillPage(want, stamp);
  assert.ok(Buffer.compare(Buffer.from(got.buffer, got.byteOffset, PAGE), Buffer.from(want.buffer)) === 0, `${where}: the bytes of stamp ${stamp}`);
}

async function runProgram(open: () => SwapDevice, exclusive: boolean, depth: number, cmds: Cmd[]): Promise<void> {
  const dev = open();
  const fs = new Frontswap(dev, { exclusiveGets: exclusive, io: 'uring', queueDepth: depth });
  const pool = new ModelPool(dev.capacity);
  const model = new ModelFrontswap(pool, exclusive);
  const pending: Promise<void>[] = [];
  try {
    for (const [i, c] of cmds.entries()) {
      opsRun += c.op === 'batch' ? c.ops.length : 1;
      const where = `command ${i} ${JSON.stringify(c)}`;
      switch (c.op) {
        case 'init':
        case 'invalidateArea': {
          const want = attempt(() => (c.op === 'init' ? model.init(c.type) : model.invalidateArea(c.type)));
          const got = real(() => (c.op === 'init' ? fs.init(c.type) : fs.invalidateArea(c.type)));
          assert.deepEqual(got, want, where);
          break;
        }
        case 'store': {
          const stamp = stampCounter++;
          const page = new Uint8Array(PAGE);
          fillPage(page, stamp);
          const want = attempt(() => model.store(c.type, c.offset, stamp));
          const got = real(() => fs.store(c.type, c.offset, page));
          assert.deepEqual(got, want, where);
          break;
        }
        case 'load': {
          const out = new Uint8Array(PAGE);
          const want = attempt(() => model.load(c.type, c.offset));
          const got = real(() => fs.load(c.type, c.offset, out));
          assert.deepEqual(got.ok ? { ok: true, value: got.value } : got, want.ok ? { ok: true, value: want.value !== undefined } : want, where);
          if (want.ok && want.value !== undefined) samePage(out, want.value, where);
          break;
        }
        case 'invalidatePage':
        case 'has': {
          const want = attempt(() => (c.op === 'has' ? model.has(c.type, c.offset) : model.invalidatePage(c.type, c.offset)));
          const got = real(() => (c.op === 'has' ? fs.has(c.type, c.offset) : fs.invalidatePage(c.type, c.offset)));
          assert.deepEqual(got, want, where);
          break;
        }
        case 'batch': {
          const ops = c.ops.map((o) => (o.op === 'store' ? { ...o, stamp: stampCounter++ } : o));
          const want = attempt(() => model.batch(ops));
          const b = fs.batch();
          const outs: Uint8Array[] = [];
          for (const o of ops) {
            if (o.op === 'store') {
              const page = new Uint8Array(PAGE);
              fillPage(page, o.stamp);
              b.store(o.type, o.offset, page);
            } else if (o.op === 'load') {
              const out = new Uint8Array(PAGE);
              outs.push(out);
              b.load(o.type, o.offset, out);
            } else {
              b.invalidatePage(o.type, o.offset);
            }
          }
          const p = b.submit().then(
            (res) => {
              assert.ok(want.ok, `${where}: resolved, the model refused with ${want.ok ? '' : want.code}`);
              let k = 0;
              res.forEach((r, j) => {
                const w = want.value[j];
                if (ops[j]!.op === 'load') {
                  assert.equal(r, w !== undefined, `${where}: op ${j}`);
                  if (w !== undefined) samePage(outs[k]!, w as number, `${where}: op ${j}`);
                  k++;
                } else {
                  assert.equal(r, w, `${where}: op ${j}`);
                }
              });
            },
            (e: { code?: string }) => assert.deepEqual({ ok: false, code: e.code }, want, where),
          );
          if (c.awaitNow) await p;
          else pending.push(p);
          break;
        }
        case 'awaitAll':
          await Promise.all(pending.splice(0));
          break;
      }
      const s = fs.stats();
      const m = model.stats();
      for (const n of COUNTER_NAMES) assert.equal(s[n], m[n], `${where}: stats().${n}`);
      assert.equal(dev.usedPages, pool.used, `${where}: usedPages`);
    }
    await Promise.all(pending.splice(0));
    const st = dev.stats();
    assert.equal(st.usedPages, pool.used);
    if (dev.discard === 'immediate') assert.equal(st.staleSlots, 0, 'immediate discard leaves nothing stale');
  } finally {
    await Promise.allSettled(pending);
    dev.close();
  }
}

after(() => console.log(`device model-based tests: ${opsRun} operations`));

describe('device front-ends against the reference model', { skip: addon.wire.uring ? false : 'built without liburing' }, () => {
  for (const backend of DEVICE_BACKENDS) {
    for (const exclusive of [false, true]) {
      it(`${backend.name}, exclusiveGets ${exclusive ? 'on' : 'off'}`, { skip: backend.skip ?? false }, async () => {
        await fc.assert(
          fc.asyncProperty(
            fc.constantFrom<DiscardPolicy>('immediate', 'none', { batch: 3 }),
            fc.constantFrom(1, 4, 32),
            fc.integer({ min: 1, max: 10 }),
            fc.array(cmd, { minLength: 20, maxLength: 80 }),
            async (discard, depth, pages, cmds) => {
              await runProgram(() => backend.open(PAGE, pages, discard) as SwapDevice, exclusive, depth, [{ op: 'init', type: 0 }, { op: 'init', type: 1 }, ...cmds]);
            },
          ),
          { seed: SEED + (exclusive ? 1 : 0), numRuns: backend.name === 'file' ? 150 : 75 },
        );
      });
    }
  }
});
