/**
 * The cache evidence of a run: the last-level cache sysfs reports, checked by
 * a pointer-chase latency probe over a few buffer sizes (a second or two), and
 * the decisions both feed: which cold pools use streaming stores. Cold itself
 * does not rest on the cache size: every cold repetition flushes the lines it
 * will touch (pool.ts, flushWindow).
 */
import { addon } from '../../lib/binding';
import type { CacheEvidence, CacheProbePoint } from '../report/schema';

const MiB = 1024 * 1024;
/** Loads timed per size (three rounds): ~20 ms at DRAM latency. */
const PROBE_LOADS = 3 << 15;
/** The probe never maps more than this. */
const PROBE_MAX_BYTES = 256 * MiB;

/** Sizes probed: 1 MiB doubling up to 2 × sysfs (at least 64 MiB, at most 256 MiB). */
export function probeSizes(sysfsBytes: number | null): number[] {
  const top = Math.min(PROBE_MAX_BYTES, Math.max(64 * MiB, 2 * (sysfsBytes ?? 0)));
  const out: number[] = [];
  for (let s = MiB; s <= top; s *= 2) out.push(s);
  return out;
}

/**
 * The knee: the largest size whose latency is at most halfway from the fastest
 * point to the slowest (random loads over a buffer twice the cache miss about
 * half the time). Null when the slowest point is under twice the fastest: no
 * cache edge within the sizes probed.
 */
export function cacheKnee(points: readonly CacheProbePoint[]): number | null {
  if (points.length < 2) return null;
  const fast = Math.min(...points.map((p) => p.nsPerLoad));
  const slow = points[points.length - 1]!.nsPerLoad;
  if (slow < 2 * fast) return null;
  const mid = fast + (slow - fast) / 2;
  let knee: number | null = null;
  for (const p of points) {
    if (p.nsPerLoad > mid) break;
    knee = p.bytes;
  }
  return knee;
}

export const COLD_METHOD =
  'every cold repetition walks a fixed window of distinct random pages, and the pages of that window (the pool slots, and the JS destination ' +
  'pages for the TypedArray.set and Buffer#copy baselines) are flushed from every cache level before the timed phase starts; ' +
  'the naive-async and js-worker baselines are timed without a flush';

/** Probes the cache and decides from sysfs and the probe together. */
export function measureCache(sysfsBytes: number | null): CacheEvidence {
  const sizes = probeSizes(sysfsBytes);
  const ns = addon.cache.chaseLatency(Float64Array.from(sizes), PROBE_LOADS);
  const probe = sizes.map((bytes, i) => ({ bytes, nsPerLoad: ns[i]! }));
  return decideCache(sysfsBytes, probe);
}

/** The decisions from the evidence: the measured knee where there is one, else sysfs. */
export function decideCache(sysfsBytes: number | null, probe: CacheProbePoint[]): CacheEvidence {
  const measured = cacheKnee(probe);
  const effective = measured ?? (sysfsBytes && sysfsBytes > 0 ? sysfsBytes : null);
  return {
    method: COLD_METHOD,
    flush: addon.cache.flushKind,
    sysfsLastLevelBytes: sysfsBytes && sysfsBytes > 0 ? sysfsBytes : null,
    measuredLastLevelBytes: measured,
    probe,
    effectiveLastLevelBytes: effective,
    streamStoresAboveBytes: effective === null ? null : 2 * effective,
  };
}

/** Streaming stores for a pool: cold pools larger than twice the effective cache; hot pools never. */
export function streamStoresFor(cache: CacheEvidence, temperature: 'hot' | 'cold', byteLength: number): boolean {
  return temperature === 'cold' && cache.streamStoresAboveBytes !== null && byteLength > cache.streamStoresAboveBytes;
}
