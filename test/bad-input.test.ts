/**
 * The bad-input catalogue: every public entry point, fed what it must refuse.
 *
 * Each case runs on a fresh fixture (a pool of 8 pages 4 KiB shared by three
 * front-ends — one with an engine, one exclusive with the same engine, one with no
 * engine — each holding a known page at (0, 1); a registered 4-page buffer; two
 * reserved slots) and asserts:
 *  - the exact error: its class (by `name`: TypeError, RangeError, FrontswapError)
 *    and its string `code`; async entry points must reject, not throw;
 *  - that nothing changed: every front-end's stats() deep-equal before and after,
 *    pool.usedPages unchanged, the registered buffer's bytes unchanged, and a load
 *    of each known page still returns its exact bytes.
 * Raw engine descriptors that name memory they may not touch do not throw: the
 * batch resolves and reports them in `failed` (checked the same way). The
 * "accepted" group holds inputs that must work (views over SharedArrayBuffer, -0,
 * idempotent closes). The CLI reports mistakes by exit code (2 usage, 1 unreadable
 * input) with one line on stderr, no stack trace and nothing written.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as nodeFs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { main, type CliIo } from '../bench/cli/main';
import { CopyEngine, Frontswap, FrontswapError, PagePool, type FrontswapStats, type RawBatchResult } from '../lib/index';
import { equalBytes, pattern, readNumber } from './helpers';

const PS = 4096;
const PAGES = 8;
const ARENA_PAGES = 4;

type ErrorClass = 'TypeError' | 'RangeError' | 'FrontswapError';

interface Fixture {
  pool: PagePool;
  engine: CopyEngine;
  /** Front-end with the engine; type 0 open; known page at (0, 1). */
  fs: Frontswap;
  /** exclusiveGets, same engine; type 0 open; its own known page at (0, 1). */
  fsx: Frontswap;
  /** No engine; type 0 open; its own known page at (0, 1). */
  plain: Frontswap;
  known: { fs: Frontswap; page: Uint8Array }[];
  /** A registered buffer of ARENA_PAGES pages, filled with a pattern. */
  arena: Uint8Array;
  bufId: number;
  /** Two slots reserved with pool.reserve(). */
  slots: Uint32Array;
  /** A slot that is not reserved (it holds a stored page). */
  unreserved: number;
  page: Uint8Array;
  /** Things a case made that need closing afterwards. */
  extra: { pools: PagePool[]; engines: CopyEngine[] };
}

async function fixture(): Promise<Fixture> {
  const pool = new PagePool({ pageSize: PS, pages: PAGES, prefault: false });
  const engine = new CopyEngine({ workers: 1, waitMode: 'adaptive' });
  const fs = new Frontswap(pool, { engine });
  const fsx = new Frontswap(pool, { engine, exclusiveGets: true });
  const plain = new Frontswap(pool);
  const known = [fs, fsx, plain].map((f, i) => {
    f.init(0);
    const page = pattern(1000 + i, PS);
    assert.equal(f.store(0, 1, page), true);
    return { fs: f, page };
  });
  const arena = new Uint8Array(ARENA_PAGES * PS);
  for (let i = 0; i < ARENA_PAGES; i++) arena.set(pattern(2000 + i, PS), i * PS);
  const bufId = engine.registerBuffer(arena);
  const slots = pool.reserve(2)!;
  let unreserved = 0;
  while ([...slots].includes(unreserved)) unreserved++;
  return { pool, engine, fs, fsx, plain, known, arena, bufId, slots, unreserved, page: pattern(7, PS), extra: { pools: [], engines: [] } };
}

async function dispose(c: Fixture): Promise<void> {
  for (const e of [c.engine, ...c.extra.engines]) await e.close();
  for (const p of [c.pool, ...c.extra.pools]) p.close();
}

interface Snapshot {
  stats: FrontswapStats[];
  used: number;
  arena: Buffer;
}

function snapshot(c: Fixture): Snapshot {
  return { stats: [c.fs.stats(), c.fsx.stats(), c.plain.stats()], used: c.pool.usedPages, arena: Buffer.from(c.arena) };
}

/** Each known page still loads back byte for byte (the exclusive one last: its load takes it). */
function knownPagesIntact(c: Fixture): void {
  const out = new Uint8Array(PS);
  for (const k of c.known) {
    out.fill(0);
    assert.equal(k.fs.load(0, 1, out), true, 'the known page is still there');
    assert.ok(equalBytes(out, k.page), 'the known page has its exact bytes');
  }
}

function checkError(e: unknown, cls: ErrorClass, code: string): void {
  assert.ok(e instanceof Error, `expected an Error, got ${String(e)}`);
  const err = e as Error & { code?: unknown };
  assert.equal(err.name, cls, `error class (${err.name} ${String(err.code)}: ${err.message})`);
  assert.equal(err.code, code, `error code (${err.name}: ${err.message})`);
  const ctor = cls === 'TypeError' ? TypeError : cls === 'RangeError' ? RangeError : FrontswapError;
  assert.ok(err instanceof ctor, `instanceof ${cls}`);
}

// ---------------------------------------------------------------------------
// Inputs

function detachedView(): Uint8Array {
  const v = new Uint8Array(PS);
  structuredClone(v.buffer, { transfer: [v.buffer] });
  return v;
}

function detachedDataView(): DataView {
  const ab = new ArrayBuffer(PS);
  const v = new DataView(ab);
  structuredClone(ab, { transfer: [ab] });
  return v;
}

type Resizable = ArrayBuffer & { resize(n: number): void };

/** A resizable ArrayBuffer (ES2024; Node 20 has it). */
function resizable(bytes: number, max: number): Resizable {
  const Ctor = ArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => Resizable;
  return new Ctor(bytes, { maxByteLength: max });
}

function sabPage(seed: number): Uint8Array {
  const v = new Uint8Array(new SharedArrayBuffer(PS));
  v.set(pattern(seed, PS));
  return v;
}

/** A pool (with a front-end holding a page) that is closed. */
function closedPool(c: Fixture): { pool: PagePool; fs: Frontswap } {
  const pool = new PagePool({ pageSize: PS, pages: 2, prefault: false });
  const fs = new Frontswap(pool, { engine: c.engine });
  fs.init(0);
  fs.store(0, 0, c.page);
  pool.close();
  return { pool, fs };
}

async function closedEngine(c: Fixture): Promise<CopyEngine> {
  const e = new CopyEngine();
  c.extra.engines.push(e);
  await e.close();
  return e;
}

// ---------------------------------------------------------------------------
// Cases

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Run = (c: Fixture, prepared: any) => unknown;

interface ThrowCase {
  kind: 'throws' | 'rejects';
  name: string;
  /** Runs before the "before" snapshot (may change state); its result is passed to run. */
  prepare?: (c: Fixture) => unknown | Promise<unknown>;
  run: (c: Fixture, prepared: never) => unknown;
  cls: ErrorClass;
  code: string;
  /** More checks once the case ran (e.g. on objects the case made). */
  after?: (c: Fixture, prepared: never) => void | Promise<void>;
}

