/**
 * Model-based random testing of frontswap: random command sequences run against a
 * real PagePool + Frontswap front-ends + CopyEngine and, step by step, against the
 * reference model (reference-model.ts).
 *
 * A run is a Setup (page size, a small pool, 1–3 front-ends sharing it, one or two
 * engines with 1–2 workers and a random wait mode; with two, the front-ends take
 * turns, so one pool has copies from two engines) and a list of Commands: sync
 * init/store/load/invalidatePage/invalidateArea/has, storeAsync/loadAsync and
 * batches (store/load/invalidatePage, and storeFrom/loadInto when the pages live in
 * a registered buffer), each async one either awaited at once or collected and
 * awaited later, in an order the sequence picks.
 *
 * The same commands run over a SwapDevice instead (Setup.device: a file, a loop
 * device or zram; sync pread/pwrite or io_uring; a random discard policy and
 * queue depth): the front-ends then share the device, and the pool's and
 * engine's own commands (reserve, release, closeEngine) are skipped.
 *
 * The async rule checked: metadata is decided when the call is made. So the model
 * is updated at issue time, the promise must resolve to the issue-time result, and
 * a load's bytes must be the page stored under its key at issue time.
 *
 * Every store's page is derived from a fresh stamp (fillPage), so every load checks
 * the exact bytes (and a wrong page names the stamp it came from). After every
 * command each front-end's stats() and the backend's usedPages must equal the model's.
 *
 * Commands are plain data, so fast-check shrinks a failing sequence to a short one
 * and formatCounterexample() prints it as code-like lines.
 */
import * as assert from 'node:assert/strict';
import * as fc from 'fast-check';
import { CopyEngine, Frontswap, PagePool, type DiscardPolicy, type FrontswapStats, type SwapDevice, type WaitMode } from '../../lib/index';
import { deviceBackend, disposeDevice, type DeviceKind } from '../device-fixtures';
import {
  COUNTER_NAMES,
  ModelFrontswap,
  ModelPool,
  attempt,
  type ModelBatchOp,
  type ModelBatchResult,
  type ModelStats,
  type Outcome,
} from './reference-model';

// ---------------------------------------------------------------------------
// Descriptions

export interface Setup {
  pageSize: number;
  pages: number;
  /** exclusiveGets of each front-end sharing the pool (1 to 3 of them). */
  frontends: boolean[];
  /** Types every front-end opens before the first command. */
  initTypes: number[];
  /** Engines (1 or 2); front-end i uses engine i % engines. */
  engines: number;
  workers: number;
  waitMode: WaitMode;
  completion: 'auto' | 'poll' | 'wakeup';
  ringSize: number;
  /**
   * Pages are views into one buffer registered with the engine (the async ops then
   * take the registered-buffer path), and batches may use storeFrom/loadInto.
   * Otherwise every page is a buffer of its own, and storeFrom/loadInto run as
   * store/load.
   */
  registered: boolean;
  prefault: boolean;
  /**
   * The backend when it is a SwapDevice (the engine fields above are then
   * unused); absent for a PagePool.
   */
  device?: DeviceSetup;
}

/** A SwapDevice backend: every front-end of the run shares one device. */
export interface DeviceSetup {
  kind: DeviceKind;
  /**
   * 'uring': the first front-end's async commands go through io_uring (a device
   * has one queue; the other front-ends share it synchronously). 'sync', and the
   * other front-ends: pread/pwrite only, so async store/load commands run as
   * sync ones and a batch must be refused with ERR_NO_URING.
   */
  io: 'sync' | 'uring';
  /** io 'uring' only: small depths make batches wait their turn (back-pressure). */
  queueDepth: number;
  discard: DiscardPolicy;
}

/** sync: the synchronous call; now: the async call, awaited at once; later: collected, awaited by a later 'settle' or at the end. */
export type Via = 'sync' | 'now' | 'later';

export type BatchOpName = 'store' | 'load' | 'invalidatePage' | 'storeFrom' | 'loadInto';

export interface BatchOpDesc {
  op: BatchOpName;
  type: number;
  offset: number;
}

export type Command =
  | { op: 'init' | 'invalidateArea'; fe: number; type: number }
  | { op: 'store' | 'load'; fe: number; type: number; offset: number; via: Via }
  | { op: 'invalidatePage' | 'has'; fe: number; type: number; offset: number }
  | { op: 'batch'; fe: number; ops: BatchOpDesc[]; via: 'now' | 'later' }
  | { op: 'settle'; picks: number[] }
  /** pool.reserve(count) (kept until a 'release'), and pool.release() of one reservation. */
  | { op: 'reserve'; count: number }
  | { op: 'release'; pick: number }
  /** engine.close() while ops may be in flight; awaited later. Every later async call through it must fail with ERR_ENGINE_CLOSED. */
  | { op: 'closeEngine'; engine: number };

/** Offsets the generator uses: a few small ones (so keys collide) and the extremes. */
export const SMALL_OFFSETS = 8;
export const SPECIAL_OFFSETS = [0x80000000, 0xffffffff] as const;
export const TYPES_USED = [0, 1, 2, 31] as const;

// ---------------------------------------------------------------------------
// Arbitraries

export interface ArbOptions {
  pageSize: number;
  /** exclusiveGets of the first front-end; the others are random. */
  exclusiveGets: boolean;
  /** Commands per program, at most (shrinking can take it down to none). */
  maxCommands: number;
  /** A SwapDevice backend of this kind and io; a PagePool when absent. */
  device?: { kind: DeviceKind; io: 'sync' | 'uring' };
}

