/**
 * Chart axes: which range to show, where the ticks go, and where a value
 * lands in pixels, on linear, log2 (page and batch sizes) and log10 scales.
 */

export type AxisScale = 'linear' | 'log2' | 'log10';

export interface Axis {
  scale: AxisScale;
  min: number;
  max: number;
  ticks: number[];
}

const tr = (scale: AxisScale, v: number): number =>
  scale === 'log2' ? Math.log2(v) : scale === 'log10' ? Math.log10(v) : v;

/** Nice linear ticks (1, 2, 2.5, 5 × 10^k steps) covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, target = 6): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.floor(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function log2Axis(min: number, max: number): Axis {
  // Ticks at the powers of two nearest the data, at most about ten of them.
  const lo = Math.round(Math.log2(min));
  const hi = Math.max(lo, Math.round(Math.log2(max)));
  const step = Math.max(1, Math.ceil((hi - lo) / 10));
  const ticks: number[] = [];
  for (let e = lo; e <= hi; e += step) ticks.push(2 ** e);
  // A third of a step of room, so markers do not sit on the frame.
  return {
    scale: 'log2',
    min: 2 ** (Math.log2(min) - 0.35),
    max: 2 ** (Math.log2(max) + 0.35),
    ticks: ticks.filter((t) => t >= min / 1.5 && t <= max * 1.5),
  };
}

function log10Axis(min: number, max: number): Axis {
  const lo = Math.floor(Math.log10(min));
  const hi = Math.ceil(Math.log10(max));
  let ticks: number[] = [];
  // Decades when the range is wide; 1-2-5 within each decade when it is not.
  for (let e = lo; e <= hi; e++) for (const m of hi - lo >= 4 ? [1] : [1, 2, 5]) ticks.push(m * 10 ** e);
  ticks = ticks.filter((t) => t >= min / 1.25 && t <= max * 1.25);
  if (ticks.length < 3) ticks = niceTicks(min, max, 4).filter((t) => t > 0);
  const pad = 10 ** ((Math.log10(max / min) || 1) * 0.05 + 0.02);
  return { scale: 'log10', min: min / pad, max: max * pad, ticks };
}

/** An axis covering `values` and `forced` (e.g. 0 for throughput); log scales ignore values ≤ 0. */
export function makeAxis(scale: AxisScale, values: number[], forced: number[]): Axis {
  const vs = [...values, ...forced].filter((v) => Number.isFinite(v) && (scale === 'linear' || v > 0));
  let min = vs.length ? Math.min(...vs) : scale === 'linear' ? 0 : 1;
  let max = vs.length ? Math.max(...vs) : scale === 'linear' ? 1 : 10;
  if (scale === 'log2') return log2Axis(min, max);
  if (scale === 'log10') return log10Axis(min, max);
  if (max === min) {
    max = min + (Math.abs(min) || 1);
    min = min - (forced.includes(min) ? 0 : Math.abs(min) * 0.1);
  }
  const ticks = niceTicks(min, max);
  return { scale, min: Math.min(min, ticks[0]!), max: Math.max(max, ticks[ticks.length - 1]!), ticks };
}

/** Maps a value onto pixels [a, b]; values just outside the range stay just outside the frame. */
export function project(axis: Axis, v: number, a: number, b: number): number {
  const t0 = tr(axis.scale, axis.min);
  const t1 = tr(axis.scale, axis.max);
  const f = t1 === t0 ? 0.5 : (tr(axis.scale, v) - t0) / (t1 - t0);
  return a + Math.min(1.02, Math.max(-0.02, f)) * (b - a);
}