interface RawCase {
  kind: 'rawFails';
  name: string;
  /** Builds and submits the raw batch. */
  run: (c: Fixture) => Promise<RawBatchResult>;
  /** [index, code] of each refused descriptor; the others must complete. */
  failed: [number, string][];
  completed: number;
}

interface OkCase {
  kind: 'ok';
  name: string;
  run: (c: Fixture) => void | Promise<void>;
}

type Case = ThrowCase | RawCase | OkCase;

const t = (name: string, run: Run, cls: ErrorClass, code: string, more: Partial<ThrowCase> = {}): ThrowCase => ({ kind: 'throws', name, run, cls, code, ...more });
const r = (name: string, run: Run, cls: ErrorClass, code: string, more: Partial<ThrowCase> = {}): ThrowCase => ({ kind: 'rejects', name, run, cls, code, ...more });
const TYPE_ERR = ['TypeError', 'ERR_INVALID_ARG'] as const;
const RANGE_ERR = ['RangeError', 'ERR_OUT_OF_RANGE'] as const;
const SIZE_ERR = ['RangeError', 'ERR_BUFFER_SIZE'] as const;
const DETACHED = ['FrontswapError', 'ERR_BUFFER_DETACHED'] as const;
const NOT_INIT = ['FrontswapError', 'ERR_TYPE_NOT_INITIALIZED'] as const;
const POOL_CLOSED = ['FrontswapError', 'ERR_POOL_CLOSED'] as const;
const BAD_DESCRIPTOR = ['FrontswapError', 'ERR_BAD_DESCRIPTOR'] as const;
const ENGINE_CLOSED = ['FrontswapError', 'ERR_ENGINE_CLOSED'] as const;
const RESIZABLE = ['FrontswapError', 'ERR_BUFFER_RESIZABLE'] as const;

const poolCtor = (o: unknown) => () => new PagePool(o as never);
const engineCtor = (o: unknown) => () => new CopyEngine(o as never);

const hugePagesFree = readNumber('/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages') ?? 0;

