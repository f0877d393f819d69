/**
 * Resources: what create/use/close cycles leave behind (resident memory, threads,
 * memory mappings), and what pools and engines dropped without close() give back
 * once they are collected.
 *
 * Pools name their mapping "[anon:frontswap-pool-N]" where the kernel supports
 * PR_SET_VMA_ANON_NAME (CONFIG_ANON_VMA_NAME); where it does not, the names never
 * show in /proc/self/maps and the checks fall back to resident memory and the
 * number of mappings. Every figure is printed.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import * as v8 from 'node:v8';
import { addon } from '../lib/binding';
import { CopyEngine, Frontswap, PagePool, type WaitMode } from '../lib/index';
import { collectUntil, equalBytes, pattern, rssBytes } from './helpers';

const MiB = 1 << 20;

function threads(): number {
  return fs.readdirSync('/proc/self/task').length;
}

function mapsLines(): string[] {
  return fs.readFileSync('/proc/self/maps', 'utf8').split('\n').filter((l) => l.length > 0);
}

function poolMappingNames(): Set<string> {
  const names = new Set<string>();
  for (const l of mapsLines()) {
    const m = /\[anon:(frontswap-pool-\d+)\]/.exec(l);
    if (m) names.add(m[1]!);
  }
  return names;
}

interface Usage {
  rss: number;
  threads: number;
  maps: number;
  /** Resident bytes of V8's own heap (its young generation grows and stays grown under a high allocation rate). */
  v8Heap: number;
  /** Mappings that look like V8 heap pages: anonymous, read-write, exactly 256 KiB. */
  v8Pages: number;
  /** Mappings of glibc malloc arenas (64 MiB-aligned anonymous reservations). */
  arenaMaps: number;
  /** The bytes of pool mappings V8 is told about (napi_adjust_external_memory): back to the start once every pool is unmapped. */
  external: number;
}

const V8_PAGE = 256 * 1024;
const ARENA = 64 * MiB;

interface Mapping {
  start: number;
  end: number;
  perms: string;
  name: string | undefined;
}

function parseMaps(lines: string[]): Mapping[] {
  return lines.map((line) => {
    const [range, perms, , , , name] = line.trim().split(/\s+/);
    const [start, end] = range!.split('-').map((x) => parseInt(x, 16));
    return { start: start!, end: end!, perms: perms!, name };
  });
}

/**
 * Mappings that belong to V8's heap or to glibc's malloc arenas, which grow as
 * threads come and go and V8 sizes its young generation, whatever the addon does:
 * V8 heap pages are anonymous read-write mappings of exactly 256 KiB; an arena
 * heap is a 64 MiB-aligned anonymous reservation, read-write then inaccessible.
 */
function runtimeMappings(maps: Mapping[]): { v8Pages: number; arena: number } {
  let v8Pages = 0;
  let arena = 0;
  for (let i = 0; i < maps.length; i++) {
    const m = maps[i]!;
    if (m.name !== undefined) continue;
    if (m.perms === 'rw-p' && m.end - m.start === V8_PAGE) v8Pages++;
    else if (m.perms === 'rw-p' && m.start % ARENA === 0 && m.end - m.start <= ARENA) {
      const next = maps[i + 1];
      if (m.end - m.start === ARENA) arena++;
      else if (next && next.name === undefined && next.perms === '---p' && next.start === m.end && next.end === m.start + ARENA) {
        arena += 2;
        i++;
      }
    }
  }
  return { v8Pages, arena };
}

function usage(): Usage {
  const maps = parseMaps(mapsLines());
  const runtime = runtimeMappings(maps);
  return {
    rss: rssBytes(),
    threads: threads(),
    maps: maps.length,
    v8Heap: v8.getHeapStatistics().total_physical_size,
    v8Pages: runtime.v8Pages,
    arenaMaps: runtime.arena,
    external: addon.externalMemory(),
  };
}

async function settledUsage(): Promise<Usage> {
  await collectUntil(() => false, 3);  // a few full collections, finalizers run between them
  return usage();
}

/** Mappings other than the runtime's own (V8 heap pages, malloc arenas), whose count varies with load. */
const otherMaps = (u: Usage): number => u.maps - u.v8Pages - u.arenaMaps;

function show(t: TestContext, label: string, u: Usage): void {
  const line =
    `${label}: rss ${(u.rss / MiB).toFixed(1)} MiB (V8 heap ${(u.v8Heap / MiB).toFixed(1)} MiB), ${u.threads} threads, ` +
    `${u.maps} mappings (${u.v8Pages} V8 heap pages, ${u.arenaMaps} of malloc arenas), pools known to V8 ${(u.external / MiB).toFixed(1)} MiB`;
  t.diagnostic(line);
}

/** Under a sanitizer (quarantined frees, shadow memory) resident memory says nothing about leaks. */
const SANITIZED = /asan|tsan|san\.so/.test(process.env['LD_PRELOAD'] ?? '');

