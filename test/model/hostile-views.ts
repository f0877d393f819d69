/**
 * A generator of hostile page views for the model-based tests: views whose own
 * `buffer` / `byteOffset` / `byteLength` lie (own or subclass getters), throw,
 * or re-enter the library; views over resizable ArrayBuffers (resized at random
 * moments) and growable SharedArrayBuffers; DataViews and wide TypedArrays;
 * pages inside a registered buffer. Each view comes with `bytes`, a plain
 * Uint8Array over the memory it really covers, which the checks read.
 */

/** xorshift32: a seeded, reproducible stream. */
export class Rng {
  private x: number;
  constructor(seed: number) {
    this.x = seed >>> 0 || 0x9e3779b9;
  }
  next(): number {
    let x = this.x;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (this.x = x >>> 0);
  }
  below(n: number): number {
    return this.next() % n;
  }
  chance(p: number): boolean {
    return this.next() / 0x100000000 < p;
  }
}

export type ViewKind =
  | 'plain'
  | 'dataView'
  | 'wide'
  | 'lyingBuffer'
  | 'lyingOffset'
  | 'lyingLength'
  | 'subclassLiar'
  | 'throwingGetters'
  | 'reentrant'
  | 'resizable'
  | 'growable'
  | 'registered';

export const VIEW_KINDS: readonly ViewKind[] = [
  'plain', 'dataView', 'wide', 'lyingBuffer', 'lyingOffset', 'lyingLength', 'subclassLiar', 'throwingGetters', 'reentrant', 'resizable',
  'growable', 'registered',
];

export interface HostileView {
  kind: ViewKind;
  view: ArrayBufferView;
  /** The memory the view really covers. */
  bytes: Uint8Array;
  /** A resizable buffer's resize, to call at a random moment. */
  resize?: (n: number) => void;
  /** A growable buffer's grow. */
  grow?: () => void;
  /** Set when the page sits in the registered arena: its page index there. */
  arenaPage?: number;
}

type Resizable = ArrayBuffer & { resize(n: number): void };
type Growable = SharedArrayBuffer & { grow(n: number): void; readonly maxByteLength: number };

export interface ViewContext {
  pageSize: number;
  rng: Rng;
  /** What a re-entrant getter calls (it must never run: the library reads internal slots). */
  reenter: () => void;
  /** Counts every hostile getter that ran. */
  getterRuns: { n: number };
  /** A free page of the registered arena, or -1 (the caller marks it busy). */
  arenaPage: () => number;
  arena: Uint8Array;
}

class SubclassLiar extends Uint8Array {
  override get buffer(): ArrayBuffer {
    return new ArrayBuffer(8);
  }
  override get byteOffset(): number {
    return 3;
  }
}

/** A view of `kind` over fresh memory (or the arena), `pageSize` bytes long. */
export function makeView(kind: ViewKind, c: ViewContext): HostileView {
  const ps = c.pageSize;
  const run = <T>(v: T): T => {
    c.getterRuns.n++;
    return v;
  };
  switch (kind) {
    case 'plain': {
      const off = c.rng.below(4) * 16;  // not always at the buffer's start
      const bytes = new Uint8Array(new ArrayBuffer(ps + off), off, ps);
      return { kind, view: bytes, bytes };
    }
    case 'dataView': {
      const ab = new ArrayBuffer(ps);
      return { kind, view: new DataView(ab), bytes: new Uint8Array(ab) };
    }
    case 'wide': {
      const ab = new ArrayBuffer(ps);
      return { kind, view: c.rng.chance(0.5) ? new Float64Array(ab) : new Uint32Array(ab), bytes: new Uint8Array(ab) };
    }
    case 'lyingBuffer':
    case 'lyingOffset':
    case 'lyingLength': {
      const ab = new ArrayBuffer(ps);
      const v = new Uint8Array(ab);
      const prop = kind === 'lyingBuffer' ? 'buffer' : kind === 'lyingOffset' ? 'byteOffset' : 'byteLength';
      const lie = kind === 'lyingBuffer' ? () => run(new ArrayBuffer(ps)) : () => run(c.rng.below(ps));
      Object.defineProperty(v, prop, { get: lie });
      return { kind, view: v, bytes: new Uint8Array(ab) };
    }
    case 'subclassLiar': {
      const ab = new ArrayBuffer(ps);
      return { kind, view: new SubclassLiar(ab), bytes: new Uint8Array(ab) };
    }
    case 'throwingGetters': {
      const ab = new ArrayBuffer(ps);
      const v = new Uint8Array(ab);
      for (const prop of ['buffer', 'byteOffset', 'byteLength', 'length']) {
        Object.defineProperty(v, prop, { get: () => { run(0); throw new Error(`${prop} getter`); } });
      }
      return { kind, view: v, bytes: new Uint8Array(ab) };
    }
    case 'reentrant': {
      const ab = new ArrayBuffer(ps);
      const v = new Uint8Array(ab);
      Object.defineProperty(v, 'buffer', { get: () => { run(0); c.reenter(); return ab; } });
      return { kind, view: v, bytes: new Uint8Array(ab) };
    }
    case 'resizable': {
      const ab = new (ArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => Resizable)(ps, { maxByteLength: ps * 2 });
      const v = c.rng.chance(0.5) ? new Uint8Array(ab) : new DataView(ab, 0, ps);
      return { kind, view: v, bytes: new Uint8Array(ab, 0, ps), resize: (n) => ab.resize(n) };
    }
    case 'growable': {
      const sab = new (SharedArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => Growable)(ps, { maxByteLength: ps * 3 });
      const v = new Uint8Array(sab, 0, ps);
      return { kind, view: v, bytes: v, grow: () => sab.grow(Math.min(sab.maxByteLength, sab.byteLength + ps)) };
    }
    case 'registered': {
      const page = c.arenaPage();
      if (page < 0) return makeView('plain', c);
      const v = c.arena.subarray(page * ps, (page + 1) * ps);
      return { kind, view: v, bytes: v, arenaPage: page };
    }
  }
}

/** Word i of the page stamped `stamp`: distinct for every stamp and every word. */
function word(stamp: number, i: number): number {
  return (Math.imul(stamp + 1, 0x9e3779b1) ^ Math.imul(i + 1, 0x85ebca6b)) >>> 0;
}

const MARK = 0x5a5a5a5a;

/** Writes stamp's bytes into `bytes` (its real memory); word 1 names the stamp for readStamp. */
export function writeStamp(bytes: Uint8Array, stamp: number): void {
  const w = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >>> 2);
  for (let i = 0; i < w.length; i++) w[i] = word(stamp, i);
  w[1] = (stamp ^ MARK) >>> 0;
}

/** The stamp whose bytes `bytes` hold, every word checked; -1 when they hold none. */
export function readStamp(bytes: Uint8Array): number {
  const w = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >>> 2);
  const stamp = (w[1]! ^ MARK) >>> 0;
  if (w[0] !== word(stamp, 0)) return -1;
  for (let i = 2; i < w.length; i++) if (w[i] !== word(stamp, i)) return -1;
  return stamp;
}