const CATALOGUE: Record<string, Case[]> = {
  'new PagePool(options)': [
    t('no options', poolCtor(undefined), ...TYPE_ERR),
    t('options null', poolCtor(null), ...TYPE_ERR),
    t('options a number', poolCtor(4096), ...TYPE_ERR),
    t('options an array', poolCtor([8]), ...TYPE_ERR),
    t('pages missing', poolCtor({}), ...TYPE_ERR),
    t('pages a string', poolCtor({ pages: '8' }), ...TYPE_ERR),
    t('pages a BigInt', poolCtor({ pages: 8n }), ...TYPE_ERR),
    t('pages 0', poolCtor({ pages: 0 }), ...RANGE_ERR),
    t('pages negative', poolCtor({ pages: -1 }), ...RANGE_ERR),
    t('pages a fraction', poolCtor({ pages: 1.5 }), ...RANGE_ERR),
    t('pages NaN', poolCtor({ pages: NaN }), ...RANGE_ERR),
    t('pages Infinity', poolCtor({ pages: Infinity }), ...RANGE_ERR),
    t('pages 2^32', poolCtor({ pages: 2 ** 32 }), ...RANGE_ERR),
    t('pageSize 1000', poolCtor({ pages: 1, pageSize: 1000 }), ...RANGE_ERR),
    t('pageSize 12288 (not a power of two)', poolCtor({ pages: 1, pageSize: 12288 }), ...RANGE_ERR),
    t('pageSize 4 MiB', poolCtor({ pages: 1, pageSize: 4 << 20 }), ...RANGE_ERR),
    t("pageSize '3m'", poolCtor({ pages: 1, pageSize: '3m' }), ...RANGE_ERR),
    t('pageSize true', poolCtor({ pages: 1, pageSize: true }), ...TYPE_ERR),
    t('pageSize -Infinity', poolCtor({ pages: 1, pageSize: -Infinity }), ...RANGE_ERR),
    t("backing 'huge'", poolCtor({ pages: 1, backing: 'huge' }), ...RANGE_ERR),
    t('backing 1', poolCtor({ pages: 1, backing: 1 }), ...TYPE_ERR),
    t("prefault 'yes'", poolCtor({ pages: 1, prefault: 'yes' }), ...TYPE_ERR),
    t("streamStores 'always'", poolCtor({ pages: 1, streamStores: 'always' }), ...TYPE_ERR),
    t('an unknown option', poolCtor({ pages: 1, page: 4096 }), ...TYPE_ERR),
    t('more memory than the machine has (16 TiB)', poolCtor({ pages: 0xfffffffe, prefault: false }), 'FrontswapError', 'ERR_MMAP_FAILED'),
    ...(hugePagesFree === 0
      ? [t("backing 'hugetlb' with no huge pages reserved", poolCtor({ pages: 1, pageSize: '2m', backing: 'hugetlb' }), 'FrontswapError', 'ERR_HUGEPAGES_UNAVAILABLE')]
      : []),
  ],

  'PagePool methods': [
    t("reserve('1')", (c) => c.pool.reserve('1' as never), ...TYPE_ERR),
    t('reserve()', (c) => c.pool.reserve(undefined as never), ...TYPE_ERR),
    t('reserve(-1)', (c) => c.pool.reserve(-1), ...RANGE_ERR),
    t('reserve(1.5)', (c) => c.pool.reserve(1.5), ...RANGE_ERR),
    t('reserve(NaN)', (c) => c.pool.reserve(NaN), ...RANGE_ERR),
    t('reserve(capacity + 1)', (c) => c.pool.reserve(PAGES + 1), ...RANGE_ERR),
    t('reserve(2^32)', (c) => c.pool.reserve(2 ** 32), ...RANGE_ERR),
    t('release(an Array)', (c) => c.pool.release([...c.slots] as never), ...TYPE_ERR),
    t('release(an Int32Array)', (c) => c.pool.release(new Int32Array(c.slots) as never), ...TYPE_ERR),
    t('release()', (c) => c.pool.release(undefined as never), ...TYPE_ERR),
    t('release(a slot holding a stored page)', (c) => c.pool.release(new Uint32Array([c.unreserved])), 'FrontswapError', 'ERR_SLOT_NOT_RESERVED'),
    t('release(slot = capacity)', (c) => c.pool.release(new Uint32Array([PAGES])), 'FrontswapError', 'ERR_SLOT_NOT_RESERVED'),
    t('release(slot 2^32 - 1)', (c) => c.pool.release(new Uint32Array([0xffffffff])), 'FrontswapError', 'ERR_SLOT_NOT_RESERVED'),
    t('release(one reserved slot twice)', (c) => c.pool.release(new Uint32Array([c.slots[0]!, c.slots[0]!])), 'FrontswapError', 'ERR_SLOT_NOT_RESERVED'),
    t('release(a reserved and an unreserved slot): none is released', (c) => c.pool.release(new Uint32Array([c.slots[0]!, c.unreserved])), 'FrontswapError', 'ERR_SLOT_NOT_RESERVED'),
    t(
      "release(another pool's reservation)",
      (c) => {
        const other = new PagePool({ pages: 2, prefault: false });
        c.extra.pools.push(other);
        const s = other.reserve(1)!;
        assert.ok(![...c.slots].includes(s[0]!), 'the slot number is not reserved here');
        c.pool.release(s);
      },
      'FrontswapError',
      'ERR_SLOT_NOT_RESERVED',
    ),
    t('reserve() on a closed pool', (c) => closedPool(c).pool.reserve(1), ...POOL_CLOSED),
    t('release() on a closed pool', (c) => closedPool(c).pool.release(new Uint32Array(0)), ...POOL_CLOSED),
    t('memoryUsage() on a closed pool', (c) => closedPool(c).pool.memoryUsage(), ...POOL_CLOSED),
    t('usedPages of a closed pool', (c) => closedPool(c).pool.usedPages, ...POOL_CLOSED),
    t('freePages of a closed pool', (c) => closedPool(c).pool.freePages, ...POOL_CLOSED),
    t('a PagePool method on something else', () => PagePool.prototype.reserve.call({} as PagePool, 1), ...TYPE_ERR),
  ],

  'new Frontswap(pool, options)': [
    t('pool is a plain object', () => new Frontswap({} as never), ...TYPE_ERR),
    t('pool missing', () => new Frontswap(undefined as never), ...TYPE_ERR),
    t('options a string', (c) => new Frontswap(c.pool, 'x' as never), ...TYPE_ERR),
    t('exclusiveGets 1', (c) => new Frontswap(c.pool, { exclusiveGets: 1 as never }), ...TYPE_ERR),
    t('engine a plain object', (c) => new Frontswap(c.pool, { engine: {} as never }), ...TYPE_ERR),
    t('an unknown option', (c) => new Frontswap(c.pool, { exclusive: true } as never), ...TYPE_ERR),
    t('a closed pool', (c) => new Frontswap(closedPool(c).pool), ...POOL_CLOSED),
    r('a closed engine', async (c) => new Frontswap(c.pool, { engine: await closedEngine(c) }), ...ENGINE_CLOSED),
  ],

  'Frontswap.init(type)': [
    t('init(32)', (c) => c.fs.init(32), ...RANGE_ERR),
    t('init(-1)', (c) => c.fs.init(-1), ...RANGE_ERR),
    t('init(0.5)', (c) => c.fs.init(0.5), ...RANGE_ERR),
    t('init(NaN)', (c) => c.fs.init(NaN), ...RANGE_ERR),
    t('init(2^32)', (c) => c.fs.init(2 ** 32), ...RANGE_ERR),
    t("init('1')", (c) => c.fs.init('1' as never), ...TYPE_ERR),
    t('init()', (c) => c.fs.init(undefined as never), ...TYPE_ERR),
    t('init of an open type', (c) => c.fs.init(0), 'FrontswapError', 'ERR_TYPE_ALREADY_INITIALIZED'),
    t('init on a closed pool', (c) => closedPool(c).fs.init(1), ...POOL_CLOSED),
  ],

  'Frontswap.store(type, offset, page)': [
    t("type '0'", (c) => c.fs.store('0' as never, 2, c.page), ...TYPE_ERR),
    t('type 32', (c) => c.fs.store(32, 2, c.page), ...RANGE_ERR),
    t('type -1', (c) => c.fs.store(-1, 2, c.page), ...RANGE_ERR),
    t('type 0.5', (c) => c.fs.store(0.5, 2, c.page), ...RANGE_ERR),
    t('type NaN', (c) => c.fs.store(NaN, 2, c.page), ...RANGE_ERR),
    t('type Infinity', (c) => c.fs.store(Infinity, 2, c.page), ...RANGE_ERR),
    t('type 2^32', (c) => c.fs.store(2 ** 32, 2, c.page), ...RANGE_ERR),
    t('offset -1', (c) => c.fs.store(0, -1, c.page), ...RANGE_ERR),
    t('offset 2^32', (c) => c.fs.store(0, 2 ** 32, c.page), ...RANGE_ERR),
    t('offset 1.5', (c) => c.fs.store(0, 1.5, c.page), ...RANGE_ERR),
    t('offset -Infinity', (c) => c.fs.store(0, -Infinity, c.page), ...RANGE_ERR),
    t("offset '1'", (c) => c.fs.store(0, '1' as never, c.page), ...TYPE_ERR),
    t('offset null', (c) => c.fs.store(0, null as never, c.page), ...TYPE_ERR),
    t('offset a BigInt', (c) => c.fs.store(0, 1n as never, c.page), ...TYPE_ERR),
    t('page missing', (c) => c.fs.store(0, 2, undefined as never), ...TYPE_ERR),
    t('page an ArrayBuffer', (c) => c.fs.store(0, 2, new ArrayBuffer(PS) as never), ...TYPE_ERR),
    t('page a number[]', (c) => c.fs.store(0, 2, new Array(PS).fill(0) as never), ...TYPE_ERR),
    t('page 4095 bytes', (c) => c.fs.store(0, 2, new Uint8Array(PS - 1)), ...SIZE_ERR),
    t('page 0 bytes', (c) => c.fs.store(0, 2, new Uint8Array(0)), ...SIZE_ERR),
    t('page a Uint16Array of 4098 bytes', (c) => c.fs.store(0, 2, new Uint16Array(PS / 2 + 1)), ...SIZE_ERR),
    t('page a DataView of 8192 bytes', (c) => c.fs.store(0, 2, new DataView(new ArrayBuffer(2 * PS))), ...SIZE_ERR),
    t('page a view over a detached ArrayBuffer', (c) => c.fs.store(0, 2, detachedView()), ...DETACHED),
    t('page a DataView over a detached ArrayBuffer', (c) => c.fs.store(0, 2, detachedDataView()), ...DETACHED),
    t('a duplicate store with a bad page keeps the old copy', (c) => c.fs.store(0, 1, new Uint8Array(10)), ...SIZE_ERR),
    t('an uninitialized type', (c) => c.fs.store(5, 2, c.page), ...NOT_INIT),
    t('a closed pool', (c) => closedPool(c).fs.store(0, 1, c.page), ...POOL_CLOSED),
  ],

  'Frontswap.load(type, offset, page)': [
    t('type 32', (c) => c.fs.load(32, 1, c.page), ...RANGE_ERR),
    t('offset NaN', (c) => c.fs.load(0, NaN, c.page), ...RANGE_ERR),
    t('offset 2^32', (c) => c.fs.load(0, 2 ** 32, c.page), ...RANGE_ERR),
    t('page a string', (c) => c.fs.load(0, 1, 'page' as never), ...TYPE_ERR),
    t('page 4097 bytes', (c) => c.fs.load(0, 1, new Uint8Array(PS + 1)), ...SIZE_ERR),
    t('page detached', (c) => c.fs.load(0, 1, detachedView()), ...DETACHED),
    t('an uninitialized type', (c) => c.fs.load(3, 1, c.page), ...NOT_INIT),
    t('exclusiveGets: a load into a short page does not take the page', (c) => c.fsx.load(0, 1, new Uint8Array(PS - 4)), ...SIZE_ERR),
    t('exclusiveGets: a load into a detached page does not take the page', (c) => c.fsx.load(0, 1, detachedDataView()), ...DETACHED),
    t('a closed pool', (c) => closedPool(c).fs.load(0, 0, c.page), ...POOL_CLOSED),
  ],

  'Frontswap.invalidatePage / invalidateArea / has': [
    t("invalidatePage type 'x'", (c) => c.fs.invalidatePage('x' as never, 1), ...TYPE_ERR),
    t('invalidatePage type 32', (c) => c.fs.invalidatePage(32, 1), ...RANGE_ERR),
    t('invalidatePage offset -1', (c) => c.fs.invalidatePage(0, -1), ...RANGE_ERR),
    t('invalidatePage offset 2^32', (c) => c.fs.invalidatePage(0, 2 ** 32), ...RANGE_ERR),
    t('invalidatePage on an uninitialized type', (c) => c.fs.invalidatePage(4, 1), ...NOT_INIT),
    t('invalidatePage on a closed pool', (c) => closedPool(c).fs.invalidatePage(0, 0), ...POOL_CLOSED),
    t('invalidateArea(32)', (c) => c.fs.invalidateArea(32), ...RANGE_ERR),
    t('invalidateArea(NaN)', (c) => c.fs.invalidateArea(NaN), ...RANGE_ERR),
    t("invalidateArea('0')", (c) => c.fs.invalidateArea('0' as never), ...TYPE_ERR),
    t('invalidateArea on an uninitialized type', (c) => c.fs.invalidateArea(9), ...NOT_INIT),
    t('invalidateArea on a closed pool', (c) => closedPool(c).fs.invalidateArea(0), ...POOL_CLOSED),
    t('has type -1', (c) => c.fs.has(-1, 1), ...RANGE_ERR),
    t('has offset 1.5', (c) => c.fs.has(0, 1.5), ...RANGE_ERR),
    t("has offset '1'", (c) => c.fs.has(0, '1' as never), ...TYPE_ERR),
    t('has on an uninitialized type', (c) => c.fs.has(7, 1), ...NOT_INIT),
    t('has on a closed pool', (c) => closedPool(c).fs.has(0, 0), ...POOL_CLOSED),
  ],

  'Frontswap.storeAsync / loadAsync': [
    r('storeAsync without an engine', (c) => c.plain.storeAsync(0, 2, c.page), 'FrontswapError', 'ERR_NO_ENGINE'),
    r('loadAsync without an engine', (c) => c.plain.loadAsync(0, 1, c.page), 'FrontswapError', 'ERR_NO_ENGINE'),
    r("storeAsync type 'x'", (c) => c.fs.storeAsync('x' as never, 2, c.page), ...TYPE_ERR),
    r('storeAsync type 32', (c) => c.fs.storeAsync(32, 2, c.page), ...RANGE_ERR),
    r('storeAsync offset -1', (c) => c.fs.storeAsync(0, -1, c.page), ...RANGE_ERR),
    r('storeAsync offset 2^32', (c) => c.fs.storeAsync(0, 2 ** 32, c.page), ...RANGE_ERR),
    r('storeAsync offset NaN', (c) => c.fs.storeAsync(0, NaN, c.page), ...RANGE_ERR),
    r('storeAsync page not a view', (c) => c.fs.storeAsync(0, 2, 'page' as never), ...TYPE_ERR),
    r('storeAsync page 4095 bytes', (c) => c.fs.storeAsync(0, 2, new Uint8Array(PS - 1)), ...SIZE_ERR),
    r('storeAsync page 0 bytes', (c) => c.fs.storeAsync(0, 2, new Uint8Array(0)), ...SIZE_ERR),
    r('storeAsync page detached', (c) => c.fs.storeAsync(0, 2, detachedView()), ...DETACHED),
    r('storeAsync page a detached DataView', (c) => c.fs.storeAsync(0, 2, detachedDataView()), ...DETACHED),
    r('storeAsync on an uninitialized type', (c) => c.fs.storeAsync(6, 2, c.page), ...NOT_INIT),
    r('storeAsync with a closed engine', async (c) => {
      const engine = new CopyEngine();
      c.extra.engines.push(engine);
      const f = new Frontswap(c.pool, { engine });
      f.init(0);
      await engine.close();
      return f.storeAsync(0, 2, c.page);
    }, ...ENGINE_CLOSED),
    r('storeAsync on a closed pool', (c) => closedPool(c).fs.storeAsync(0, 1, c.page), ...POOL_CLOSED),
    r('loadAsync type NaN', (c) => c.fs.loadAsync(NaN, 1, c.page), ...RANGE_ERR),
    r('loadAsync page 0 bytes', (c) => c.fs.loadAsync(0, 1, new Uint8Array(0)), ...SIZE_ERR),
    r('loadAsync page 8192 bytes', (c) => c.fs.loadAsync(0, 1, new Uint8Array(2 * PS)), ...SIZE_ERR),
    r('loadAsync page a detached DataView', (c) => c.fs.loadAsync(0, 1, detachedDataView()), ...DETACHED),
    r('loadAsync on an uninitialized type', (c) => c.fs.loadAsync(2, 1, c.page), ...NOT_INIT),
    r('exclusiveGets: loadAsync into a short page does not take the page', (c) => c.fsx.loadAsync(0, 1, new Uint8Array(100)), ...SIZE_ERR),
    r('exclusiveGets: loadAsync into a detached page does not take the page', (c) => c.fsx.loadAsync(0, 1, detachedView()), ...DETACHED),
  ],

  'FrontswapBatch (batch, store, load, invalidatePage, storeFrom, loadInto, submit)': [
    t('batch() without an engine', (c) => c.plain.batch(), 'FrontswapError', 'ERR_NO_ENGINE'),
    r('batch() with a closed engine', async (c) => {
      const engine = new CopyEngine();
      c.extra.engines.push(engine);
      const f = new Frontswap(c.pool, { engine });
      await engine.close();
      f.batch();
    }, ...ENGINE_CLOSED),
    t("store type 'x'", (c) => c.fs.batch().store('x' as never, 1, c.page), ...TYPE_ERR),
    t('store page 4095 bytes', (c) => c.fs.batch().store(0, 2, new Uint8Array(PS - 1)), ...SIZE_ERR),
    t('store page 0 bytes', (c) => c.fs.batch().store(0, 2, new Uint8Array(0)), ...SIZE_ERR),
    t('store page detached', (c) => c.fs.batch().store(0, 2, detachedView()), ...DETACHED),
    t('load type 32', (c) => c.fs.batch().load(32, 1, c.page), ...RANGE_ERR),
    t('load page a detached DataView', (c) => c.fs.batch().load(0, 1, detachedDataView()), ...DETACHED),
    t('invalidatePage offset -1', (c) => c.fs.batch().invalidatePage(0, -1), ...RANGE_ERR),
    t('invalidatePage offset 2^32', (c) => c.fs.batch().invalidatePage(0, 2 ** 32), ...RANGE_ERR),
    t("storeFrom bufferId 'x'", (c) => c.fs.batch().storeFrom(0, 2, 'x' as never, 0), ...TYPE_ERR),
    t('storeFrom bufferId -1', (c) => c.fs.batch().storeFrom(0, 2, -1, 0), ...RANGE_ERR),
    t('storeFrom byteOffset 1.5', (c) => c.fs.batch().storeFrom(0, 2, c.bufId, 1.5), ...RANGE_ERR),
    t('storeFrom byteOffset 2^32', (c) => c.fs.batch().storeFrom(0, 2, c.bufId, 2 ** 32), ...RANGE_ERR),
    t('loadInto type NaN', (c) => c.fs.batch().loadInto(NaN, 1, c.bufId, 0), ...RANGE_ERR),
    r('submit: an op on an uninitialized type refuses the whole batch', (c) => c.fs.batch().store(0, 2, c.page).invalidatePage(0, 1).store(3, 2, c.page).submit(), ...NOT_INIT),
    r('submit: storeFrom an unknown buffer id refuses the whole batch', (c) => c.fs.batch().store(0, 2, c.page).storeFrom(0, 3, c.bufId + 7, 0).submit(), ...BAD_DESCRIPTOR),
    r('submit: storeFrom a page running past its registered buffer', (c) => c.fs.batch().invalidatePage(0, 1).storeFrom(0, 3, c.bufId, (ARENA_PAGES - 1) * PS + 1).submit(), ...BAD_DESCRIPTOR),
    r('submit: loadInto at byteOffset 2^32 - 1', (c) => c.fs.batch().loadInto(0, 1, c.bufId, 0xffffffff).submit(), ...BAD_DESCRIPTOR),
    r('submit: loadInto an unregistered buffer id', (c) => {
      c.engine.unregisterBuffer(c.bufId);
      return c.fs.batch().loadInto(0, 1, c.bufId, 0).submit();
    }, ...BAD_DESCRIPTOR),
    r('submit: exclusiveGets, a bad op after a load keeps the page', (c) => c.fsx.batch().load(0, 1, new Uint8Array(PS)).loadInto(0, 2, c.bufId, ARENA_PAGES * PS).submit(), ...BAD_DESCRIPTOR),
    r(
      'submit: the type was closed after the op was added',
      (_c: Fixture, b: ReturnType<Frontswap['batch']>) => b.submit(),
      ...NOT_INIT,
      {
        prepare: (c) => {
          c.fs.init(2);
          const b = c.fs.batch().store(2, 1, c.page);
          c.fs.invalidateArea(2);
          return b;
        },
      },
    ),
    r(
      'submit after the engine was closed',
      (_c: Fixture, b: ReturnType<Frontswap['batch']>) => b.submit(),
      ...ENGINE_CLOSED,
      {
        prepare: async (c) => {
          const engine = new CopyEngine();
          c.extra.engines.push(engine);
          const f = new Frontswap(c.pool, { engine });
          f.init(0);
          const b = f.batch().store(0, 5, c.page);
          await engine.close();
          return b;
        },
      },
    ),
    // An async page over a resizable ArrayBuffer is refused when it is added
    // (and natively at submit): a resize would free memory under its copy.
    t('store: a view over a resizable ArrayBuffer', (c) => c.fs.batch().store(0, 2, new Uint8Array(resizable(PS, 2 * PS))), ...RESIZABLE),
    t('load: a DataView over a resizable ArrayBuffer', (c) => c.fs.batch().load(0, 2, new DataView(resizable(PS, 2 * PS))), ...RESIZABLE),
    r('submit after the pool was closed', (c) => closedPool(c).fs.batch().invalidatePage(0, 0).submit(), ...POOL_CLOSED),
  ],

  'new CopyEngine(options)': [
    t('options null', engineCtor(null), ...TYPE_ERR),
    t('options a number', engineCtor(7), ...TYPE_ERR),
    t('workers 0', engineCtor({ workers: 0 }), ...RANGE_ERR),
    t('workers 33', engineCtor({ workers: 33 }), ...RANGE_ERR),
    t('workers 1.5', engineCtor({ workers: 1.5 }), ...RANGE_ERR),
    t('workers NaN', engineCtor({ workers: NaN }), ...RANGE_ERR),
    t('workers Infinity', engineCtor({ workers: Infinity }), ...RANGE_ERR),
    t("workers '2'", engineCtor({ workers: '2' }), ...TYPE_ERR),
    t("waitMode 'doze'", engineCtor({ waitMode: 'doze' }), ...RANGE_ERR),
    t('waitMode 1', engineCtor({ waitMode: 1 }), ...TYPE_ERR),
    t('spinMicros -1', engineCtor({ spinMicros: -1 }), ...RANGE_ERR),
    t('spinMicros 10^7 + 1', engineCtor({ spinMicros: 1e7 + 1 }), ...RANGE_ERR),
    t('ringSize 1000', engineCtor({ ringSize: 1000 }), ...RANGE_ERR),
    t('ringSize 1', engineCtor({ ringSize: 1 }), ...RANGE_ERR),
    t('ringSize 2^21', engineCtor({ ringSize: 2 ** 21 }), ...RANGE_ERR),
    t("completion 'maybe'", engineCtor({ completion: 'maybe' }), ...RANGE_ERR),
    t('pollMicros -5', engineCtor({ pollMicros: -5 }), ...RANGE_ERR),
    t('an unknown option', engineCtor({ threads: 2 }), ...TYPE_ERR),
  ],

  'CopyEngine methods': [
    t("registerBuffer('x')", (c) => c.engine.registerBuffer('x' as never), ...TYPE_ERR),
    t('registerBuffer(an ArrayBuffer)', (c) => c.engine.registerBuffer(new ArrayBuffer(PS) as never), ...TYPE_ERR),
    t('registerBuffer(0 bytes)', (c) => c.engine.registerBuffer(new Uint8Array(0)), ...RANGE_ERR),
    t('registerBuffer(detached)', (c) => c.engine.registerBuffer(detachedView()), ...DETACHED),
    t('registerBuffer(a detached DataView)', (c) => c.engine.registerBuffer(detachedDataView()), ...DETACHED),
    t('registerBuffer(a resizable ArrayBuffer)', (c) => c.engine.registerBuffer(new Uint8Array(resizable(2 * PS, 2 * PS))), ...RESIZABLE),
    r('registerBuffer on a closed engine', async (c) => (await closedEngine(c)).registerBuffer(new Uint8Array(PS)), ...ENGINE_CLOSED),
    t("unregisterBuffer('0')", (c) => c.engine.unregisterBuffer('0' as never), ...TYPE_ERR),
    t('unregisterBuffer(-1)', (c) => c.engine.unregisterBuffer(-1), ...RANGE_ERR),
    t('unregisterBuffer(1.5)', (c) => c.engine.unregisterBuffer(1.5), ...RANGE_ERR),
    t('unregisterBuffer(2^32)', (c) => c.engine.unregisterBuffer(2 ** 32), ...RANGE_ERR),
    t('unregisterBuffer(an id never handed out)', (c) => c.engine.unregisterBuffer(99), ...RANGE_ERR),
    t(
      'unregisterBuffer twice',
      (c: Fixture, id: number) => c.engine.unregisterBuffer(id),
      ...RANGE_ERR,
      {
        prepare: (c) => {
          const id = c.engine.registerBuffer(new Uint8Array(PS));
          c.engine.unregisterBuffer(id);
          return id;
        },
      },
    ),
    r('unregisterBuffer on a closed engine', async (c) => (await closedEngine(c)).unregisterBuffer(0), ...ENGINE_CLOSED),
  ],

  'RawBatch (toSlot, fromSlot, slotToSlot, submit)': [
    t('toSlot(not a pool)', (c) => c.engine.rawBatch().toSlot({} as never, c.slots[0]!, c.bufId), ...TYPE_ERR),
    t('toSlot slot -1', (c) => c.engine.rawBatch().toSlot(c.pool, -1, c.bufId), ...RANGE_ERR),
    t('toSlot slot 1.5', (c) => c.engine.rawBatch().toSlot(c.pool, 1.5, c.bufId), ...RANGE_ERR),
    t('toSlot slot 2^32', (c) => c.engine.rawBatch().toSlot(c.pool, 2 ** 32, c.bufId), ...RANGE_ERR),
    t("toSlot bufferId 'x'", (c) => c.engine.rawBatch().toSlot(c.pool, c.slots[0]!, 'x' as never), ...TYPE_ERR),
    t('toSlot byteOffset NaN', (c) => c.engine.rawBatch().toSlot(c.pool, c.slots[0]!, c.bufId, NaN), ...RANGE_ERR),
    t('fromSlot byteOffset 2^32', (c) => c.engine.rawBatch().fromSlot(c.pool, c.slots[0]!, c.bufId, 2 ** 32), ...RANGE_ERR),
    t('slotToSlot dst 2^32', (c) => c.engine.rawBatch().slotToSlot(c.pool, c.slots[0]!, 2 ** 32), ...RANGE_ERR),
    r('toSlot on a closed engine', async (c) => (await closedEngine(c)).rawBatch().toSlot(c.pool, c.slots[0]!, 0), ...ENGINE_CLOSED),
    r(
      'submit on a closed engine',
      (_c: Fixture, b: ReturnType<CopyEngine['rawBatch']>) => b.submit(),
      ...ENGINE_CLOSED,
      {
        prepare: async (c) => {
          const e = new CopyEngine();
          c.extra.engines.push(e);
          const b = e.rawBatch();
          await e.close();
          return b;
        },
      },
    ),
  ],

  'RawBatch descriptors outside the pool or a registered buffer (reported in failed)': [
    { kind: 'rawFails', name: 'toSlot an unreserved slot (it holds a page)', run: (c) => c.engine.rawBatch().toSlot(c.pool, c.unreserved, c.bufId).submit(), failed: [[0, 'ERR_SLOT_NOT_RESERVED']], completed: 0 },
    { kind: 'rawFails', name: 'toSlot slot = capacity', run: (c) => c.engine.rawBatch().toSlot(c.pool, PAGES, c.bufId).submit(), failed: [[0, 'ERR_SLOT_NOT_RESERVED']], completed: 0 },
    { kind: 'rawFails', name: 'toSlot slot 2^32 - 1', run: (c) => c.engine.rawBatch().toSlot(c.pool, 0xffffffff, c.bufId).submit(), failed: [[0, 'ERR_SLOT_NOT_RESERVED']], completed: 0 },
    { kind: 'rawFails', name: 'toSlot from an unknown buffer id', run: (c) => c.engine.rawBatch().toSlot(c.pool, c.slots[0]!, c.bufId + 9).submit(), failed: [[0, 'ERR_BAD_DESCRIPTOR']], completed: 0 },
    { kind: 'rawFails', name: 'toSlot from a page running past its buffer', run: (c) => c.engine.rawBatch().toSlot(c.pool, c.slots[0]!, c.bufId, (ARENA_PAGES - 1) * PS + 1).submit(), failed: [[0, 'ERR_BAD_DESCRIPTOR']], completed: 0 },
    { kind: 'rawFails', name: 'fromSlot into byteOffset 2^32 - 1', run: (c) => c.engine.rawBatch().fromSlot(c.pool, c.slots[0]!, c.bufId, 0xffffffff).submit(), failed: [[0, 'ERR_BAD_DESCRIPTOR']], completed: 0 },
    { kind: 'rawFails', name: 'slotToSlot into an unreserved slot', run: (c) => c.engine.rawBatch().slotToSlot(c.pool, c.slots[0]!, c.unreserved).submit(), failed: [[0, 'ERR_SLOT_NOT_RESERVED']], completed: 0 },
    { kind: 'rawFails', name: 'slotToSlot from an unreserved slot', run: (c) => c.engine.rawBatch().slotToSlot(c.pool, c.unreserved, c.slots[1]!).submit(), failed: [[0, 'ERR_SLOT_NOT_RESERVED']], completed: 0 },
    {
      kind: 'rawFails',
      name: 'fromSlot of a buffer id after unregisterBuffer',
      run: (c) => {
        const buf = new Uint8Array(PS);
        const id = c.engine.registerBuffer(buf);
        c.engine.unregisterBuffer(id);
        return c.engine.rawBatch().fromSlot(c.pool, c.slots[0]!, id).submit();
      },
      failed: [[0, 'ERR_BAD_DESCRIPTOR']],
      completed: 0,
    },
    {
      kind: 'rawFails',
      name: 'toSlot on a pool closed after it met the engine',
      run: (c) => {
        const pool = new PagePool({ pages: 2, prefault: false });
        const slots = pool.reserve(1)!;
        const b = c.engine.rawBatch().toSlot(pool, slots[0]!, c.bufId);
        pool.close();
        return b.submit();
      },
      failed: [[0, 'ERR_POOL_CLOSED']],
      completed: 0,
    },
    {
      kind: 'rawFails',
      name: 'bad descriptors amid good ones: only the bad are refused',
      run: (c) =>
        c.engine
          .rawBatch()
          .toSlot(c.pool, c.slots[0]!, c.bufId, PS)
          .toSlot(c.pool, c.unreserved, c.bufId)
          .slotToSlot(c.pool, c.slots[0]!, c.slots[1]!)
          .toSlot(c.pool, c.slots[1]!, c.bufId, ARENA_PAGES * PS)
          .submit(),
      failed: [
        [1, 'ERR_SLOT_NOT_RESERVED'],
        [3, 'ERR_BAD_DESCRIPTOR'],
      ],
      completed: 2,
    },
    {
      kind: 'ok',
      name: 'random words written straight into a raw batch never reach memory outside reserved slots and registered buffers',
      run: async (c) => {
        // JS can write a RawBatch's descriptor words (a TS-private field, not a JS one): the native checks must hold anyway.
        const big = new Uint8Array(8 * PS).fill(0x77);
        const id = c.engine.registerBuffer(big.subarray(2 * PS, 6 * PS));
        let seed = 12345;
        const rnd = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % n;
        const wild = () => [rnd(0x100000000), 0xffffffff, rnd(16), rnd(8 * PS), PAGES, c.unreserved][rnd(6)]!;
        let completed = 0;
        for (let round = 0; round < 100; round++) {
          const b = c.engine.rawBatch().toSlot(c.pool, c.slots[0]!, id) as unknown as { ops: Uint32Array; count: number; submit(): Promise<RawBatchResult> };
          assert.ok(b.ops instanceof Uint32Array && b.count === 1, 'RawBatch keeps its words in ops / count');
          const n = 1 + rnd(12);
          if (b.ops.length < n * 5) b.ops = new Uint32Array(n * 5);
          for (let i = 0; i < n * 5; i += 5) {
            b.ops[i] = rnd(8) ? 1 + rnd(3) : wild();
            b.ops[i + 1] = rnd(8) ? 0 : wild();
            b.ops[i + 2] = rnd(3) ? c.slots[rnd(2)]! : wild();
            b.ops[i + 3] = rnd(2) ? (rnd(3) ? id : c.slots[rnd(2)]!) : wild();
            b.ops[i + 4] = rnd(2) ? rnd(4) * PS : wild();
          }
          b.count = n;
          const res = await b.submit();
          completed += res.completed;
          for (const f of res.failed) assert.equal(f.error.name, 'FrontswapError');
        }
        assert.ok(completed > 0, 'some descriptors were valid');
        assert.ok(big.subarray(0, 2 * PS).every((x) => x === 0x77) && big.subarray(6 * PS).every((x) => x === 0x77), 'nothing written around the registered part');
      },
    },
  ],

  'accepted inputs': [
    {
      kind: 'ok',
      name: 'views over a SharedArrayBuffer are pages: store and load',
      run: (c) => {
        const src = sabPage(11);
        assert.equal(c.fs.store(0, 2, src), true);
        const out = new Uint8Array(new SharedArrayBuffer(PS));
        assert.equal(c.fs.load(0, 2, out), true);
        assert.ok(equalBytes(out, pattern(11, PS)));
      },
    },
    {
      kind: 'ok',
      name: 'views over a SharedArrayBuffer are pages: storeAsync, loadAsync and a batch',
      run: async (c) => {
        assert.equal(await c.fs.storeAsync(0, 3, sabPage(12)), true);
        const out = new Uint8Array(new SharedArrayBuffer(PS));
        assert.equal(await c.fs.loadAsync(0, 3, out), true);
        assert.ok(equalBytes(out, pattern(12, PS)));
        const out2 = new DataView(new SharedArrayBuffer(PS));
        assert.deepEqual(await c.fs.batch().store(0, 4, sabPage(13)).load(0, 4, out2).submit(), [true, true]);
        assert.ok(equalBytes(out2, pattern(13, PS)));
      },
    },
    {
      kind: 'ok',
      name: 'a registered SharedArrayBuffer: storeFrom, loadInto and raw copies',
      run: async (c) => {
        const shared = new Uint8Array(new SharedArrayBuffer(2 * PS));
        shared.set(pattern(14, PS));
        const id = c.engine.registerBuffer(shared);
        assert.deepEqual(await c.fs.batch().storeFrom(0, 5, id, 0).loadInto(0, 5, id, PS).submit(), [true, true]);
        assert.ok(equalBytes(shared.subarray(PS), pattern(14, PS)));
        shared.subarray(PS).fill(0);
        const raw = await c.engine.rawBatch().toSlot(c.pool, c.slots[0]!, id, 0).submit();
        assert.deepEqual(raw, { completed: 1, failed: [] });
        assert.deepEqual(await c.engine.rawBatch().fromSlot(c.pool, c.slots[0]!, id, PS).submit(), { completed: 1, failed: [] });
        assert.ok(equalBytes(shared.subarray(PS), pattern(14, PS)));
      },
    },
    {
      kind: 'ok',
      name: '-0 is type 0 and offset 0',
      run: (c) => {
        assert.equal(c.fs.store(-0, -0, pattern(15, PS)), true);
        assert.equal(c.fs.has(0, 0), true);
        assert.equal(c.fs.invalidatePage(-0, -0), true);
      },
    },
    {
      kind: 'ok',
      name: 'pool.close() and engine.close() are idempotent',
      run: async (c) => {
        const pool = new PagePool({ pages: 1, prefault: false });
        pool.close();
        pool.close();
        assert.equal(pool.closed, true);
        const engine = new CopyEngine();
        const a = engine.close();
        const b = engine.close();
        await Promise.all([a, b]);
        await engine.close();
        assert.equal(engine.closed, true);
      },
    },
    {
      kind: 'ok',
      name: 'reserve(0) hands out no slots; release() of none is fine',
      run: (c) => {
        const none = c.pool.reserve(0);
        assert.ok(none instanceof Uint32Array && none.length === 0);
        c.pool.release(none);
      },
    },
    {
      kind: 'ok',
      name: 'a page inside a buffer that was registered, then unregistered, is still a page for storeAsync / loadAsync / batch',
      run: async (c) => {
        const buf = new Uint8Array(2 * PS);
        buf.set(pattern(16, PS));
        const id = c.engine.registerBuffer(buf);
        c.engine.unregisterBuffer(id);
        assert.equal(await c.fs.storeAsync(0, 6, buf.subarray(0, PS)), true);
        assert.equal(await c.fs.loadAsync(0, 6, buf.subarray(PS)), true);
        assert.ok(equalBytes(buf.subarray(PS), pattern(16, PS)));
        assert.deepEqual(await c.fs.batch().load(0, 6, buf.subarray(PS)).submit(), [true]);
      },
    },
  ],
};