export function setupArb(pageSize: number, exclusiveGets: boolean, device?: ArbOptions['device']): fc.Arbitrary<Setup> {
  if (device) return deviceSetupArb(pageSize, exclusiveGets, device);
  return fc.record({
    pageSize: fc.constant(pageSize),
    // Small pools, so that stores get rejected; 2 MiB pools stay at a few pages.
    pages: pageSize <= 4096 ? fc.integer({ min: 1, max: 8 }) : fc.integer({ min: 3, max: 6 }),
    frontends: fc.array(fc.boolean(), { maxLength: 2 }).map((rest) => [exclusiveGets, ...rest]),
    initTypes: fc.constantFrom([0, 1], [0], [0, 1, 2], []),
    engines: fc.constantFrom(1, 2),
    workers: fc.constantFrom(1, 2),
    waitMode: fc.constantFrom<WaitMode>('sleep', 'adaptive', 'spin'),
    completion: fc.constantFrom<'auto' | 'poll' | 'wakeup'>('auto', 'poll', 'wakeup'),
    ringSize: fc.constantFrom(1024, 16, 4, 2),
    registered: fc.boolean(),
    prefault: fc.boolean(),
  });
}

/** The pool's setup with a device in its place: no engine, no registered buffers. */
function deviceSetupArb(pageSize: number, exclusiveGets: boolean, device: NonNullable<ArbOptions['device']>): fc.Arbitrary<Setup> {
  return fc.record({
    pageSize: fc.constant(pageSize),
    pages: pageSize <= 4096 ? fc.integer({ min: 1, max: 8 }) : fc.integer({ min: 3, max: 6 }),
    frontends: fc.array(fc.boolean(), { maxLength: 2 }).map((rest) => [exclusiveGets, ...rest]),
    initTypes: fc.constantFrom([0, 1], [0], [0, 1, 2], []),
    engines: fc.constant(0),
    workers: fc.constant(0),
    waitMode: fc.constant<WaitMode>('sleep'),
    completion: fc.constant<'auto' | 'poll' | 'wakeup'>('auto'),
    ringSize: fc.constant(0),
    registered: fc.constant(false),
    prefault: fc.constant(false),
    device: fc.record({
      kind: fc.constant(device.kind),
      io: fc.constant(device.io),
      queueDepth: device.io === 'uring' ? fc.constantFrom(1, 4, 32) : fc.constant(0),
      discard: fc.constantFrom<DiscardPolicy>('immediate', 'none', { batch: 3 }),
    }),
  });
}

export function commandArb(): fc.Arbitrary<Command> {
  const fe = fc.nat({ max: 2 });
  const type = fc.oneof({ arbitrary: fc.nat({ max: 2 }), weight: 40 }, { arbitrary: fc.constant(31), weight: 1 });
  const offset = fc.oneof(
    { arbitrary: fc.nat({ max: SMALL_OFFSETS - 1 }), weight: 40 },
    { arbitrary: fc.constantFrom(...SPECIAL_OFFSETS), weight: 1 },
  );
  const via = fc.constantFrom<Via>('sync', 'now', 'later');
  const batchOp: fc.Arbitrary<BatchOpDesc> = fc.record({
    op: fc.constantFrom<BatchOpName>('store', 'load', 'invalidatePage', 'storeFrom', 'loadInto'),
    type,
    offset,
  });
  const w = <T>(weight: number, arbitrary: fc.Arbitrary<T>) => ({ weight, arbitrary });
  return fc.oneof(
    w(24, fc.record({ op: fc.constant('store' as const), fe, type, offset, via })),
    w(20, fc.record({ op: fc.constant('load' as const), fe, type, offset, via })),
    w(7, fc.record({ op: fc.constant('invalidatePage' as const), fe, type, offset })),
    w(4, fc.record({ op: fc.constant('has' as const), fe, type, offset })),
    w(3, fc.record({ op: fc.constant('init' as const), fe, type })),
    w(2, fc.record({ op: fc.constant('invalidateArea' as const), fe, type })),
    w(10, fc.record({ op: fc.constant('batch' as const), fe, ops: fc.array(batchOp, { maxLength: 8 }), via: fc.constantFrom<'now' | 'later'>('now', 'later') })),
    w(5, fc.record({ op: fc.constant('settle' as const), picks: fc.array(fc.nat({ max: 31 }), { minLength: 1, maxLength: 6 }) })),
    w(2, fc.record({ op: fc.constant('reserve' as const), count: fc.nat({ max: 3 }) })),
    w(2, fc.record({ op: fc.constant('release' as const), pick: fc.nat({ max: 7 }) })),
    w(1, fc.record({ op: fc.constant('closeEngine' as const), engine: fc.nat({ max: 1 }) })),
  );
}

export function programArb(o: ArbOptions): fc.Arbitrary<[Setup, Command[]]> {
  return fc.tuple(
    setupArb(o.pageSize, o.exclusiveGets, o.device),
    fc.array(commandArb(), { maxLength: o.maxCommands, size: 'max' }),
  );
}

// ---------------------------------------------------------------------------
// Printing

function hex(n: number): string {
  return n >= 0x10000 ? `0x${n.toString(16)}` : String(n);
}

export function formatSetup(s: Setup): string {
  if (s.device) {
    const d = s.device;
    const fes = s.frontends.map((x, i) => `fs${i}{exclusiveGets:${x}}`).join(' ');
    return (
      `SwapDevice (${d.kind}) ${s.pages} × ${s.pageSize} B, discard ${JSON.stringify(d.discard)}; ` +
      `${fes}${d.io === 'uring' ? `, fs0 {io:'uring', queueDepth:${d.queueDepth}}, the others {io:'sync'}` : `, all {io:'sync'}`}; init types [${s.initTypes.join(', ')}]`
    );
  }
  const fes = s.frontends.map((x, i) => `fs${i}{exclusiveGets:${x}${s.engines > 1 ? `, engine${i % s.engines}` : ''}}`).join(' ');
  return (
    `pool ${s.pages} × ${s.pageSize} B (prefault ${s.prefault}); ${fes}; init types [${s.initTypes.join(', ')}]; ` +
    `${s.engines > 1 ? `${s.engines} engines, each` : 'engine'} {workers:${s.workers}, waitMode:'${s.waitMode}', completion:'${s.completion}', ringSize:${s.ringSize}}; ` +
    `pages ${s.registered ? 'in a registered buffer' : 'in buffers of their own'}`
  );
}

