/**
 * Values a chart's axis leaves out on purpose: a y range clipped to the bulk
 * of the data (so one outlier cannot squash the rest), with every value
 * beyond it drawn as an arrow at the edge it left by and labelled with its
 * value. Labels that would overlap are stacked away from the plot.
 */
import { el, n1 } from './svg-element';

export interface YClip {
  /** Values below are drawn as an arrow at the bottom edge. */
  min?: number;
  /** Values above are drawn as an arrow at the top edge. */
  max?: number;
}

/** Where a value sits against the clip: inside, or off the top or bottom. */
export function offscale(y: number, clip: YClip | undefined): 'above' | 'below' | null {
  if (clip?.max !== undefined && y > clip.max) return 'above';
  if (clip?.min !== undefined && y < clip.min) return 'below';
  return null;
}

/** The value clamped into the clip range (for the axis and for error bars). */
export function clamp(y: number, clip: YClip | undefined): number {
  if (clip?.max !== undefined && y > clip.max) return clip.max;
  if (clip?.min !== undefined && y < clip.min) return clip.min;
  return y;
}

export interface OffscalePoint {
  x: number;
  edge: 'above' | 'below';
  label: string;
  color: string;
}

/** Rough text width at 10 px. */
const width = (s: string): number => s.length * 5.8 + 4;

/**
 * Arrows at the plot's top (`top`) or bottom (`bottom`) edge, pointing out of
 * it, each with its value; a label that would overlap the previous one on the
 * same edge moves one line further from the plot.
 */
export function offscaleMarks(points: readonly OffscalePoint[], top: number, bottom: number): string {
  const out: string[] = [];
  for (const edge of ['above', 'below'] as const) {
    const here = points.filter((p) => p.edge === edge).sort((a, b) => a.x - b.x);
    const rows: number[] = [];  // right end of the last label on each row
    for (const p of here) {
      const w = width(p.label);
      let row = rows.findIndex((right) => right + 2 <= p.x - w / 2);
      if (row < 0) row = rows.length;
      rows[row] = p.x + w / 2;
      const y = edge === 'above' ? top : bottom;
      const s = edge === 'above' ? -1 : 1;  // away from the plot
      const tip = y + s * 1;
      const base = y - s * 9;
      out.push(
        el('polygon', { class: 'offscale', points: `${n1(p.x)},${n1(tip)} ${n1(p.x - 5)},${n1(base)} ${n1(p.x + 5)},${n1(base)}`, fill: p.color, stroke: '#ffffff', 'stroke-width': 0.8 }),
        el('text', { x: p.x, y: edge === 'above' ? top - 5 - row * 11 : bottom + 12 + row * 11, 'text-anchor': 'middle', 'font-size': 10, fill: p.color }, p.label),
      );
    }
  }
  return out.join('\n');
}

/** How many label rows the marks need on each edge (for the layout's margins). */
export function offscaleRows(points: readonly OffscalePoint[]): { above: number; below: number } {
  const rowsOf = (edge: 'above' | 'below'): number => {
    const rows: number[] = [];
    for (const p of points.filter((q) => q.edge === edge).sort((a, b) => a.x - b.x)) {
      const w = width(p.label);
      let row = rows.findIndex((right) => right + 2 <= p.x - w / 2);
      if (row < 0) row = rows.length;
      rows[row] = p.x + w / 2;
    }
    return rows.length;
  };
  return { above: rowsOf('above'), below: rowsOf('below') };
}

/**
 * A y range that holds the bulk of `values` on a log scale: Tukey's fences
 * (1.5 × IQR beyond the quartiles) in log space, at least 4× beyond them, widened to take in `keep`
 * (e.g. the reference ratio 1). Undefined bounds: nothing lies beyond them.
 */
export function robustLogClip(values: readonly number[], keep: readonly number[] = []): YClip {
  const logs = values.filter((v) => v > 0 && Number.isFinite(v)).map(Math.log2).sort((a, b) => a - b);
  if (logs.length < 4) return {};
  const q = (f: number): number => {
    const i = f * (logs.length - 1);
    const lo = Math.floor(i);
    return logs[lo]! + (logs[Math.min(lo + 1, logs.length - 1)]! - logs[lo]!) * (i - lo);
  };
  // Beyond the fences and more than 4× (2 in log2) from the quartiles: a real 1.5× stays on the axis.
  const iqr = q(0.75) - q(0.25);
  let lo = Math.min(q(0.25) - 1.5 * iqr, q(0.25) - 2);
  let hi = Math.max(q(0.75) + 1.5 * iqr, q(0.75) + 2);
  for (const k of keep) {
    lo = Math.min(lo, Math.log2(k));
    hi = Math.max(hi, Math.log2(k));
  }
  const clip: YClip = {};
  if (logs[0]! < lo) clip.min = 2 ** lo;
  if (logs[logs.length - 1]! > hi) clip.max = 2 ** hi;
  return clip;
}