/** Whether this kernel shows the pools' VMA names in /proc/self/maps. */
function namedMappingsWork(): boolean {
  const pool = new PagePool({ pages: 1, prefault: false, backing: 'normal' });
  try {
    return poolMappingNames().size > 0;
  } finally {
    pool.close();
  }
}

const MODES: WaitMode[] = ['sleep', 'adaptive', 'spin'];

/**
 * The objects of the cycle running now, held from module scope, so that the
 * cycles measure cleanup alone; keeping an awaited engine alive is the library's
 * job, tested on its own below ('an engine whose only references are its pending
 * promises...').
 */
export let current: unknown = null;

async function cycle(i: number, page: Uint8Array, out: Uint8Array): Promise<void> {
  const pool = new PagePool({ pageSize: 4096, pages: 256 });
  const engine = new CopyEngine({ workers: 1 + (i % 2), waitMode: MODES[i % MODES.length]! });
  const fs = new Frontswap(pool, { engine });
  current = { pool, engine, fs };
  fs.init(0);
  assert.equal(fs.store(0, 1, page), true);
  assert.equal(await fs.storeAsync(0, 2, page), true);
  const p = fs.loadAsync(0, 1, out);
  assert.equal(fs.load(0, 2, out), true);
  assert.equal(await p, true);
  const b = fs.batch().store(0, 3, page).load(0, 3, out).invalidatePage(0, 1);
  assert.deepEqual(await b.submit(), [true, true, true]);
  await engine.close();
  pool.close();
  current = null;
}

describe('create / use / close cycles leave nothing behind', () => {
  it('1,000 cycles of PagePool (4 KiB × 256) + Frontswap + CopyEngine: threads, mappings and RSS back to the baseline', async (t) => {
    const page = pattern(3, 4096);
    const out = new Uint8Array(4096);
    for (let i = 0; i < 50; i++) await cycle(i, page, out);
    const base = await settledUsage();
    show(t, 'after 50 warm-up cycles', base);
    const started = Date.now();
    for (let i = 50; i < 1000; i++) await cycle(i, page, out);
    const end = await settledUsage();
    show(t, `after 1,000 cycles (${((Date.now() - started) / 1000).toFixed(1)} s for the last 950)`, end);
    assert.ok(equalBytes(out, page));
    assert.equal(end.threads, base.threads, 'every engine thread joined');
    assert.equal(end.external, base.external, 'every pool mapping released (V8 external memory back where it was)');
    // V8 grows its young generation under this allocation rate (more 256 KiB heap
    // pages, more resident heap) and glibc adds malloc arenas as threads come and
    // go; both are the runtime's, so they are left out of the checks below. What
    // is left of RSS still grows while the arenas fill (valgrind shows the native
    // heap in use at exit flat: 50 cycles vs 200).
    t.diagnostic(`mappings other than V8 heap pages and malloc arenas: ${otherMaps(base)} → ${otherMaps(end)}`);
    // (A sanitizer's allocator maps memory of its own, and quarantines frees: no bound on either then.)
    if (!SANITIZED) assert.ok(otherMaps(end) <= otherMaps(base) + 5, `mappings other than V8 heap pages and malloc arenas grew from ${otherMaps(base)} to ${otherMaps(end)}`);
    const nonHeap = (u: Usage) => u.rss - u.v8Heap;
    const grew = (nonHeap(end) - nonHeap(base)) / MiB;
    t.diagnostic(`RSS outside the V8 heap grew ${grew.toFixed(1)} MiB over 950 cycles (${((grew * 1024) / 950).toFixed(1)} KiB a cycle)`);
    if (!SANITIZED) assert.ok(grew <= 40, `RSS outside the V8 heap grew by ${grew.toFixed(1)} MiB (a 1 MiB pool a cycle leaking would be 950)`);
  });
});