export function formatCommand(c: Command, setup?: Setup): string {
  const fe = (n: number) => `fs${setup ? n % setup.frontends.length : n}`;
  if (setup?.device && isPoolCommand(c)) return `(${c.op}: a pool's or engine's command, skipped over a device)`;
  switch (c.op) {
    case 'init':
    case 'invalidateArea':
      return `${fe(c.fe)}.${c.op}(${c.type})`;
    case 'invalidatePage':
    case 'has':
      return `${fe(c.fe)}.${c.op}(${c.type}, ${hex(c.offset)})`;
    case 'store':
    case 'load':
      if (c.via === 'sync' || (setup && !hasAsync(setup, c.fe))) return `${fe(c.fe)}.${c.op}(${c.type}, ${hex(c.offset)})`;
      return `${c.via === 'now' ? 'await ' : ''}${fe(c.fe)}.${c.op}Async(${c.type}, ${hex(c.offset)})${c.via === 'later' ? '   // awaited later' : ''}`;
    case 'batch': {
      if (setup && !hasAsync(setup, c.fe)) return `${fe(c.fe)}.batch()   // refused: ERR_NO_URING`;
      const ops = c.ops.map((o) => {
        const name = setup && !setup.registered ? (o.op === 'storeFrom' ? 'store' : o.op === 'loadInto' ? 'load' : o.op) : o.op;
        return `${name}(${o.type}, ${hex(o.offset)})`;
      });
      return `${c.via === 'now' ? 'await ' : ''}${fe(c.fe)}.batch().${ops.join('.')}${ops.length ? '.' : ''}submit()${c.via === 'later' ? '   // awaited later' : ''}`;
    }
    case 'settle':
      return `await pending [picks ${c.picks.join(', ')}]`;
    case 'reserve':
      return `pool.reserve(${c.count})`;
    case 'release':
      return `pool.release(reservation [pick ${c.pick}])`;
    case 'closeEngine':
      return `engine${setup && setup.engines > 1 ? c.engine % setup.engines : ''}.close()   // awaited later`;
  }
}

/** reserve / release / closeEngine: commands of a PagePool or CopyEngine, which a device run skips. */
export function isPoolCommand(c: Command): c is Extract<Command, { op: 'reserve' | 'release' | 'closeEngine' }> {
  return c.op === 'reserve' || c.op === 'release' || c.op === 'closeEngine';
}

/** Whether front-end `fe` has async calls: always over a pool (the engine); over a device, the first one with io 'uring'. */
export function hasAsync(setup: Setup, fe: number): boolean {
  return setup.device === undefined || (setup.device.io === 'uring' && fe % setup.frontends.length === 0);
}

export function formatProgram(setup: Setup, cmds: readonly Command[]): string {
  const lines = [`setup: ${formatSetup(setup)}`];
  cmds.forEach((c, i) => lines.push(`  ${String(i + 1).padStart(3)}. ${formatCommand(c, setup)}`));
  return lines.join('\n');
}

// ---------------------------------------------------------------------------
// Page contents

/**
 * Fills a page with bytes that depend on `stamp` everywhere: a 4 KiB xorshift
 * stream (word 0 = the stamp), repeated, and each 4 KiB chunk's word 1 = its index.
 */
export function fillPage(page: Uint8Array, stamp: number): void {
  const n = page.byteLength;
  const w = new Uint32Array(page.buffer, page.byteOffset, Math.min(n, 4096) >>> 2);
  let x = (Math.imul(stamp + 1, 2654435761) ^ 0x9e3779b9) >>> 0 || 1;
  for (let i = 0; i < w.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    w[i] = x >>> 0;
  }
  w[0] = stamp;
  w[1] = 0;
  for (let done = 4096; done < n; done *= 2) page.copyWithin(done, 0, Math.min(done, n - done));
  if (n > 4096) {
    const all = new Uint32Array(page.buffer, page.byteOffset, n >>> 2);
    for (let c = 1; c < n / 4096; c++) all[c * 1024 + 1] = c;
  }
}

const SENTINEL = 0xa5;

function bytesOf(v: ArrayBufferView): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

/** Why `got` is not the page of `stamp` (or not the untouched sentinel), or null when it is. */
function pageMismatch(got: Uint8Array, stamp: number | undefined, scratch: Uint8Array, sentinel: Uint8Array): string | null {
  const want = stamp === undefined ? sentinel : scratch;
  if (stamp !== undefined) fillPage(scratch, stamp);
  if (Buffer.compare(bytesOf(got), bytesOf(want)) === 0) return null;
  let i = 0;
  while (got[i] === want[i]) i++;
  const found = new DataView(got.buffer, got.byteOffset).getUint32(0, true);
  const what = stamp === undefined ? 'the untouched buffer (a load that found nothing must not write)' : `the page of stamp ${stamp}`;
  return `bytes differ from ${what} at byte ${i} (got 0x${got[i]!.toString(16)}, want 0x${want[i]!.toString(16)}); word 0 reads ${found}${found === 0xa5a5a5a5 ? ' (the sentinel)' : ' (a stamp?)'}`;
}

// ---------------------------------------------------------------------------
// Page buffers

interface PageBuf {
  view: Uint8Array;
  /** Index in the registered arena, or -1 for a buffer of its own. */
  slot: number;
}

