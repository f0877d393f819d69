/**
 * Hostile-page scenarios that crashed the process before pages were pinned
 * natively: each runs in its own child process (hostile.test.ts), so a SIGSEGV
 * or a sanitizer report fails one test instead of taking the runner down.
 *
 *   node --expose-gc dist/test/hostile/child.js <scenario> <pageSize>
 *
 * Prints one JSON line { ok: true, ... } and exits 0 when the library held.
 */
import { MessageChannel } from 'node:worker_threads';
import { CopyEngine, Frontswap, PagePool } from '../../lib/index';

/** ES2024 buffers, typed here (the TS lib targets an older ES). */
type Resizable = ArrayBuffer & { resize(n: number): void };
type Growable = SharedArrayBuffer & { grow(n: number): void };
const resizable = (n: number, max: number): Resizable =>
  new (ArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => Resizable)(n, { maxByteLength: max });
const growable = (n: number, max: number): Growable =>
  new (SharedArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => Growable)(n, { maxByteLength: max });

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const ROUNDS = 24;

function fill(p: Uint8Array, seed: number): void {
  for (let i = 0; i < p.length; i += 512) p[i] = (seed * 31 + i / 512) & 0xff;
  p[p.length - 1] = seed & 0xff;
}

/** Compares through a fresh view (subarray reads the internal slots, not a lying property). */
function same(p: Uint8Array, seed: number): boolean {
  const q = new Uint8Array(p.length);
  fill(q, seed);
  const real = p.subarray(0);
  return Buffer.compare(Buffer.from(real.buffer, real.byteOffset, real.length), Buffer.from(q.buffer)) === 0;
}

function codeOf(e: unknown): string {
  return String((e as { code?: unknown }).code);
}

type Scenario = (fs: Frontswap, engine: CopyEngine, ps: number) => Promise<Record<string, unknown>>;

const scenarios: Record<string, Scenario> = {
  /** Views over a resizable ArrayBuffer on every async entry point, resized at once: refused, nothing copied. */
  async resizeInFlight(fs, engine, ps) {
    const codes = new Set<string>();
    for (let r = 0; r < ROUNDS; r++) {
      const rab = resizable(ps * 2, ps * 4);
      const a = new Uint8Array(rab, 0, ps);
      const b = new Uint8Array(rab, ps, ps);
      const tries: Promise<unknown>[] = [];
      const attempt = (f: () => Promise<unknown>): void => {
        try {
          tries.push(f().then(() => codes.add('resolved'), (e) => codes.add(codeOf(e))));
        } catch (e) {
          codes.add(codeOf(e));
        }
      };
      attempt(() => fs.storeAsync(0, r, a));
      attempt(() => fs.loadAsync(0, r, b));
      attempt(() => fs.batch().store(0, r, a).load(0, r + 1, b).submit());
      try {
        engine.registerBuffer(new Uint8Array(rab));
        codes.add('registered');
      } catch (e) {
        codes.add(codeOf(e));
      }
      rab.resize(0);  // V8 decommits the tail here
      await Promise.all(tries);
    }
    return { codes: [...codes].sort(), stored: fs.stats().storedPages };
  },

  /** Growable SharedArrayBuffers only grow: accepted, grown while the copies run, bytes exact. */
  async growInFlight(fs, engine, ps) {
    let good = 0;
    for (let r = 0; r < ROUNDS; r++) {
      const gsab = growable(ps * 2, ps * 8);
      const a = new Uint8Array(gsab, 0, ps);
      fill(a, r);
      const id = engine.registerBuffer(new Uint8Array(gsab, ps, ps));
      const p = fs.storeAsync(0, r, a);
      const q = fs.batch().storeFrom(0, r + 1000, id, 0).submit();
      gsab.grow(ps * 8);
      await Promise.all([p, q]);
      const backing = growable(ps, ps * 2);
      const back = new Uint8Array(backing, 0, ps);
      const l = fs.loadAsync(0, r, back);
      backing.grow(ps * 2);
      if ((await l) && same(back, r)) good++;
      engine.unregisterBuffer(id);
      fs.invalidatePage(0, r);
      fs.invalidatePage(0, r + 1000);
    }
    return { good };
  },

  /**
   * A view whose `buffer` (own getter, or a subclass getter) names a decoy: the
   * real memory is what gets pinned, so transferring it away and collecting
   * fails to free it under the copy.
   */
  async lyingBufferTransfer(fs, _engine, ps) {
    class Liar extends Uint8Array {
      override get buffer(): ArrayBuffer {
        return new ArrayBuffer(ps);
      }
    }
    let good = 0;
    let transferred = 0;
    const { port1, port2 } = new MessageChannel();
    for (let r = 0; r < ROUNDS; r++) {
      const real = new ArrayBuffer(ps);
      const v = r % 2 ? new Liar(real) : new Uint8Array(real);
      if (!(r % 2)) Object.defineProperty(v, 'buffer', { get: () => new ArrayBuffer(ps) });
      fill(v, r);
      const done = fs.storeAsync(0, r, v);
      try {
        port1.postMessage(real, [real]);  // an untransferable buffer is copied (Node 20) or refused
      } catch {
        // DataCloneError on Node versions that refuse
      }
      if (real.byteLength === 0) transferred++;
      gc();
      await done;
      const out = new Uint8Array(ps);
      if (fs.load(0, r, out) && same(out, r)) good++;
      fs.invalidatePage(0, r);
    }
    port1.close();
    port2.close();
    return { good, transferred };
  },

  /** The same lie on a load: the bytes land in the real memory, which stays put. */
  async lyingBufferLoad(fs, _engine, ps) {
    let good = 0;
    for (let r = 0; r < ROUNDS; r++) {
      const src = new Uint8Array(ps);
      fill(src, r + 7);
      fs.store(0, r, src);
      const real = new ArrayBuffer(ps);
      const v = new Uint8Array(real);
      Object.defineProperty(v, 'buffer', { get: () => new ArrayBuffer(ps) });
      Object.defineProperty(v, 'byteOffset', { get: () => 1 });
      const done = fs.batch().load(0, r, v).submit();
      try {
        new MessageChannel().port1.postMessage(real, [real]);
      } catch {
        // refused
      }
      gc();
      await done;
      if (same(v, r + 7)) good++;
      fs.invalidatePage(0, r);
    }
    return { good };
  },
};

async function main(): Promise<void> {
  const [name, psArg] = process.argv.slice(2);
  const scenario = scenarios[name ?? ''];
  if (!scenario) throw new Error(`unknown scenario ${name} (known: ${Object.keys(scenarios).join(', ')})`);
  const ps = Number(psArg);
  const pool = new PagePool({ pageSize: ps, pages: 2 * ROUNDS + 8, backing: 'normal' });
  const engine = new CopyEngine({ workers: 2 });
  const fs = new Frontswap(pool, { engine });
  fs.init(0);
  const out = await scenario(fs, engine, ps);
  await engine.close();
  pool.close();
  console.log(JSON.stringify({ ok: true, ...out }));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
