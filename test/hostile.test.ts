/**
 * Hostile but legal pages on every async entry point (storeAsync, loadAsync,
 * batch store/load, registerBuffer with storeFrom/loadInto), on 4 KiB and 2 MiB
 * pages: resizable buffers, views whose own properties lie or throw, user code
 * that re-enters the library, bad pages. Scenarios that once crashed the
 * process run in child processes (test/hostile/child.ts); under
 * scripts/asan-test.sh the children inherit the sanitizer build.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { CopyEngine, Frontswap, PagePool } from '../lib/index';
import { addon } from '../lib/binding';
import { coreOf } from '../lib/copy-engine';
import { handleOf } from '../lib/page-pool';
import { equalBytes, pattern, rejectsCode, throwsCode } from './helpers';

const PAGE_SIZES = [4096, 2 << 20];

/** ES2024 resizable ArrayBuffer, typed here (the TS lib targets an older ES). */
function resizable(n: number, max: number): ArrayBuffer {
  return new (ArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => ArrayBuffer)(n, { maxByteLength: max });
}
const CHILD = path.join(__dirname, 'hostile', 'child.js');

interface Ctx {
  ps: number;
  pool: PagePool;
  engine: CopyEngine;
  fs: Frontswap;
}

async function withCtx(ps: number, fn: (c: Ctx) => Promise<void>): Promise<void> {
  const pool = new PagePool({ pageSize: ps, pages: 16, backing: 'normal' });
  const engine = new CopyEngine({ workers: 2 });
  const fs = new Frontswap(pool, { engine });
  fs.init(0);
  try {
    await fn({ ps, pool, engine, fs });
  } finally {
    await engine.close();
    pool.close();
  }
}

/** The thrown or rejected error of an async entry point, whichever way it fails. */
async function failure(f: () => unknown): Promise<Error & { code?: string; cause?: unknown }> {
  try {
    await f();
  } catch (e) {
    return e as Error & { code?: string };
  }
  assert.fail('expected a failure');
}

function runChild(scenario: string, ps: number): Record<string, unknown> {
  const r = spawnSync(process.execPath, ['--expose-gc', CHILD, scenario, String(ps)], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.signal, null, `${scenario} died of ${r.signal}:\n${r.stderr}`);
  assert.equal(r.status, 0, `${scenario} exited ${r.status}:\n${r.stderr}`);
  const line = r.stdout.trim().split('\n').pop()!;
  return JSON.parse(line) as Record<string, unknown>;
}

/** Every async way to hand a page to the engine; a store or a load. */
type Entry = { name: string; run: (c: Ctx, page: unknown, key: number) => Promise<unknown> };
const ENTRIES: Entry[] = [
  { name: 'storeAsync', run: (c, p, k) => c.fs.storeAsync(0, k, p as ArrayBufferView) },
  { name: 'loadAsync', run: (c, p, k) => c.fs.loadAsync(0, k, p as ArrayBufferView) },
  { name: 'batch().store', run: (c, p, k) => c.fs.batch().store(0, k, p as ArrayBufferView).submit() },
  { name: 'batch().load', run: (c, p, k) => c.fs.batch().load(0, k, p as ArrayBufferView).submit() },
  { name: 'registerBuffer', run: async (c, p) => c.engine.registerBuffer(p as ArrayBufferView) },
];