/** Page-sized buffers, reused once the op that holds one has settled. */
class PageBuffers {
  private readonly loose: Uint8Array[] = [];
  private readonly freeSlots: number[] = [];
  private readonly arena: Uint8Array | null;
  /** The arena's registration id with each engine. */
  readonly arenaIds: number[];

  constructor(
    private readonly pageSize: number,
    engines: CopyEngine[],
    registered: boolean,
    arenaPages: number,
  ) {
    if (registered) {
      this.arena = new Uint8Array(pageSize * arenaPages);
      this.arenaIds = engines.map((e) => e.registerBuffer(this.arena!));
      for (let i = arenaPages - 1; i >= 0; i--) this.freeSlots.push(i);
    } else {
      this.arena = null;
      this.arenaIds = [];
    }
  }

  /** A registered page when one is free, else a buffer of its own. */
  acquire(): PageBuf {
    return this.acquireRegistered() ?? { view: this.loose.pop() ?? new Uint8Array(this.pageSize), slot: -1 };
  }

  acquireRegistered(): PageBuf | null {
    const slot = this.freeSlots.pop();
    if (slot === undefined || !this.arena) return null;
    return { view: this.arena.subarray(slot * this.pageSize, (slot + 1) * this.pageSize), slot };
  }

  release(b: PageBuf): void {
    if (b.slot >= 0) this.freeSlots.push(b.slot);
    else this.loose.push(b.view);
  }
}

// ---------------------------------------------------------------------------
// The runner

export interface RunOptions {
  /** How long one async op may take to settle before the run fails (ms). Default 20000. */
  settleTimeoutMs?: number;
}

export interface RunResult {
  /** Frontswap operations issued (each op of a batch counts). */
  ops: number;
}

interface Pending {
  label: string;
  /** Resolves to null when the op settled as the model said, else to the error. */
  done: Promise<Error | null>;
}

const STAT_KEYS: readonly (keyof ModelStats)[] = [...COUNTER_NAMES, 'usedPages', 'capacity', 'initializedTypes'];

function pickStats(s: FrontswapStats): ModelStats {
  const out: Record<string, unknown> = {};
  for (const k of STAT_KEYS) out[k] = s[k];
  return out as unknown as ModelStats;
}

function describeError(e: unknown): string {
  if (e instanceof Error) return `${e.name}${(e as { code?: unknown }).code !== undefined ? ` [${String((e as { code?: unknown }).code)}]` : ''}: ${e.message}`;
  return String(e);
}

/** Checks that `e` is the FrontswapError the model expected. */
function expectError(e: unknown, code: string, where: string): void {
  if (!(e instanceof Error) || e.name !== 'FrontswapError' || (e as { code?: unknown }).code !== code) {
    throw new assert.AssertionError({ message: `${where}: expected FrontswapError ${code}, got ${describeError(e)}` });
  }
}

function unexpectedSuccess(code: string, where: string, value: unknown): never {
  throw new assert.AssertionError({ message: `${where}: expected FrontswapError ${code}, but it returned ${JSON.stringify(value)}` });
}

class Run {
  /** The backend: a pool (with engines), or a device (with none). */
  readonly pool: PagePool | null;
  readonly device: SwapDevice | null;
  readonly engines: CopyEngine[];
  readonly fss: Frontswap[];
  readonly mpool: ModelPool;
  readonly models: ModelFrontswap[];
  readonly bufs: PageBuffers;
  readonly scratch: Uint8Array;
  readonly sentinel: Uint8Array;
  pending: Pending[] = [];
  /** Slots taken by pool.reserve(), until released. */
  reservations: Uint32Array[] = [];
  /** Failures found in a release callback (after the op settled), reported by the next check. */
  late: Error[] = [];
  /** Per engine: close() has been called, so async calls through it must fail with ERR_ENGINE_CLOSED. */
  engineClosing: boolean[];
  stamp = 0;
  ops = 0;
  where = 'setup';

  constructor(
    readonly setup: Setup,
    readonly timeoutMs: number,
  ) {
    this.engines = [];
    this.mpool = new ModelPool(setup.pages);
    this.models = setup.frontends.map((exclusiveGets) => new ModelFrontswap(this.mpool, exclusiveGets));
    this.scratch = new Uint8Array(setup.pageSize);
    this.sentinel = new Uint8Array(setup.pageSize).fill(SENTINEL);
    const d = setup.device;
    if (d) {
      this.pool = null;
      this.device = deviceBackend(d.kind).open(setup.pageSize, setup.pages, d.discard) as SwapDevice;
      this.engineClosing = [];
      const options = (exclusiveGets: boolean, i: number) => (hasAsync(setup, i) ? { exclusiveGets, io: 'uring' as const, queueDepth: d.queueDepth } : { exclusiveGets });
      try {
        // One Frontswap type for both backends: a device's batch has the pool's store/load/invalidatePage (storeFrom/loadInto are never used here).
        this.fss = setup.frontends.map((exclusiveGets, i) => new Frontswap(this.device!, options(exclusiveGets, i)) as unknown as Frontswap);
        this.initTypes();
      } catch (e) {
        disposeDevice(this.device);
        throw e;
      }
      this.bufs = new PageBuffers(setup.pageSize, [], false, 0);
      return;
    }
    this.device = null;
    this.pool = new PagePool({ pageSize: setup.pageSize, pages: setup.pages, prefault: setup.prefault });
    try {
      for (let k = 0; k < Math.max(1, setup.engines); k++) {
        this.engines.push(new CopyEngine({ workers: setup.workers, waitMode: setup.waitMode, completion: setup.completion, ringSize: setup.ringSize }));
      }
    } catch (e) {
      for (const engine of this.engines) void engine.close();
      this.pool.close();
      throw e;
    }
    this.engineClosing = this.engines.map(() => false);
    const pool = this.pool;
    this.fss = setup.frontends.map((exclusiveGets, i) => new Frontswap(pool, { exclusiveGets, engine: this.engineOf(i) }));
    this.initTypes();
    this.bufs = new PageBuffers(setup.pageSize, this.engines, setup.registered, setup.pageSize <= 4096 ? 32 : 12);
  }