describe('pools and engines dropped without close() are given back when collected', () => {
  it("a dropped pool's mapping goes (by its VMA name where the kernel shows it, else by RSS and mapping count)", async (t) => {
    const named = namedMappingsWork();
    t.diagnostic(named ? 'pools name their mappings: checking by name' : 'no VMA names in /proc/self/maps on this kernel: checking RSS and the mapping count');
    const before = await settledUsage();
    const namesBefore = poolMappingNames();
    const count = 16;
    const bytesEach = 4 * MiB;
    let made: Set<string> = new Set();
    (() => {
      const pools: PagePool[] = [];
      for (let i = 0; i < count; i++) {
        const pool = new PagePool({ pageSize: 4096, pages: bytesEach / 4096, prefault: true, backing: 'normal' });
        const f = new Frontswap(pool);
        f.init(0);
        f.store(0, i, pattern(i, 4096));
        pools.push(pool);
      }
      made = new Set([...poolMappingNames()].filter((n) => !namesBefore.has(n)));
    })();
    const peak = usage();
    show(t, 'before', before);
    show(t, `with ${count} pools of ${bytesEach / MiB} MiB alive`, peak);
    if (named) assert.equal(made.size, count, 'each pool has a named mapping');
    else assert.ok(peak.rss >= before.rss + (count * bytesEach * 3) / 4, 'the prefaulted pools are resident');
    const gone = await collectUntil(() =>
      named
        ? [...poolMappingNames()].every((n) => !made.has(n))
        : addon.externalMemory() === before.external && (SANITIZED || rssBytes() <= before.rss + 16 * MiB),
    );
    const after = await settledUsage();
    show(t, 'after collecting them', after);
    assert.ok(gone, named ? 'the named mappings are gone' : `RSS fell back (to ${((after.rss - before.rss) / MiB).toFixed(1)} MiB above the start)`);
    assert.equal(after.external, before.external, 'V8 was told every mapping went');
    // V8's heap pages and malloc's arenas come and go with load: the runtime's, not the pools'.
    if (!SANITIZED) assert.ok(otherMaps(after) <= otherMaps(before) + 5, `mappings other than V8 heap pages and malloc arenas: ${otherMaps(before)} before, ${otherMaps(after)} after`);
  });

  it("dropped engines' threads are joined, for every wait mode, with or without work done", async (t) => {
    const base = threads();
    const pool = new PagePool({ pageSize: 4096, pages: 64 });
    (() => {
      for (let i = 0; i < 12; i++) {
        const engine = new CopyEngine({ workers: 2, waitMode: MODES[i % MODES.length]! });
        if (i % 2 === 0) continue;  // never used
        const f = new Frontswap(pool, { engine });
        f.init(0);
        const b = f.batch();
        for (let k = 0; k < 4; k++) b.store(0, k, pattern(k, 4096));
        void b.submit();  // dropped with the copies possibly still in flight
      }
    })();
    const peak = threads();
    t.diagnostic(`threads: ${base} before, ${peak} with 12 engines of 2 workers`);
    assert.equal(peak - base, 24);
    const joined = await collectUntil(() => threads() === base);
    t.diagnostic(`threads after collecting: ${threads()}`);
    assert.ok(joined, `threads: ${threads()}, expected ${base}`);
    assert.equal(pool.usedPages, 0, 'the collected front-ends gave their pages back');
    pool.close();
  });

  it('a whole set dropped at once (pool, engine, front-ends with pages stored) is collected', async (t) => {
    const named = namedMappingsWork();
    const before = await settledUsage();
    const namesBefore = poolMappingNames();
    (() => {
      for (let i = 0; i < 8; i++) {
        const pool = new PagePool({ pageSize: 2 << 20, pages: 4, backing: 'normal' });
        const engine = new CopyEngine({ workers: 1, waitMode: MODES[i % MODES.length]! });
        const a = new Frontswap(pool, { engine });
        const b = new Frontswap(pool, { engine, exclusiveGets: true });
        a.init(0);
        b.init(1);
        a.store(0, 1, new Uint8Array(2 << 20).fill(i));
        void b.storeAsync(1, 1, new Uint8Array(2 << 20).fill(i + 1));
      }
    })();
    const done = await collectUntil(
      () => threads() === before.threads && addon.externalMemory() === before.external && (SANITIZED || rssBytes() <= before.rss + 16 * MiB),
    );
    const after = await settledUsage();
    show(t, 'before', before);
    show(t, 'after', after);
    assert.ok(done, 'threads joined, mappings released and memory given back');
    // The pools' own mappings are gone. Counting every mapping instead also counts
    // what the process keeps by design once threads are joined (glibc's cache of
    // thread stacks, V8's heap pages), which varies with load.
    if (named) assert.deepEqual([...poolMappingNames()].filter((n) => !namesBefore.has(n)), [], 'no pool mapping is left');
    else if (!SANITIZED) assert.ok(otherMaps(after) <= otherMaps(before) + 5, `mappings other than V8 heap pages and malloc arenas: ${otherMaps(before)} before, ${otherMaps(after)} after`);
  });

  it('an engine whose only references are its pending promises stays alive until its copies land', () => {
    // The usual shape of async code: the pool, engine and front-end live in the
    // async function's frame, which only the awaited promise keeps. A full GC while
    // the copies run must not collect the engine, the page or the promise (when it
    // did, the worker copied from a freed page and the process died of SIGSEGV, or
    // the promise never settled and the process exited or hung).
    const lib = JSON.stringify(path.join(__dirname, '..', 'lib', 'index.js'));
    const script = `
      const { PagePool, Frontswap, CopyEngine } = require(${lib});
      async function run() {
        const pool = new PagePool({ pageSize: '2m', pages: 64 });
        const engine = new CopyEngine({ workers: 1, waitMode: 'sleep' });
        const fs = new Frontswap(pool, { engine });
        fs.init(0);
        const b = fs.batch();
        for (let i = 0; i < 64; i++) b.store(0, i, new Uint8Array(2 << 20).fill(i + 1));
        const results = await b.submit();
        return results.filter(Boolean).length;
      }
      setTimeout(() => gc(), 0);
      run().then((n) => console.log('stored', n));
    `;
    const r = spawnSync(process.execPath, ['--expose-gc', '-e', script], { encoding: 'utf8', timeout: 15_000 });
    assert.equal(r.signal, null, `killed by ${r.signal}`);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'stored 64', 'the batch settled');
  });
});
