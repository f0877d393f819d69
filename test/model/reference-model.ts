/**
 * A plain reference model of frontswap, with the kernel's semantics and nothing
 * else: no memory, no threads, no timing. One ModelPool is the capacity that
 * several ModelFrontswap front-ends share; each front-end has its own keys.
 *
 * Pages are represented by their stamp (the number the test derived the page's
 * bytes from), so a load answers "which stamp must the bytes show".
 *
 * Reserved pages (pool.reserve) count in the pool's usedPages like stored ones.
 *
 * The rules it encodes:
 *  - store: a new key takes one free page of the pool, or is rejected when the pool
 *    is full (failedStores++, nothing else changes); a duplicate store overwrites
 *    in place and succeeds even when the pool is full (succStores++, duplicateStores++);
 *  - load: found → loads++ (and with exclusiveGets the page is freed: exclusiveLoads++);
 *    missing → failedLoads++;
 *  - invalidatePage: removes the key (invalidates++) or returns false;
 *  - invalidateArea: drops every page of the type (areaInvalidates++,
 *    areaInvalidatedPages += n) and closes it;
 *  - every operation but init needs an open type (ERR_TYPE_NOT_INITIALIZED);
 *    init of an open type is ERR_TYPE_ALREADY_INITIALIZED;
 *  - a batch is checked whole first: any op on a closed type refuses the whole
 *    batch and changes nothing; otherwise its ops apply in order.
 */

/** The state errors of a front-end; ERR_ENGINE_CLOSED for its async calls once its engine is closing; ERR_NO_URING for a batch of a device front-end without io_uring. */
export type ModelErrorCode = 'ERR_TYPE_NOT_INITIALIZED' | 'ERR_TYPE_ALREADY_INITIALIZED' | 'ERR_ENGINE_CLOSED' | 'ERR_NO_URING';

export class ModelError extends Error {
  readonly code: ModelErrorCode;

  constructor(code: ModelErrorCode, message: string) {
    super(message);
    this.name = 'ModelError';
    this.code = code;
  }
}

/** The counters of FrontswapStats that the model predicts exactly. */
export interface ModelCounters {
  succStores: number;
  failedStores: number;
  duplicateStores: number;
  loads: number;
  failedLoads: number;
  exclusiveLoads: number;
  invalidates: number;
  areaInvalidates: number;
  areaInvalidatedPages: number;
  storedPages: number;
}

export interface ModelStats extends ModelCounters {
  usedPages: number;
  capacity: number;
  initializedTypes: number[];
}

export const COUNTER_NAMES: readonly (keyof ModelCounters)[] = [
  'succStores',
  'failedStores',
  'duplicateStores',
  'loads',
  'failedLoads',
  'exclusiveLoads',
  'invalidates',
  'areaInvalidates',
  'areaInvalidatedPages',
  'storedPages',
];

/** The outcome of one operation: a value, or the error code it must fail with. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; code: ModelErrorCode };

export function attempt<T>(fn: () => T): Outcome<T> {
  try {
    return { ok: true, value: fn() };
  } catch (e) {
    if (e instanceof ModelError) return { ok: false, code: e.code };
    throw e;
  }
}

export class ModelPool {
  readonly capacity: number;
  /** Pages held by every front-end together. */
  used = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
  }

  get free(): number {
    return this.capacity - this.used;
  }

  take(): boolean {
    if (this.used >= this.capacity) return false;
    this.used++;
    return true;
  }

  give(n = 1): void {
    if (n > this.used) throw new Error(`model: giving back ${n} pages with only ${this.used} used`);
    this.used -= n;
  }

  /** pool.reserve(count): all `count` pages or, when fewer are free, none (false). */
  reserve(count: number): boolean {
    if (count > this.free) return false;
    this.used += count;
    return true;
  }

  release(count: number): void {
    this.give(count);
  }
}

export type ModelBatchOp =
  | { op: 'store'; type: number; offset: number; stamp: number }
  | { op: 'load'; type: number; offset: number }
  | { op: 'invalidatePage'; type: number; offset: number };

/** One result per batch op: store → accepted; load → the stamp found (or undefined); invalidatePage → removed. */
export type ModelBatchResult = boolean | number | undefined;

