/**
 * Model-based random testing with hostile views (test/model/hostile-views.ts):
 * random sync, async and batch operations, each page drawn from lying,
 * throwing and re-entrant views, resizable buffers resized at random moments,
 * growable SharedArrayBuffers grown under copies, and registered-buffer pages;
 * every result and every landed byte checked against the reference model.
 * CI budget: 100,000 operations on 4 KiB pages plus 1,000 on 2 MiB pages
 * (about 10 s on a 2-core machine; stamping and checking 2 MiB pages dominates). FRONTSWAP_SEED fixes the seed; it is printed either way.
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CopyEngine, Frontswap, PagePool } from '../lib/index';
import { makeView, readStamp, Rng, VIEW_KINDS, writeStamp, type HostileView, type ViewContext } from './model/hostile-views';
import { ModelFrontswap, ModelPool } from './model/reference-model';

const raw = process.env['FRONTSWAP_SEED'];
const SEED = raw ? Number(raw) | 0 : (Math.random() * 0x100000000) | 0;
console.log(`hostile model-based tests: FRONTSWAP_SEED=${SEED}`);

const CHECKS = [
  { pageSize: 4096, ops: 100_000 },
  { pageSize: 2 << 20, ops: 1_000 },
];
const CAPACITY = 12;
const KEYS = 20;
const ARENA_PAGES = 8;
const SENTINEL = 0x7fffffff;  // the stamp a load's page holds before it lands
const MAX_IN_FLIGHT = 16;

interface Outcome {
  ops: number;
  refused: number;
  kinds: Set<string>;
}

async function run(pageSize: number, budget: number, seed: number): Promise<Outcome> {
  const rng = new Rng(seed);
  const pool = new PagePool({ pageSize, pages: CAPACITY, backing: 'normal' });
  const engine = new CopyEngine({ workers: 2 });
  const fs = new Frontswap(pool, { engine });
  fs.init(0);
  const model = new ModelFrontswap(new ModelPool(CAPACITY), false);
  model.init(0);
  const arena = new Uint8Array(ARENA_PAGES * pageSize);
  const arenaId = engine.registerBuffer(arena);
  const busy = new Set<number>();
  const getterRuns = { n: 0 };
  let reentered = 0;
  const ctx: ViewContext = {
    pageSize,
    rng,
    arena,
    getterRuns,
    reenter: () => {
      reentered++;
      void fs.storeAsync(0, KEYS + 1, new Uint8Array(pageSize));
    },
    arenaPage: () => {
      for (let k = 0; k < ARENA_PAGES; k++) if (!busy.has(k)) return busy.add(k), k;
      return -1;
    },
  };
  let ops = 0;
  let refused = 0;
  let stamp = 0;
  const kinds = new Set<string>();
  const where = (what: string): string => `FRONTSWAP_SEED=${seed} (${pageSize} B pages), op ${ops}: ${what}`;
  const pending: Promise<void>[] = [];
  const later: (() => void)[] = [];  // random moments: resizes and grows
  const settleAll = async (): Promise<void> => {
    await Promise.all(pending.splice(0));
    const s = fs.stats();
    const m = model.stats();
    for (const k of ['succStores', 'failedStores', 'loads', 'failedLoads', 'invalidates', 'storedPages'] as const) {
      assert.equal(s[k], m[k], where(`stats.${k}`));
    }
  };
  /** A page for a store (stamped) or a load (sentinel); refused resizable pages counted. */
  const page = (forStore: boolean): { hv: HostileView; stamp: number } => {
    const hv = makeView(VIEW_KINDS[rng.below(VIEW_KINDS.length)]!, ctx);
    kinds.add(hv.kind);
    const st = forStore ? ++stamp : SENTINEL;
    writeStamp(hv.bytes, st);
    if (hv.resize) later.push(() => hv.resize!(rng.chance(0.5) ? 0 : pageSize * 2));
    if (hv.grow) later.push(hv.grow);
    return { hv, stamp: st };
  };
  const free = (hv: HostileView): void => {
    if (hv.arenaPage !== undefined) busy.delete(hv.arenaPage);
  };
  /** Checks a load's page once its copy landed. */
  const landed = (hv: HostileView, want: number | undefined, found: boolean): void => {
    assert.equal(found, want !== undefined, where(`load found ${found}, model ${want}`));
    const got = readStamp(hv.bytes);
    assert.equal(got, want ?? SENTINEL, where(`${hv.kind} page holds stamp ${got}, model ${want ?? 'none (sentinel)'}`));
  };
  const expectResizable = (e: unknown, hv: HostileView): void => {
    assert.equal((e as { code?: string }).code, 'ERR_BUFFER_RESIZABLE', where(`${hv.kind}: ${(e as Error).message}`));
    refused++;
  };

  while (ops < budget) {
    const key = rng.below(KEYS);
    const pick = rng.below(10);
    if (pick < 2) {
      // A sync twin in between: it accepts every view, resizable ones included.
      const store = rng.chance(0.5);
      const { hv, stamp: st } = page(store);
      if (store) assert.equal(fs.store(0, key, hv.view), model.store(0, key, st), where('store'));
      else landed(hv, model.load(0, key), fs.load(0, key, hv.view));
      free(hv);
      ops++;
    } else if (pick < 5) {
      const store = rng.chance(0.5);
      const { hv, stamp: st } = page(store);
      const p = store ? fs.storeAsync(0, key, hv.view) : fs.loadAsync(0, key, hv.view);
      if (hv.kind === 'resizable') {
        pending.push(p.then(() => assert.fail(where('a resizable page was accepted')), (e) => expectResizable(e, hv)));
      } else if (store) {
        const want = model.store(0, key, st);
        pending.push(p.then((r) => (free(hv), assert.equal(r, want, where('storeAsync')))));
      } else {
        const want = model.load(0, key);
        pending.push(p.then((r) => (free(hv), landed(hv, want, r))));
      }
      ops++;
    } else {
      const batch = fs.batch();
      const checks: ((r: boolean) => void)[] = [];
      const size = 1 + rng.below(8);
      const decide: (() => void)[] = [];  // the model decides at submit, in op order
      for (let j = 0; j < size; j++, ops++) {
        const k = rng.below(KEYS);
        const what = rng.below(5);
        if (what === 4) {
          batch.invalidatePage(0, k);
          decide.push(() => { const w = model.invalidatePage(0, k); checks.push((r) => assert.equal(r, w, where('invalidatePage'))); });
          continue;
        }
        const store = what % 2 === 0;
        if (what >= 2) {
          // storeFrom / loadInto: a page of the registered arena by id and byte offset.
          const p = ctx.arenaPage();
          if (p < 0) continue;
          const bytes = arena.subarray(p * pageSize, (p + 1) * pageSize);
          const hv: HostileView = { kind: 'registered', view: bytes, bytes, arenaPage: p };
          const st = store ? ++stamp : SENTINEL;
          writeStamp(bytes, st);
          if (store) batch.storeFrom(0, k, arenaId, p * pageSize);
          else batch.loadInto(0, k, arenaId, p * pageSize);
          decide.push(() => {
            const w = store ? model.store(0, k, st) : model.load(0, k);
            checks.push((r) => (free(hv), store ? assert.equal(r, w, where('storeFrom')) : landed(hv, w as number | undefined, r)));
          });
          continue;
        }
        const { hv, stamp: st } = page(store);
        const before = batch.length;
        try {
          if (store) batch.store(0, k, hv.view);
          else batch.load(0, k, hv.view);
        } catch (e) {
          expectResizable(e, hv);
          assert.equal(batch.length, before, where('a refused op added nothing'));
          continue;
        }
        assert.notEqual(hv.kind, 'resizable', where('a resizable page was added to a batch'));
        decide.push(() => {
          const w = store ? model.store(0, k, st) : model.load(0, k);
          checks.push((r) => (free(hv), store ? assert.equal(r, w, where('batch store')) : landed(hv, w as number | undefined, r)));
        });
      }
      if (rng.chance(0.3) && later.length) later.splice(rng.below(later.length), 1)[0]!();  // before the doorbell
      const submitted = batch.submit();
      for (const d of decide) d();
      pending.push(submitted.then((rs) => {
        assert.equal(rs.length, checks.length, where('one result per op'));
        rs.forEach((r, j) => checks[j]!(r));
      }));
    }
    if (later.length && rng.chance(0.3)) later.splice(rng.below(later.length), 1)[0]!();  // while copies run
    if (pending.length >= MAX_IN_FLIGHT || rng.chance(0.1)) {
      await settleAll();
      later.length = 0;
    }
  }
  await settleAll();
  assert.equal(getterRuns.n, 0, where('a hostile getter ran'));
  assert.equal(reentered, 0);
  assert.equal(fs.has(0, KEYS + 1), false, where('the re-entrant store never happened'));
  await engine.close();
  pool.close();
  return { ops, refused, kinds };
}

describe(`model-based random testing with hostile views (FRONTSWAP_SEED=${SEED})`, () => {
  let total = 0;
  CHECKS.forEach((c, i) => {
    it(`${c.pageSize} B pages: ${c.ops} operations, no divergence, no crash`, async (t) => {
      const started = Date.now();
      const r = await run(c.pageSize, c.ops, (SEED + i * 0x632be5ab) | 0);
      total += r.ops;
      t.diagnostic(`${r.ops} ops (${r.refused} resizable pages refused) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      assert.deepEqual([...r.kinds].sort(), [...VIEW_KINDS].sort(), 'every kind of view was drawn');
      assert.ok(r.refused > 0);
    });
  });
  it('ran at least 100,000 operations in all', () => assert.ok(total >= 100_000, `only ${total}`));
});
