/**
 * The faults section's workloads: plain JavaScript over an ArrayBuffer, the
 * same code on a SwapRegion's buffer and on a plain one in a memory cgroup.
 * Each returns a checksum that depends on every value it read, so a run on
 * swapped memory is checked against the same run on ordinary memory.
 */
export type WorkloadName = 'uniform' | 'zipfian' | 'sequential' | 'sort';
export const WORKLOADS: readonly WorkloadName[] = ['uniform', 'zipfian', 'sequential', 'sort'];

export interface WorkloadResult {
  checksum: number;
  /** Page-sized accesses it made (for faults per access). */
  accesses: number;
}

const WORDS_PER_PAGE = 1024; // Uint32 words in 4 KiB

function xorshift(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>>= 0);
  };
}

/** Zipfian page sampler (θ = 0.99) over `n` pages; ranks scattered over the region by a multiplicative permutation. */
export function zipfSampler(n: number, theta: number, next: () => number): () => number {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) cdf[i] = sum += 1 / Math.pow(i + 1, theta);
  for (let i = 0; i < n; i++) cdf[i]! /= sum;
  let stride = 2654435761 % n;
  while (gcd(stride, n) !== 1) stride++;
  return () => {
    const u = next() / 4294967296;
    let lo = 0, hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return (lo * stride) % n;
  };
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Random page touches: read a word, and write one back every fourth time. */
function randomTouches(buf: ArrayBuffer, accesses: number, pick: () => number, next: () => number): WorkloadResult {
  const a = new Uint32Array(buf);
  let checksum = 0;
  for (let i = 0; i < accesses; i++) {
    const w = pick() * WORDS_PER_PAGE + (next() & (WORDS_PER_PAGE - 1));
    const v = a[w]!;
    checksum = (checksum * 31 + v) >>> 0;
    if ((i & 3) === 0) a[w] = v + i;
  }
  return { checksum, accesses };
}

export function runWorkload(name: WorkloadName, buf: ArrayBuffer, seed: number): WorkloadResult {
  const pages = buf.byteLength / 4096;
  const next = xorshift(seed);
  switch (name) {
    case 'uniform':
      return randomTouches(buf, pages * 8, () => next() % pages, next);
    case 'zipfian':
      return randomTouches(buf, pages * 8, zipfSampler(pages, 0.99, next), next);
    case 'sequential': {
      const a = new Uint32Array(buf);
      let checksum = 0;
      for (let pass = 0; pass < 3; pass++) {
        for (let p = 0; p < pages; p++) {
          const w = p * WORDS_PER_PAGE + ((p * 7 + pass) & (WORDS_PER_PAGE - 1));
          checksum = (checksum * 31 + a[w]!) >>> 0;
          if (pass === 0) a[w] = p;
        }
      }
      return { checksum, accesses: pages * 3 };
    }
    case 'sort': {
      const a = new Float64Array(buf);
      for (let i = 0; i < a.length; i++) a[i] = next() / 1024;
      a.sort();
      let checksum = 0;
      let sorted = true;
      for (let i = 0; i < a.length; i++) {
        if (i && a[i - 1]! > a[i]!) sorted = false;
        if (i % 61 === 0) checksum = (checksum * 31 + (a[i]! >>> 0)) >>> 0;
      }
      return { checksum: sorted ? checksum : -1, accesses: Math.round(pages * Math.log2(a.length)) };
    }
  }
}