/**
 * The fixture in use, held from module scope, so that these cases do not depend on
 * the library keeping an awaited engine alive (tested in test/resources.test.ts).
 */
let current: Fixture | null = null;

async function runCase(k: Case): Promise<void> {
  const c = await fixture();
  current = c;
  try {
    const prepared = k.kind === 'throws' || k.kind === 'rejects' ? await k.prepare?.(c) : undefined;
    const before = snapshot(c);
    if (k.kind === 'throws') {
      assert.throws(() => k.run(c, prepared as never), (e: unknown) => {
        checkError(e, k.cls, k.code);
        return true;
      });
    } else if (k.kind === 'rejects') {
      let p: unknown;
      try {
        p = k.run(c, prepared as never);
      } catch (e) {
        assert.fail(`threw synchronously (${String(e)}); an async entry point must return a rejected promise`);
      }
      assert.ok(p instanceof Promise, 'returns a promise');
      await assert.rejects(p, (e: unknown) => {
        checkError(e, k.cls, k.code);
        return true;
      });
    } else if (k.kind === 'rawFails') {
      const res = await k.run(c);
      assert.deepEqual(
        res.failed.map((f) => [f.index, f.error.code]),
        k.failed,
      );
      for (const f of res.failed) assert.equal(f.error.name, 'FrontswapError');
      assert.equal(res.completed, k.completed);
    } else {
      await (k as OkCase).run(c);
    }
    if (k.kind !== 'ok') {
      const after = snapshot(c);
      assert.deepEqual(after.stats, before.stats, 'stats() of every front-end unchanged');
      assert.equal(after.used, before.used, 'pool.usedPages unchanged');
      assert.ok(after.arena.equals(before.arena), 'the registered buffer unchanged');
    }
    knownPagesIntact(c);
    if (k.kind === 'throws' || k.kind === 'rejects') await k.after?.(c, prepared as never);
  } finally {
    await dispose(c);
    if (current === c) current = null;
  }
}

