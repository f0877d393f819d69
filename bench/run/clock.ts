/** The clocks every benchmark reads, and the seeded order of keys and slots. */
import { addon } from '../../lib/binding';

/** Monotonic time in nanoseconds. */
export function nowNs(): number {
  return Number(process.hrtime.bigint());
}

/** CPU time of the calling thread in nanoseconds (not the process's). */
export function threadCpuNs(): number {
  return addon.threadCpuNs();
}

/** A deterministic pseudo-random source (xorshift32): rng(seed)(n) is in [0, n). */
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
