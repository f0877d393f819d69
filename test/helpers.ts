/** Shared test helpers: deterministic page contents, error assertions, GC. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { addon } from '../lib/binding';

/** A page whose every byte depends on (seed, index): two seeds never collide on a page. */
export function pattern(seed: number, size: number): Uint8Array {
  const p = new Uint8Array(size);
  let x = (seed * 2654435761 + 1) >>> 0;
  for (let i = 0; i < size; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    p[i] = x & 0xff;
    p[i + 1] = (x >>> 8) & 0xff;
    p[i + 2] = (x >>> 16) & 0xff;
    p[i + 3] = seed & 0xff;
  }
  return p;
}

export function equalBytes(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;
}


/** Asserts that fn throws an error of class `ctor` (by name) carrying `code`. */
export function throwsCode(fn: () => unknown, code: string, ctorName?: 'TypeError' | 'RangeError' | 'FrontswapError'): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof Error, `expected an Error, got ${String(e)}`);
    assert.equal((e as Error & { code?: string }).code, code, `wrong code: ${(e as Error).message}`);
    if (ctorName) assert.equal(e.name, ctorName);
    return true;
  });
}

export async function rejectsCode(p: Promise<unknown>, code: string, ctorName?: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof Error, `expected an Error, got ${String(e)}`);
    assert.equal((e as Error & { code?: string }).code, code, `wrong code: ${(e as Error).message}`);
    if (ctorName) assert.equal(e.name, ctorName);
    return true;
  });
}


v8.setFlagsFromString('--expose-gc');
const gcFn = vm.runInNewContext('gc') as () => void;

/**
 * Collects garbage until `done()` holds, letting finalizers run between
 * collections; false if it never does within the bound.
 */
export async function collectUntil(done: () => boolean, rounds = 50): Promise<boolean> {
  for (let i = 0; i < rounds; i++) {
    gcFn();
    await new Promise((r) => setImmediate(r));
    if (done()) return true;
  }
  return false;
}

/** Resident set size of this process, in bytes. */
export function rssBytes(): number {
  const pages = Number(fs.readFileSync('/proc/self/statm', 'utf8').split(' ')[1]);
  return pages * 4096;
}

/** Process-wide AnonHugePages from /proc/self/smaps_rollup, in bytes. */
export function anonHugeBytes(): number {
  const m = /AnonHugePages:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/smaps_rollup', 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

export function readNumber(path: string): number | null {
  try {
    return Number(fs.readFileSync(path, 'utf8').trim());
  } catch {
    return null;
  }
}

/** The THP mode the pool decides by: the addon's one reading of it (machine_facts.cpp). */
export function thpMode(): string {
  return addon.nativeInfo().thpMode;
}

const NR_HUGEPAGES = '/proc/sys/vm/nr_hugepages';

/**
 * Runs fn with at least `pages` free 2 MiB huge pages reserved, restoring the
 * reservation afterwards. Returns false (fn not run) when this process cannot
 * reserve them (not root, or the kernel could not find the memory).
 */
export async function withHugePages(pages: number, fn: () => Promise<void> | void): Promise<boolean> {
  const before = readNumber(NR_HUGEPAGES);
  const free = readNumber('/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages');
  if (before === null || free === null) return false;
  try {
    fs.writeFileSync(NR_HUGEPAGES, String(before + pages));
  } catch {
    return false;
  }
  try {
    const nowFree = readNumber('/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages') ?? 0;
    if (nowFree < pages) return false;
    await fn();
    return true;
  } finally {
    fs.writeFileSync(NR_HUGEPAGES, String(before));
  }
}

/** Frees every reserved huge page for the duration of fn (to test the failure path), if allowed. */
export async function withoutHugePages(fn: () => Promise<void> | void): Promise<boolean> {
  const before = readNumber(NR_HUGEPAGES);
  if (before === null) return false;
  if (before !== 0) {
    try {
      fs.writeFileSync(NR_HUGEPAGES, '0');
    } catch {
      return false;
    }
  }
  try {
    if ((readNumber('/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages') ?? 0) !== 0) return false;
    await fn();
    return true;
  } finally {
    if (before !== 0) fs.writeFileSync(NR_HUGEPAGES, String(before));
  }
}

const THP_ENABLED = '/sys/kernel/mm/transparent_hugepage/enabled';

/** Runs fn with THP switched to `mode`, restoring it after; false (fn not run) when not allowed. */
export async function withThpMode(mode: 'always' | 'madvise' | 'never', fn: () => Promise<void> | void): Promise<boolean> {
  const before = thpMode();
  if (!before) return false;
  try {
    fs.writeFileSync(THP_ENABLED, mode);
  } catch {
    return false;
  }
  try {
    if (thpMode() !== mode) return false;
    await fn();
    return true;
  } finally {
    fs.writeFileSync(THP_ENABLED, before);
  }
}
