/**
 * Figures over repetitions, and how to print them for people. A benchmark
 * figure is never one number: it is a median with its interquartile spread,
 * and two figures only differ when their spreads do not overlap.
 */
import type { Stat } from './schema';

/** The p-quantile of ascending `sorted` values, interpolating linearly between order statistics. */
export function quantile(sorted: readonly number[], p: number): number {
  const n = sorted.length;
  if (n === 0) throw new RangeError('quantile() needs at least one value');
  const h = (n - 1) * Math.min(1, Math.max(0, p));
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/** Summarizes repetitions; `values` keeps the order measured (drift over time stays visible). */
export function stat(values: readonly number[]): Stat {
  if (values.length === 0) throw new RangeError('stat() needs at least one value');
  const sorted = [...values].sort((a, b) => a - b);
  return {
    median: quantile(sorted, 0.5),
    q1: quantile(sorted, 0.25),
    q3: quantile(sorted, 0.75),
    min: sorted[0]!,
    max: sorted[sorted.length - 1]!,
    values: [...values],
  };
}

/** True when the interquartile ranges do not overlap: the difference is more than noise. */
export function outsideSpread(a: Stat, b: Stat): boolean {
  return a.q1 > b.q3 || b.q1 > a.q3;
}

/** a / b, or NaN where that means nothing (b zero or not finite). */
export function ratio(a: number, b: number): number {
  return b > 0 && Number.isFinite(a) && Number.isFinite(b) ? a / b : Number.NaN;
}

const SI_PREFIXES: readonly [number, string][] = [
  [1e12, 'T'],
  [1e9, 'G'],
  [1e6, 'M'],
  [1e3, 'k'],
  [1, ''],
  [1e-3, 'm'],
  [1e-6, 'µ'],
  [1e-9, 'n'],
  [1e-12, 'p'],
];

/** Three significant figures, never in exponent notation ("1.23", "12.3", "452"). */
export function sig3(v: number): string {
  if (!Number.isFinite(v)) return '–';
  if (Math.abs(v) >= 1000) return String(Math.round(v));
  // Round first, then count decimals on the rounded value (9.996 → "10.0", not "10.00").
  const r = Number(v.toPrecision(3));
  if (r === 0) return '0';
  const digits = Math.max(0, 2 - Math.floor(Math.log10(Math.abs(r))));
  return r.toFixed(Math.min(digits, 20));
}

/** 12.3e9 with unit 'B/s' → "12.3 GB/s"; 1.23e-6 with 's' → "1.23 µs". */
export function formatSi(value: number, unit: string): string {
  if (!Number.isFinite(value)) return '–';
  if (value === 0) return `0 ${unit}`;
  const a = Math.abs(value);
  for (let i = 0; i < SI_PREFIXES.length; i++) {
    const [scale, prefix] = SI_PREFIXES[i]!;
    if (a >= scale * 0.9995 || i === SI_PREFIXES.length - 1) {
      const scaled = value / scale;
      // 999.7 rounds to "1000": say "1.00 k" instead.
      if (Math.abs(Number(sig3(scaled))) >= 1000 && i > 0) {
        const [upScale, upPrefix] = SI_PREFIXES[i - 1]!;
        return `${sig3(value / upScale)} ${upPrefix}${unit}`;
      }
      return `${sig3(scaled)} ${prefix}${unit}`;
    }
  }
  return `${sig3(value)} ${unit}`;
}

/** Nanoseconds for people: "452 ns", "1.23 µs", "233 µs", "1.50 ms". */
export function formatNs(ns: number): string {
  return formatSi(ns * 1e-9, 's');
}

/** GB/s (1e9 bytes) for people: "12.3 GB/s", "850 MB/s". */
export function formatGbps(gbps: number): string {
  return formatSi(gbps * 1e9, 'B/s');
}

const BINARY_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** Bytes in binary units, three significant figures, trailing zeros dropped: "4 KiB", "2 MiB", "1.5 GiB", "1000 B". */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '–';
  let v = bytes;
  let u = 0;
  // Step up also when rounding would print 1024 (1023.97 KiB is "1 MiB", not "1024 KiB").
  while (Math.round(Math.abs(v)) >= 1024 && u < BINARY_UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  const s = u === 0 ? String(Math.round(v)) : sig3(v).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
  return `${s} ${BINARY_UNITS[u]}`;
}

/** Bytes for a tick label: "4K", "64K", "2M", "1G". */
export function formatBytesShort(bytes: number): string {
  return formatBytes(bytes).replace(/ (.)iB$/, '$1').replace(/ B$/, '');
}

/** A ratio for people: "1.42×", "0.83×", "12.3×", "0.0021×". */
export function formatRatio(r: number): string {
  if (!Number.isFinite(r)) return '–';
  if (r >= 10) return `${sig3(r)}×`;
  if (r >= 0.1 || r === 0) return `${r.toFixed(2)}×`;
  return `${Number(r.toPrecision(2))}×`;
}

/** "median (q1–q3)" with the given number formatter. */
export function formatStat(s: Stat, f: (v: number) => string = sig3): string {
  return `${f(s.median)} (${f(s.q1)}–${f(s.q3)})`;
}

/** Milliseconds for people: "850 ms", "42 s", "12 min 3 s", "2 h 5 min". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
  const m = Math.round(s / 60);
  return `${Math.floor(m / 60)} h${m % 60 ? ` ${m % 60} min` : ''}`;
}