let total = 0;
for (const [entry, cases] of Object.entries(CATALOGUE)) {
  describe(entry, () => {
    for (const k of cases) {
      total++;
      it(k.name, () => runCase(k));
    }
  });
}

// ---------------------------------------------------------------------------
// The CLI

const CLI = path.join(__dirname, '..', 'bench', 'cli', 'main.js');

function capture(): CliIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) }, out: () => out, err: () => err };
}

interface CliCase {
  name: string;
  /** Arguments; DIR is replaced by an empty temporary directory, which must stay empty. */
  argv: string[];
  status: 1 | 2;
  mentions: string;
}

const CLI_CASES: CliCase[] = [
  { name: 'no command', argv: [], status: 2, mentions: 'no command given' },
  { name: 'an unknown command', argv: ['swapon'], status: 2, mentions: "unknown command 'swapon'" },
  { name: 'an unknown top-level flag', argv: ['--swap'], status: 2, mentions: '--swap' },
  { name: 'an unknown flag of info', argv: ['info', '--bogus'], status: 2, mentions: '--bogus' },
  { name: 'an extra argument to info', argv: ['info', 'extra'], status: 2, mentions: 'extra' },
  { name: 'a value on a boolean flag', argv: ['info', '--json=1'], status: 2, mentions: '--json' },
  { name: 'help with two names', argv: ['help', 'info', 'report'], status: 2, mentions: 'at most one' },
  { name: 'help of an unknown command', argv: ['help', 'swapon'], status: 2, mentions: "'swapon'" },
  { name: 'report without a file', argv: ['report', '--out', 'DIR'], status: 2, mentions: 'expected a report file' },
  { name: 'report with two files', argv: ['report', 'a.json', 'b.json', '--out', 'DIR'], status: 2, mentions: 'expected one report file' },
  { name: 'report --out with no value', argv: ['report', 'a.json', '--out'], status: 2, mentions: '--out' },
  { name: "report --out ''", argv: ['report', 'a.json', '--out', ''], status: 2, mentions: '--out needs a directory' },
  { name: 'report of a missing file', argv: ['report', 'DIR/missing.json', '--out', 'DIR'], status: 1, mentions: 'missing.json' },
  { name: 'report of a directory', argv: ['report', 'DIR', '--out', 'DIR'], status: 1, mentions: 'frontswap report' },
  { name: 'report of a file that is not JSON', argv: ['report', 'NOTJSON', '--out', 'DIR'], status: 1, mentions: 'frontswap report' },
  { name: 'compare with one file', argv: ['compare', 'a.json', '--out', 'DIR'], status: 2, mentions: 'at least two' },
  { name: 'compare of missing files', argv: ['compare', 'DIR/a.json', 'DIR/b.json', '--out', 'DIR'], status: 1, mentions: 'a.json' },
  { name: 'bench --page-sizes 3k', argv: ['bench', '--page-sizes', '3k', '--out', 'DIR'], status: 2, mentions: '--page-sizes' },
  { name: 'bench --batches 0', argv: ['bench', '--batches', '0', '--out', 'DIR'], status: 2, mentions: '--batches' },
  { name: 'bench --modes warp', argv: ['bench', '--modes', 'warp', '--out', 'DIR'], status: 2, mentions: "'warp'" },
  { name: 'bench --reps 0', argv: ['bench', '--reps', '0', '--out', 'DIR'], status: 2, mentions: '--reps' },
  { name: 'bench --sample-ms abc', argv: ['bench', '--sample-ms', 'abc', '--out', 'DIR'], status: 2, mentions: '--sample-ms' },
  { name: 'bench --workers 1,,2', argv: ['bench', '--workers', '1,,2', '--out', 'DIR'], status: 2, mentions: '--workers' },
  { name: "bench --out ''", argv: ['bench', '--out='], status: 2, mentions: '--out needs a directory' },
  { name: 'bench --out a file', argv: ['bench', '--quick', '--out', 'NOTJSON'], status: 2, mentions: 'cannot write there' },
  { name: 'bench with a positional argument', argv: ['bench', 'extra', '--out', 'DIR'], status: 2, mentions: "'extra'" },
];