  private initTypes(): void {
    for (let i = 0; i < this.fss.length; i++) {
      for (const t of this.setup.initTypes) {
        this.fss[i]!.init(t);
        this.models[i]!.init(t);
      }
    }
  }

  /** Pages in use in the backend, by every front-end (and reservation). */
  usedPages(): number {
    return this.pool ? this.pool.usedPages : this.device!.usedPages;
  }

  /** The engine front-end i goes through. */
  engineIndex(i: number): number {
    return i % this.engines.length;
  }

  /** Whether front-end i's engine is closing (never over a device: it has none). */
  engineClosed(i: number): boolean {
    return this.engines.length > 0 && this.engineClosing[this.engineIndex(i)] === true;
  }

  engineOf(i: number): CopyEngine {
    return this.engines[this.engineIndex(i)]!;
  }

  /** Every front-end's counters and the pool's occupancy agree with the model. */
  reconcile(): void {
    const late = this.late.shift();
    if (late) throw late;
    for (let i = 0; i < this.fss.length; i++) {
      const got = pickStats(this.fss[i]!.stats());
      const want = this.models[i]!.stats();
      assert.deepEqual(got, want, `${this.where}: fs${i}.stats() disagrees with the model`);
    }
    assert.equal(this.usedPages(), this.mpool.used, `${this.where}: ${this.pool ? 'pool' : 'device'}.usedPages disagrees with the model`);
  }

  private nextStamp(): number {
    return ++this.stamp;
  }

  private checkPage(got: Uint8Array, stamp: number | undefined, what: string): void {
    const why = pageMismatch(got, stamp, this.scratch, this.sentinel);
    if (why !== null) throw new assert.AssertionError({ message: `${what}: ${why}` });
  }

  /** Runs a sync call and compares its result (or error) with the model's outcome. */
  private sync<T, M>(want: Outcome<M>, call: () => T, compare: (got: T, want: M) => void): void {
    let got: T;
    try {
      got = call();
    } catch (e) {
      if (want.ok) throw new assert.AssertionError({ message: `${this.where}: threw ${describeError(e)}, the model says it succeeds` });
      expectError(e, want.code, this.where);
      return;
    }
    if (!want.ok) unexpectedSuccess(want.code, this.where, got);
    compare(got, want.value);
  }

  /**
   * Tracks an async call: its promise must settle to the issue-time outcome.
   * `release` runs once it has settled (either way), to free its page buffers.
   */
  private track<T, M>(label: string, call: () => Promise<T>, want: Outcome<M>, compare: (got: T, want: M) => void, release: () => void): Pending {
    const where = this.where;
    let p: Promise<T>;
    try {
      p = call();
    } catch (e) {
      release();
      throw new assert.AssertionError({ message: `${where}: threw synchronously (${describeError(e)}); an async call must return a promise` });
    }
    if (!(p instanceof Promise)) {
      release();
      throw new assert.AssertionError({ message: `${where}: did not return a promise` });
    }
    const done = p.then(
      (got): Error | null => {
        try {
          if (!want.ok) unexpectedSuccess(want.code, where, got);
          compare(got, want.value);
          return null;
        } catch (e) {
          return e as Error;
        } finally {
          release();
        }
      },
      (e: unknown): Error | null => {
        try {
          if (want.ok) return new assert.AssertionError({ message: `${where}: rejected with ${describeError(e)}, the model says it succeeds` });
          expectError(e, want.code, where);
          return null;
        } catch (err) {
          return err as Error;
        } finally {
          release();
        }
      },
    );
    return { label, done };
  }