export class ModelFrontswap {
  readonly pool: ModelPool;
  readonly exclusiveGets: boolean;
  /** Open types: offset → stamp of the page stored there. */
  private readonly types = new Map<number, Map<number, number>>();
  private readonly c: ModelCounters = {
    succStores: 0,
    failedStores: 0,
    duplicateStores: 0,
    loads: 0,
    failedLoads: 0,
    exclusiveLoads: 0,
    invalidates: 0,
    areaInvalidates: 0,
    areaInvalidatedPages: 0,
    storedPages: 0,
  };

  constructor(pool: ModelPool, exclusiveGets: boolean) {
    this.pool = pool;
    this.exclusiveGets = exclusiveGets;
  }

  isOpen(type: number): boolean {
    return this.types.has(type);
  }

  private open(type: number): Map<number, number> {
    const m = this.types.get(type);
    if (!m) throw new ModelError('ERR_TYPE_NOT_INITIALIZED', `swap type ${type} is not initialized`);
    return m;
  }

  init(type: number): void {
    if (this.types.has(type)) throw new ModelError('ERR_TYPE_ALREADY_INITIALIZED', `swap type ${type} is already initialized`);
    this.types.set(type, new Map());
  }

  store(type: number, offset: number, stamp: number): boolean {
    const m = this.open(type);
    if (m.has(offset)) {
      m.set(offset, stamp);
      this.c.succStores++;
      this.c.duplicateStores++;
      return true;
    }
    if (!this.pool.take()) {
      this.c.failedStores++;
      return false;
    }
    m.set(offset, stamp);
    this.c.succStores++;
    this.c.storedPages++;
    return true;
  }

  /** The stamp of the page a load finds, or undefined when there is none. */
  load(type: number, offset: number): number | undefined {
    const m = this.open(type);
    const stamp = m.get(offset);
    if (stamp === undefined) {
      this.c.failedLoads++;
      return undefined;
    }
    this.c.loads++;
    if (this.exclusiveGets) {
      m.delete(offset);
      this.pool.give();
      this.c.exclusiveLoads++;
      this.c.storedPages--;
    }
    return stamp;
  }

  invalidatePage(type: number, offset: number): boolean {
    const m = this.open(type);
    if (!m.delete(offset)) return false;
    this.pool.give();
    this.c.invalidates++;
    this.c.storedPages--;
    return true;
  }

  invalidateArea(type: number): void {
    const m = this.open(type);
    const n = m.size;
    this.types.delete(type);
    this.pool.give(n);
    this.c.areaInvalidates++;
    this.c.areaInvalidatedPages += n;
    this.c.storedPages -= n;
  }

  has(type: number, offset: number): boolean {
    return this.open(type).has(offset);
  }

  /** The stamp stored under a key without counting a load (for checks), or undefined. */
  peek(type: number, offset: number): number | undefined {
    return this.types.get(type)?.get(offset);
  }

  /** All-or-nothing, like FrontswapBatch.submit(): every op's type must be open. */
  batch(ops: readonly ModelBatchOp[]): ModelBatchResult[] {
    for (const o of ops) this.open(o.type);
    return ops.map((o) => {
      switch (o.op) {
        case 'store':
          return this.store(o.type, o.offset, o.stamp);
        case 'load':
          return this.load(o.type, o.offset);
        case 'invalidatePage':
          return this.invalidatePage(o.type, o.offset);
      }
    });
  }

  openTypes(): number[] {
    return [...this.types.keys()].sort((a, b) => a - b);
  }

  /** Every stored key of an open type, with its stamp. */
  entries(): { type: number; offset: number; stamp: number }[] {
    const out: { type: number; offset: number; stamp: number }[] = [];
    for (const type of this.openTypes()) {
      for (const [offset, stamp] of this.types.get(type)!) out.push({ type, offset, stamp });
    }
    return out;
  }

  counters(): ModelCounters {
    return { ...this.c };
  }

  stats(): ModelStats {
    return { ...this.c, usedPages: this.pool.used, capacity: this.pool.capacity, initializedTypes: this.openTypes() };
  }
}