async function withDir<T>(fn: (dir: string, notJson: string) => T | Promise<T>): Promise<T> {
  const base = nodeFs.mkdtempSync(path.join(os.tmpdir(), 'frontswap-bad-input-'));
  const dir = path.join(base, 'out');
  nodeFs.mkdirSync(dir);
  const notJson = path.join(base, 'not-json.json');
  nodeFs.writeFileSync(notJson, 'this is not { json');
  try {
    return await fn(dir, notJson);
  } finally {
    nodeFs.rmSync(base, { recursive: true, force: true });
  }
}

function expand(argv: string[], dir: string, notJson: string): string[] {
  return argv.map((a) => a.replace(/^DIR/, dir).replace(/^NOTJSON$/, notJson));
}

function assertCliMistake(k: CliCase, status: number | null, stdout: string, stderr: string): void {
  assert.equal(status, k.status, `exit code; stderr: ${stderr}`);
  assert.equal(stdout, '', 'nothing on stdout');
  assert.ok(stderr.includes(k.mentions), `stderr mentions ${JSON.stringify(k.mentions)}: ${stderr}`);
  assert.doesNotMatch(stderr, /^\s+at /m, 'no stack trace');
}

describe('CLI: main([...])', () => {
  for (const k of CLI_CASES) {
    total++;
    it(`${k.name} → exit ${k.status}`, async () => {
      await withDir(async (dir, notJson) => {
        const io = capture();
        const status = await main(expand(k.argv, dir, notJson), io);
        assertCliMistake(k, status, io.out(), io.err());
        assert.deepEqual(nodeFs.readdirSync(dir), [], 'nothing written');
      });
    });
  }
});

describe('CLI: node dist/bench/cli/main.js ...', () => {
  for (const k of CLI_CASES.filter((_, i) => i % 3 === 0)) {
    it(`${k.name} → exit ${k.status}`, async () => {
      await withDir((dir, notJson) => {
        const res = spawnSync(process.execPath, [CLI, ...expand(k.argv, dir, notJson)], { encoding: 'utf8', timeout: 30_000 });
        assertCliMistake(k, res.status, res.stdout, res.stderr);
        assert.deepEqual(nodeFs.readdirSync(dir), [], 'nothing written');
      });
    });
  }
});

describe('the catalogue', () => {
  it('has at least 60 distinct cases', (t) => {
    t.diagnostic(`${total} cases`);
    assert.ok(total >= 60, `${total} cases`);
  });
});