  private async await(p: Pending): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<Error>((resolve) => {
      timer = setTimeout(() => resolve(new Error(`${p.label}: did not settle within ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    try {
      const err = await Promise.race([p.done, timeout]);
      if (err) throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  private async finishOrQueue(p: Pending, via: 'now' | 'later'): Promise<void> {
    if (via === 'now') await this.await(p);
    else this.pending.push(p);
  }

  /** Settles the oldest pending op (to free a registered page buffer). */
  private async settleOldest(): Promise<boolean> {
    const p = this.pending.shift();
    if (!p) return false;
    await this.await(p);
    return true;
  }

  async settleAll(): Promise<void> {
    while (this.pending.length) await this.settleOldest();
  }

  async exec(c: Command, step: number): Promise<void> {
    this.where = `step ${step} (${formatCommand(c, this.setup)})`;
    if (c.op === 'settle') {
      for (const pick of c.picks) {
        if (this.pending.length === 0) break;
        const [p] = this.pending.splice(pick % this.pending.length, 1);
        await this.await(p!);
      }
      this.reconcile();
      return;
    }
    if (isPoolCommand(c)) {
      if (this.device) return;
      this.poolOrEngine(c);
      this.reconcile();
      return;
    }
    const i = c.fe % this.fss.length;
    const fs = this.fss[i]!;
    const m = this.models[i]!;
    switch (c.op) {
      case 'init':
        this.ops++;
        this.sync(attempt(() => m.init(c.type)), () => fs.init(c.type), (got) => assert.equal(got, undefined, this.where));
        break;
      case 'invalidateArea':
        this.ops++;
        this.sync(attempt(() => m.invalidateArea(c.type)), () => fs.invalidateArea(c.type), (got) => assert.equal(got, undefined, this.where));
        break;
      case 'has':
        this.ops++;
        this.sync(attempt(() => m.has(c.type, c.offset)), () => fs.has(c.type, c.offset), (got, want) => assert.equal(got, want, this.where));
        break;
      case 'invalidatePage':
        this.ops++;
        this.sync(attempt(() => m.invalidatePage(c.type, c.offset)), () => fs.invalidatePage(c.type, c.offset), (got, want) => assert.equal(got, want, this.where));
        break;
      case 'store':
        this.ops++;
        await this.store(i, c.type, c.offset, hasAsync(this.setup, i) ? c.via : 'sync');
        break;
      case 'load':
        this.ops++;
        await this.load(i, c.type, c.offset, hasAsync(this.setup, i) ? c.via : 'sync');
        break;
      case 'batch':
        if (!hasAsync(this.setup, i)) {
          this.ops++;
          this.sync({ ok: false, code: 'ERR_NO_URING' }, () => fs.batch(), () => undefined);
          break;
        }
        this.ops += Math.max(1, c.ops.length);
        await this.batch(i, c.ops, c.via);
        break;
    }
    this.reconcile();
  }

  private poolOrEngine(c: Command): void {
    const pool = this.pool!;
    if (c.op === 'reserve') {
      this.ops++;
      if (c.count > this.mpool.capacity) {
        // More than the pool holds: a RangeError, not null (the native range check).
        assert.throws(() => pool.reserve(c.count), (e: Error) => e.name === 'RangeError' && (e as { code?: string }).code === 'ERR_OUT_OF_RANGE', this.where);
        return;
      }
      const want = this.mpool.reserve(c.count);
      const got = pool.reserve(c.count);
      assert.equal(got !== null, want, `${this.where}: reserve() ${want ? 'must hand out the pages' : 'must return null when fewer are free'}`);
      if (got) {
        assert.ok(got instanceof Uint32Array && got.length === c.count, `${this.where}: reserve() returns ${c.count} slots`);
        this.reservations.push(got);
      }
    } else if (c.op === 'release') {
      if (this.reservations.length === 0) return;
      this.ops++;
      const [slots] = this.reservations.splice(c.pick % this.reservations.length, 1);
      pool.release(slots!);
      this.mpool.release(slots!.length);
    } else if (c.op === 'closeEngine') {
      const k = c.engine % this.engines.length;
      if (this.engineClosing[k]) return;
      this.ops++;
      this.engineClosing[k] = true;
      const where = this.where;
      const engine = this.engines[k]!;
      // Whatever is in flight lands first and settles as issued; close() itself resolves.
      this.pending.push(this.track(where, () => engine.close(), { ok: true, value: undefined }, (got) => assert.equal(got, undefined, where), () => undefined));
      assert.equal(engine.closed, true, `${where}: engine.closed right after close()`);
    }
  }

  /** The issue-time outcome of an async call: the model's, unless its engine is closing. */
  private asyncOutcome<M>(fe: number, model: () => M): Outcome<M> {
    if (this.engineClosed(fe)) return { ok: false, code: 'ERR_ENGINE_CLOSED' };
    return attempt(model);
  }

  private async store(fe: number, type: number, offset: number, via: Via): Promise<void> {
    const fs = this.fss[fe]!;
    const m = this.models[fe]!;
    const stamp = this.nextStamp();
    const buf = this.bufs.acquire();
    fillPage(buf.view, stamp);
    const want = via === 'sync' ? attempt(() => m.store(type, offset, stamp)) : this.asyncOutcome(fe, () => m.store(type, offset, stamp));
    const where = this.where;
    if (via === 'sync') {
      try {
        this.sync(want, () => fs.store(type, offset, buf.view), (got, w) => assert.equal(got, w, where));
      } finally {
        this.bufs.release(buf);
      }
      return;
    }
    const p = this.track(
      `${where} [stamp ${stamp}]`,
      () => fs.storeAsync(type, offset, buf.view),
      want,
      (got, w) => assert.equal(got, w, `${where}: storeAsync resolved to the wrong result`),
      () => this.bufs.release(buf),
    );
    await this.finishOrQueue(p, via);
  }

  private async load(fe: number, type: number, offset: number, via: Via): Promise<void> {
    const fs = this.fss[fe]!;
    const m = this.models[fe]!;
    const buf = this.bufs.acquire();
    buf.view.fill(SENTINEL);
    const want = via === 'sync' ? attempt(() => m.load(type, offset)) : this.asyncOutcome(fe, () => m.load(type, offset));
    const where = this.where;
    const compare = (got: boolean, stamp: number | undefined) => {
      assert.equal(got, stamp !== undefined, `${where}: load result (the model holds ${stamp === undefined ? 'nothing' : `stamp ${stamp}`})`);
      this.checkPage(buf.view, stamp, where);
    };
    // A failed call must not write the page either.
    const release = () => {
      if (!want.ok) {
        const why = pageMismatch(buf.view, undefined, this.scratch, this.sentinel);
        if (why !== null) this.late.push(new assert.AssertionError({ message: `${where} (after the error): ${why}` }));
      }
      this.bufs.release(buf);
    };
    if (via === 'sync') {
      try {
        this.sync(want, () => fs.load(type, offset, buf.view), compare);
        if (!want.ok) this.checkPage(buf.view, undefined, `${where} (after the error)`);
      } finally {
        this.bufs.release(buf);
      }
      return;
    }
    const p = this.track(`${where}`, () => fs.loadAsync(type, offset, buf.view), want, compare, release);
    await this.finishOrQueue(p, via);
  }

  private async batch(fe: number, descs: readonly BatchOpDesc[], via: 'now' | 'later'): Promise<void> {
    const fs = this.fss[fe]!;
    const m = this.models[fe]!;
    const arenaId = this.bufs.arenaIds[this.engineIndex(fe)] ?? -1;
    const where = this.where;
    const held: PageBuf[] = [];
    const loads: { index: number; buf: PageBuf }[] = [];
    const mops: ModelBatchOp[] = [];
    const release = () => {
      for (const b of held) this.bufs.release(b);
    };
    if (this.engineClosed(fe)) {
      this.sync({ ok: false, code: 'ERR_ENGINE_CLOSED' }, () => fs.batch(), () => undefined);
      return;
    }
    let b;
    try {
      b = fs.batch();
      for (let k = 0; k < descs.length; k++) {
        const d = descs[k]!;
        const fixed = this.setup.registered && (d.op === 'storeFrom' || d.op === 'loadInto');
        let buf: PageBuf | null = null;
        if (fixed) {
          // A registered page for a fixed-buffer op: wait for one to be free.
          while ((buf = this.bufs.acquireRegistered()) === null) {
            if (!(await this.settleOldest())) throw new Error('no registered page buffer free and nothing pending');
          }
        } else if (d.op !== 'invalidatePage') {
          buf = this.bufs.acquire();
        }
        if (buf) held.push(buf);
        switch (d.op) {
          case 'store':
          case 'storeFrom': {
            const stamp = this.nextStamp();
            fillPage(buf!.view, stamp);
            mops.push({ op: 'store', type: d.type, offset: d.offset, stamp });
            if (fixed) b.storeFrom(d.type, d.offset, arenaId, buf!.slot * this.setup.pageSize);
            else b.store(d.type, d.offset, buf!.view);
            break;
          }
          case 'load':
          case 'loadInto':
            buf!.view.fill(SENTINEL);
            mops.push({ op: 'load', type: d.type, offset: d.offset });
            loads.push({ index: k, buf: buf! });
            if (fixed) b.loadInto(d.type, d.offset, arenaId, buf!.slot * this.setup.pageSize);
            else b.load(d.type, d.offset, buf!.view);
            break;
          case 'invalidatePage':
            mops.push({ op: 'invalidatePage', type: d.type, offset: d.offset });
            b.invalidatePage(d.type, d.offset);
            break;
        }
      }
      assert.equal(b.length, descs.length, `${where}: batch.length`);
    } catch (e) {
      release();
      throw e;
    }
    const want = attempt(() => m.batch(mops));
    const batch = b;
    const p = this.track(
      where,
      () => batch.submit(),
      want,
      (got: boolean[], w: ModelBatchResult[]) => {
        assert.deepEqual(
          got,
          w.map((r, k) => (mops[k]!.op === 'load' ? r !== undefined : r)),
          `${where}: batch results`,
        );
        for (const l of loads) this.checkPage(l.buf.view, w[l.index] as number | undefined, `${where}: op ${l.index}`);
      },
      release,
    );
    await this.finishOrQueue(p, via);
  }

  /** After the last command: everything settled, then every key checked. */
  async finalCheck(): Promise<void> {
    this.where = 'end of run';
    await this.settleAll();
    this.reconcile();
    const out = new Uint8Array(this.setup.pageSize);
    const offsets = [...Array.from({ length: SMALL_OFFSETS }, (_, k) => k), ...SPECIAL_OFFSETS];
    for (let i = 0; i < this.fss.length; i++) {
      const fs = this.fss[i]!;
      const m = this.models[i]!;
      for (const type of TYPES_USED) {
        if (!m.isOpen(type)) {
          this.where = `end of run: fs${i}.has(${type}, 0) on a closed type`;
          this.sync(attempt(() => m.has(type, 0)), () => fs.has(type, 0), () => undefined);
          continue;
        }
        for (const offset of offsets) {
          assert.equal(fs.has(type, offset), m.has(type, offset), `end of run: fs${i}.has(${type}, ${hex(offset)})`);
        }
      }
      for (const e of m.entries()) {
        this.where = `end of run: fs${i}.load(${e.type}, ${hex(e.offset)})`;
        out.fill(SENTINEL);
        assert.equal(m.load(e.type, e.offset), e.stamp);
        assert.equal(fs.load(e.type, e.offset, out), true, this.where);
        this.checkPage(out, e.stamp, this.where);
      }
    }
    this.where = 'end of run';
    this.reconcile();
    if (this.device) this.deviceCheck();
  }

  /** A device's own accounting agrees: nothing in flight, and immediate discard leaves no stale slot. */
  private deviceCheck(): void {
    const st = this.device!.stats();
    assert.equal(st.usedPages + st.freePages, this.setup.pages, 'end of run: device used + free pages');
    if (this.setup.device!.discard === 'immediate') assert.equal(st.staleSlots, 0, 'end of run: immediate discard leaves no stale slot');
    for (const [i, fs] of this.fss.entries()) {
      const u = fs.uringStats();
      if (u) assert.deepEqual({ inflight: u.inflight, pending: u.pending }, { inflight: 0, pending: 0 }, `end of run: fs${i}.uringStats()`);
    }
  }

  /**
   * Lets everything in flight settle (errors ignored: the run has already failed),
   * then closes; gives up waiting after the settle timeout, so that an op that
   * never settles fails the run instead of hanging it.
   */
  async dispose(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), this.timeoutMs);
    });
    try {
      const settled = Promise.allSettled(this.pending.map((p) => p.done)).then(async () => {
        for (const engine of this.engines) await engine.close();
      });
      this.pending = [];
      if ((await Promise.race([settled, late])) === 'late') throw new Error(`dispose: in-flight ops or engine.close() did not settle within ${this.timeoutMs} ms`);
    } finally {
      clearTimeout(timer);
      if (this.pool) this.pool.close();
      else disposeDevice(this.device!);
    }
  }
}

/** Runs one program against the real thing and the model; throws (an AssertionError, mostly) at the first disagreement. */
export async function runProgram(setup: Setup, cmds: readonly Command[], options: RunOptions = {}): Promise<RunResult> {
  const run = new Run(setup, options.settleTimeoutMs ?? 20_000);
  // Held from module scope while it runs, so that these runs do not depend on the
  // library keeping an awaited engine alive (tested on its own in
  // test/resources.test.ts).
  running.add(run);
  let failed = true;
  try {
    run.reconcile();
    for (let k = 0; k < cmds.length; k++) await run.exec(cmds[k]!, k + 1);
    await run.finalCheck();
    failed = false;
    return { ops: run.ops };
  } finally {
    try {
      await run.dispose();
    } catch (e) {
      if (!failed) throw e;
    } finally {
      running.delete(run);
    }
  }
}

const running = new Set<Run>();

// ---------------------------------------------------------------------------
// fast-check driver

export interface CheckOptions extends ArbOptions {
  /** fast-check's seed for this check. */
  seed: number;
  numRuns: number;
  /** Replays one shrunk case (fast-check's counterexamplePath) instead of searching. */
  path?: string;
  /** How to reproduce this check, for the failure report (e.g. "FRONTSWAP_SEED=5"). */
  reproduce?: string;
}

export interface CheckResult {
  /** Operations issued by the runs that passed (shrinking runs not counted). */
  ops: number;
  runs: number;
  /** A printable report of the shortest failing sequence, or null when every run passed. */
  failure: string | null;
  /** The shrunk program, for replaying it (soak --replay). */
  counterexample: [Setup, Command[]] | null;
}

export function describeCheck(o: Pick<ArbOptions, 'pageSize' | 'exclusiveGets' | 'device'>): string {
  const size = o.pageSize === 4096 ? '4 KiB' : o.pageSize === 2097152 ? '2 MiB' : `${o.pageSize} B`;
  const where = o.device ? `, SwapDevice on ${o.device.kind === 'file' ? 'a file' : o.device.kind === 'loop' ? 'a loop device' : 'zram'} (io '${o.device.io}')` : '';
  return `${size} pages${where}, exclusiveGets ${o.exclusiveGets ? 'on' : 'off'}`;
}

/**
 * Runs `numRuns` random programs from `seed`. On a failure fast-check shrinks it;
 * the report names the seed, the path and the shortest failing sequence.
 */
export async function checkModel(o: CheckOptions): Promise<CheckResult> {
  let ops = 0;
  // Once a run fails, every later run is a shrink: count only the search.
  let shrinking = false;
  const property = fc.asyncProperty(programArb(o), async ([setup, cmds]) => {
    try {
      const r = await runProgram(setup, cmds);
      if (!shrinking) ops += r.ops;
    } catch (e) {
      shrinking = true;
      throw e;
    }
  });
  const params: fc.Parameters<[[Setup, Command[]]]> = { seed: o.seed, numRuns: o.numRuns };
  if (o.path !== undefined) params.path = o.path;
  const details = await fc.check(property, params);
  if (!details.failed) return { ops, runs: details.numRuns, failure: null, counterexample: null };
  const ce = details.counterexample?.[0] ?? null;
  const lines = [
    `model-based run failed: ${describeCheck(o)}`,
    `reproduce with ${o.reproduce ?? `fast-check seed ${details.seed}`}`,
    `failed at run ${details.numRuns}; shrunk ${details.numShrinks} time(s) to ${ce ? ce[1].length : '?'} command(s):`,
    ce ? formatProgram(ce[0], ce[1]) : '(no counterexample)',
    `error: ${describeError(details.errorInstance)}`,
    `fast-check seed ${details.seed}, path "${details.counterexamplePath}"`,
  ];
  if (ce) lines.push(`as JSON (node dist/bench/soak.js --replay FILE): ${JSON.stringify({ setup: ce[0], commands: ce[1] })}`);
  return { ops, runs: details.numRuns, failure: lines.join('\n'), counterexample: ce };
}

/** The fast-check seed of chunk `k` of a budgeted check (a 32-bit mix of the base seed, the check's index and k). */
export function chunkSeed(base: number, check: number, k: number): number {
  let h = (base ^ Math.imul(check + 1, 0x9e3779b1) ^ Math.imul(k + 1, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return (h ^ (h >>> 16)) | 0;
}

export interface BudgetOptions extends ArbOptions {
  /** The base seed (FRONTSWAP_SEED / --seed). */
  seed: number;
  /** Which check this is, so that checks with one base seed differ. */
  index: number;
  /** Stop once this many operations have run... */
  budgetOps: number;
  /** ...or this much time has passed (ms), if given. */
  budgetMs?: number;
  /** Programs per fast-check call. */
  runsPerChunk: number;
  reproduce?: string;
  onChunk?: (done: { ops: number; runs: number }) => void;
}

/**
 * Runs chunks of random programs (seeds derived from the base seed) until the
 * operation budget is spent or a program fails. Deterministic for a given seed,
 * apart from the time budget.
 */
export async function checkBudget(o: BudgetOptions): Promise<CheckResult> {
  const total: CheckResult = { ops: 0, runs: 0, failure: null, counterexample: null };
  const start = Date.now();
  for (let k = 0; total.ops < o.budgetOps && (o.budgetMs === undefined || Date.now() - start < o.budgetMs); k++) {
    const seed = chunkSeed(o.seed, o.index, k);
    const r = await checkModel({ ...o, seed, numRuns: o.runsPerChunk });
    total.ops += r.ops;
    total.runs += r.runs;
    o.onChunk?.({ ops: total.ops, runs: total.runs });
    if (r.failure) return { ...total, failure: r.failure, counterexample: r.counterexample };
  }
  return total;
}