for (const ps of PAGE_SIZES) {
  describe(`hostile pages, ${ps} B pages`, () => {
    describe('resizable ArrayBuffers', () => {
      for (const e of ENTRIES) {
        it(`${e.name} refuses a view over a resizable ArrayBuffer with ERR_BUFFER_RESIZABLE and changes nothing`, () =>
          withCtx(ps, async (c) => {
            const good = pattern(1, ps);
            c.fs.store(0, 1, good);
            const before = c.fs.stats();
            const rab = resizable(ps, ps * 2);
            for (const view of [new Uint8Array(rab), new DataView(rab), new Uint32Array(rab, 0, ps / 4)]) {
              const err = await failure(() => e.run(c, view, 1));
              assert.equal(err.code, 'ERR_BUFFER_RESIZABLE', err.message);
              assert.equal(err.name, 'FrontswapError');
            }
            assert.deepEqual(c.fs.stats(), before);
            const out = new Uint8Array(ps);
            assert.ok(c.fs.load(0, 1, out) && equalBytes(out, good), 'the stored page is untouched');
          }));
      }

      it('the addon refuses it natively even when the TS checks are bypassed', () =>
        withCtx(ps, async (c) => {
          const h = addon.createFrontswap(handleOf(c.pool), false, coreOf(c.engine).handle);
          h.init(0);
          const ops = new Uint32Array(4);
          ops[0] = addon.wire.fsOp.store | (addon.wire.fsOp.bufView << addon.wire.fsOp.bufShift);
          const rab = resizable(ps, ps * 2);
          throwsCode(() => h.submit(ops, 1, [new Uint8Array(rab)], new Int32Array(1), new Uint32Array(2)), 'ERR_BUFFER_RESIZABLE', 'FrontswapError');
          assert.equal(h.has(0, 0), false);
        }));

      it('a sync store still takes a resizable buffer (no copy outlives the call)', () =>
        withCtx(ps, async (c) => {
          const rab = resizable(ps, ps * 2);
          new Uint8Array(rab).set(pattern(3, ps));
          assert.equal(c.fs.store(0, 3, new Uint8Array(rab)), true);
          const out = new Uint8Array(ps);
          assert.ok(c.fs.load(0, 3, out) && equalBytes(out, pattern(3, ps)));
        }));

      it('growable SharedArrayBuffers are accepted everywhere, and grow while copies run (child process)', () => {
        const r = runChild('growInFlight', ps);
        assert.equal(r['good'], 24);
      });

      it('resizing to 0 right after every async entry point: refused, no crash (child process)', () => {
        const r = runChild('resizeInFlight', ps);
        assert.deepEqual(r['codes'], ['ERR_BUFFER_RESIZABLE']);
        assert.equal(r['stored'], 0);
      });
    });

    describe('views whose own properties lie', () => {
      it('a buffer getter naming a decoy: the real memory is pinned and copied, even when transferred and collected (child process)', () => {
        const r = runChild('lyingBufferTransfer', ps);
        assert.equal(r['good'], 24);
        assert.equal(r['transferred'], 0, 'the real buffer stayed attached');
      });

      it('the same lie on a batch load: the bytes land in the real memory (child process)', () => {
        const r = runChild('lyingBufferLoad', ps);
        assert.equal(r['good'], 24);
      });

      it('lying or throwing buffer / byteOffset / byteLength getters: every entry point reads the real view, as the sync twin does', () =>
        withCtx(ps, async (c) => {
          const lies: [string, PropertyDescriptor][] = [
            ['buffer', { get: () => new ArrayBuffer(ps) }],
            ['buffer', { get: () => { throw new Error('buffer getter'); } }],
            ['byteOffset', { get: () => 7 }],
            ['byteLength', { get: () => { throw new Error('byteLength getter'); } }],
            ['byteLength', { get: () => 1 }],
          ];
          let key = 10;
          for (const [prop, desc] of lies) {
            const src = pattern(key, ps);
            Object.defineProperty(src, prop, desc);
            assert.equal(c.fs.store(0, key, src), true, `sync store with a lying ${prop}`);
            assert.equal(await c.fs.storeAsync(0, key + 1, src), true, `storeAsync with a lying ${prop}`);
            assert.deepEqual(await c.fs.batch().store(0, key + 2, src).submit(), [true]);
            const dst = new Uint8Array(ps);
            Object.defineProperty(dst, prop, desc);
            for (const k of [key, key + 1, key + 2]) {
              dst.fill(0);
              assert.equal(await c.fs.loadAsync(0, k, dst), true);
              assert.ok(equalBytes(new Uint8Array(dst.subarray(0)), pattern(key, ps)), `key ${k}, lying ${prop}`);
            }
            for (const k of [key, key + 1, key + 2]) c.fs.invalidatePage(0, k);
            key += 3;
          }
        }));

      it('a registered buffer is found by its real buffer and offset, not by what its properties say', () =>
        withCtx(ps, async (c) => {
          const reg = new Uint8Array(ps * 2);
          const id = c.engine.registerBuffer(reg);
          reg.set(pattern(21, ps), 0);
          // A page of other memory that claims to live in the registered buffer.
          const other = pattern(22, ps);
          Object.defineProperty(other, 'buffer', { get: () => reg.buffer });
          Object.defineProperty(other, 'byteOffset', { get: () => 0 });
          assert.equal(await c.fs.storeAsync(0, 1, other), true);
          const out = new Uint8Array(ps);
          assert.ok(c.fs.load(0, 1, out) && equalBytes(out, pattern(22, ps)), 'the bytes of the real page');
          assert.deepEqual(await c.fs.batch().loadInto(0, 1, id, ps).submit(), [true]);
          assert.ok(equalBytes(reg.subarray(ps), pattern(22, ps)));
        }));
    });

    describe('user code that re-enters the library', () => {
      it('a buffer getter that calls storeAsync never runs, and no other key is touched', () =>
        withCtx(ps, async (c) => {
          const outer = pattern(31, ps);
          const inner = pattern(32, ps);
          let calls = 0;
          Object.defineProperty(outer, 'buffer', {
            get() {
              calls++;
              void c.fs.storeAsync(0, 2, inner);
              return new ArrayBuffer(ps);
            },
          });
          assert.equal(await c.fs.storeAsync(0, 1, outer), true);
          assert.deepEqual(await c.fs.batch().store(0, 3, outer).load(0, 1, new Uint8Array(ps)).submit(), [true, true]);
          assert.equal(calls, 0);
          const out = new Uint8Array(ps);
          assert.ok(c.fs.load(0, 1, out) && equalBytes(out, pattern(31, ps)), 'key 1 holds its own bytes');
          assert.ok(c.fs.load(0, 3, out) && equalBytes(out, pattern(31, ps)));
          assert.equal(c.fs.has(0, 2), false);
        }));

      it('valueOf / Symbol.toPrimitive on type and offset, and Proxies for pages, are refused without being called', () =>
        withCtx(ps, async (c) => {
          let called = 0;
          const sneaky = { valueOf: () => (called++, 1), [Symbol.toPrimitive]: () => (called++, 1) };
          const page = pattern(1, ps);
          const proxy = new Proxy(page, { get: (t, k) => (called++, Reflect.get(t, k)) });
          const batch = c.fs.batch();
          for (const run of [
            () => c.fs.storeAsync(sneaky as unknown as number, 1, page),
            () => c.fs.loadAsync(0, sneaky as unknown as number, page),
            () => batch.store(0, sneaky as unknown as number, page),
            () => batch.storeFrom(0, 1, sneaky as unknown as number, 0),
            () => batch.invalidatePage(sneaky as unknown as number, 0),
          ]) {
            const err = await failure(run);
            assert.equal(err.code, 'ERR_INVALID_ARG', err.message);
          }
          for (const run of [() => c.fs.storeAsync(0, 1, proxy), () => batch.load(0, 1, proxy), () => c.engine.registerBuffer(proxy)]) {
            const err = await failure(run);
            assert.equal(err.code, 'ERR_INVALID_ARG', err.message);
            assert.equal(err.name, 'TypeError');
          }
          throwsCode(() => c.fs.store(0, 1, proxy), 'ERR_INVALID_ARG', 'TypeError');
          assert.equal(called, 0);
          assert.equal(batch.length, 0);
          assert.equal(c.fs.stats().storedPages, 0);
        }));
    });

    describe('bad pages: the sync twin’s class and code, and a batch that stays usable', () => {
      const detachedView = (): Uint8Array => {
        const b = new ArrayBuffer(ps);
        structuredClone(b, { transfer: [b] });
        return new Uint8Array(b);
      };
      const bad: [string, () => unknown][] = [
        ['null', () => null],
        ['undefined', () => undefined],
        ['a number', () => 42],
        ['a plain object', () => ({ byteLength: ps, buffer: new ArrayBuffer(ps) })],
        ['a short view', () => new Uint8Array(ps - 1)],
        ['a view over a detached buffer', detachedView],
      ];
      for (const [what, make] of bad) {
        it(`${what}: storeAsync, loadAsync, batch store/load answer as store/load do`, () =>
          withCtx(ps, async (c) => {
            let sync: (Error & { code?: string }) | undefined;
            try {
              c.fs.store(0, 1, make() as ArrayBufferView);
            } catch (e) {
              sync = e as Error & { code?: string };
            }
            assert.ok(sync, 'the sync twin refuses it');
            const batch = c.fs.batch();
            for (const run of [
              () => c.fs.storeAsync(0, 1, make() as ArrayBufferView),
              () => c.fs.loadAsync(0, 1, make() as ArrayBufferView),
              () => batch.store(0, 1, make() as ArrayBufferView),
              () => batch.load(0, 1, make() as ArrayBufferView),
            ]) {
              const err = await failure(run);
              assert.equal(err.code, sync.code, err.message);
              assert.equal(err.name, sync.name);
            }
            assert.equal(batch.length, 0, 'a refused op adds nothing');
            assert.deepEqual(await batch.store(0, 5, pattern(5, ps)).submit(), [true], 'the batch stays usable');
            const out = new Uint8Array(ps);
            assert.ok(c.fs.load(0, 5, out) && equalBytes(out, pattern(5, ps)));
          }));
      }

      it('a refused storeFrom / loadInto adds nothing either', () =>
        withCtx(ps, async (c) => {
          const id = c.engine.registerBuffer(pattern(6, ps));
          const batch = c.fs.batch();
          throwsCode(() => batch.storeFrom(0, 1, -1, 0), 'ERR_OUT_OF_RANGE');
          throwsCode(() => batch.loadInto(0, 1, id, 0.5), 'ERR_OUT_OF_RANGE');
          throwsCode(() => batch.storeFrom(99, 1, id, 0), 'ERR_OUT_OF_RANGE');
          assert.equal(batch.length, 0);
          assert.deepEqual(await batch.storeFrom(0, 1, id, 0).submit(), [true]);
          await rejectsCode(c.fs.batch().storeFrom(0, 2, id + 7, 0).submit(), 'ERR_BAD_DESCRIPTOR');
        }));
    });
  });
}
