/**
 * Sampling for benchmarks. A sample times many operations with one pair of
 * clock reads (a clock read costs ~70 ns, more than a 4 KiB copy), and the
 * variants being compared are sampled in turn, repetition by repetition, so a
 * noisy neighbour hits them alike and their ratio can be taken per repetition.
 */
import { addon } from '../lib/binding';

/** Monotonic time in nanoseconds. */
export function nowNs(): number {
  return Number(process.hrtime.bigint());
}

/** CPU time of the calling thread in nanoseconds (not the process's). */
export function threadCpuNs(): number {
  return addon.threadCpuNs();
}

export interface Sample {
  /** Wall-clock ns per op. */
  wallNs: number;
  /** Calling-thread CPU ns per op. */
  cpuNs: number;
}

/** Runs body(ops) once and returns the time per op. */
export function timeOps(ops: number, body: (ops: number) => void): Sample {
  const c0 = threadCpuNs();
  const t0 = nowNs();
  body(ops);
  const t1 = nowNs();
  const c1 = threadCpuNs();
  return { wallNs: (t1 - t0) / ops, cpuNs: (c1 - c0) / ops };
}

export async function timeOpsAsync(ops: number, body: (ops: number) => Promise<void>): Promise<Sample> {
  const c0 = threadCpuNs();
  const t0 = nowNs();
  await body(ops);
  const t1 = nowNs();
  const c1 = threadCpuNs();
  return { wallNs: (t1 - t0) / ops, cpuNs: (c1 - c0) / ops };
}

/**
 * Samples every variant once per repetition, in turn, after `warmup` unrecorded
 * rounds; returns each variant's samples in repetition order.
 */
export function interleave<K extends string>(reps: number, warmup: number, variants: Record<K, () => Sample>): Record<K, Sample[]> {
  const names = Object.keys(variants) as K[];
  const out = {} as Record<K, Sample[]>;
  for (const n of names) out[n] = [];
  for (let r = -warmup; r < reps; r++) {
    for (const n of names) {
      const s = variants[n]();
      if (r >= 0) out[n].push(s);
    }
  }
  return out;
}

/** Per-repetition ratios a[i] / b[i]. */
export function ratios(a: number[], b: number[]): number[] {
  return a.map((x, i) => x / b[i]!);
}

/** A deterministic pseudo-random permutation source (xorshift32). */
export function rng(seed: number): (n: number) => number {
  let x = seed >>> 0 || 1;
  return (n: number) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x % n;
  };
}
