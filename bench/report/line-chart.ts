/**
 * A line chart as a standalone SVG string, by hand: no dependency, no script,
 * no external font or stylesheet, so the file renders the same in a browser,
 * on GitHub and inlined into report.html. Series differ in colour (the
 * Okabe–Ito palette, readable with colour-blindness), dash pattern and marker
 * shape, so they stay apart in greyscale too. Only measured points are
 * drawn: a line never runs across an x the sweep has but this series lacks
 * (a dotted connector says so), nor into the "never" band; an outlier beyond
 * a clipped y range is an arrow at the edge with its value.
 */
import { makeAxis, project, type Axis, type AxisScale } from './chart-axis';
import { clamp, offscale, offscaleMarks, offscaleRows, type OffscalePoint, type YClip } from './chart-offscale';
import { el, n1, openTag } from './svg-element';
import { sig3 } from './stats';

export type { AxisScale } from './chart-axis';

export interface ChartPoint {
  x: number;
  /** null: "never" (or whatever `nullLabel` says), drawn in a band at the top edge. */
  y: number | null;
  /** Spread drawn as an error bar, e.g. q1 and q3. */
  lo?: number;
  hi?: number;
  /** Drawn as an outline only (e.g. a difference within the spread). */
  hollow?: boolean;
  /** The point's place on `xGrid` when `x` is nudged sideways for legibility; default x. */
  gridX?: number;
}

export interface ChartSeries {
  label: string;
  points: ChartPoint[];
  /** Style indices into the palette, dash patterns and marker shapes; default: the series' position. */
  color?: number;
  dash?: number;
  marker?: number;
}

export interface LineChartSpec {
  title: string;
  subtitle?: string;
  /** Whole image width; default 760. */
  width?: number;
  /** Height of the plotting area; title, axes and legend add to it. Default 300. */
  height?: number;
  xLabel: string;
  yLabel: string;
  xScale?: AxisScale;
  yScale?: AxisScale;
  xFormat?: (v: number) => string;
  /** Ticks on the x axis (e.g. the page sizes of the sweep), instead of the scale's own. */
  xTicks?: readonly number[];
  yFormat?: (v: number) => string;
  /** Force the y range to include these (e.g. yMin 0 for throughput). */
  yMin?: number;
  yMax?: number;
  /** Label of the top band where null points go, e.g. "never". */
  nullLabel?: string;
  /** A horizontal reference line, e.g. ratio 1. */
  guide?: { y: number; label: string };
  /** Lines of explanation under the legend. */
  notes?: string[];
  /**
   * The x values a complete sweep has (e.g. every page size). A series' line
   * joins two of its points only when no x of the grid, nor of any series,
   * lies between them; otherwise a thin dotted connector, explained by `gapNote`.
   */
  xGrid?: readonly number[];
  /** What a dotted connector means, e.g. "dotted: page sizes between were not measured". */
  gapNote?: string;
  /** A y range kept to the bulk of the data: values beyond are arrows at the edge, labelled. */
  yClip?: YClip;
  series: ChartSeries[];
}

/** Okabe & Ito (2008), without the yellow that vanishes on white, then three of Tol's muted colours: ten apart. */
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#882255', '#999933', '#44AA99'];
export const DASHES = ['', '7 4', '2 3', '9 3 2 3', '4 2 1 2'];
/** As many marker shapes as colours: up to ten series differ in both. */
export const MARKER_COUNT = 10;

/** A marker shape centred on (x, y). */
function marker(shape: number, x: number, y: number, color: string, hollow: boolean): string {
  const style = { fill: hollow ? '#ffffff' : color, stroke: color, 'stroke-width': 1.5 };
  const r = 4;
  const poly = (pts: [number, number][]): string =>
    el('polygon', { points: pts.map(([dx, dy]) => `${n1(x + dx)},${n1(y + dy)}`).join(' '), ...style });
  switch (shape % MARKER_COUNT) {
    case 0:
      return el('circle', { cx: x, cy: y, r, ...style });
    case 1:
      return el('rect', { x: x - r + 0.5, y: y - r + 0.5, width: 2 * r - 1, height: 2 * r - 1, ...style });
    case 2:
      return poly([[0, -r - 1], [r + 0.5, r - 0.5], [-r - 0.5, r - 0.5]]);
    case 3:
      return poly([[0, -r - 1], [r + 1, 0], [0, r + 1], [-r - 1, 0]]);
    case 4:
      return poly([[0, r + 1], [r + 0.5, -r + 0.5], [-r - 0.5, -r + 0.5]]);
    case 5:
      return poly([[-r, 0], [-r / 2, -r], [r / 2, -r], [r, 0], [r / 2, r], [-r / 2, r]]);
    case 6:  // a plus
      return poly([[-1.5, -r], [1.5, -r], [1.5, -1.5], [r, -1.5], [r, 1.5], [1.5, 1.5], [1.5, r], [-1.5, r], [-1.5, 1.5], [-r, 1.5], [-r, -1.5], [-1.5, -1.5]]);
    case 7:  // a triangle pointing right
      return poly([[r + 1, 0], [-r + 0.5, -r - 0.5], [-r + 0.5, r + 0.5]]);
    case 8:  // a triangle pointing left
      return poly([[-r - 1, 0], [r - 0.5, -r - 0.5], [r - 0.5, r + 0.5]]);
    default:  // a five-pointed star
      return poly(Array.from({ length: 10 }, (_, k): [number, number] => {
        const a = -Math.PI / 2 + (k * Math.PI) / 5;
        const rr = k % 2 === 0 ? r + 1.5 : (r + 1.5) * 0.45;
        return [rr * Math.cos(a), rr * Math.sin(a)];
      }));
  }
}

/** The "never" marker: a cross, unlike every data marker. */
function nullMarker(x: number, y: number, color: string): string {
  const d = 4.5;
  const stroke = { stroke: color, 'stroke-width': 2.2 };
  return (
    el('line', { x1: x - d, y1: y - d, x2: x + d, y2: y + d, ...stroke }) +
    el('line', { x1: x - d, y1: y + d, x2: x + d, y2: y - d, ...stroke })
  );
}

/** Tick labels need no trailing zeros: "5.00 µs" → "5 µs", "1.50×" → "1.5×". */
export function trimZeros(label: string): string {
  return label.replace(/(\d)\.(\d*?)0+(?!\d)/, (_, a: string, b: string) => (b ? `${a}.${b}` : a));
}

/** The x values of the grid and of every point, sorted: what a line may not skip. */
function gridOf(spec: LineChartSpec): number[] | null {
  if (!spec.xGrid) return null;
  const xs = [...spec.xGrid, ...spec.series.flatMap((s) => s.points.map((p) => p.gridX ?? p.x))];
  return [...new Set(xs)].sort((a, b) => a - b);
}

/** Whether a grid value lies strictly between a and b. */
function skips(grid: readonly number[] | null, a: number, b: number): boolean {
  if (grid === null) return false;
  const [lo, hi] = a < b ? [a, b] : [b, a];
  return grid.some((g) => g > lo * (1 + 1e-9) && g < hi * (1 - 1e-9));
}

/** Rough text width at 11 px, to lay out without a font. */
const textWidth = (s: string): number => s.length * 6.4;

/** Where everything goes, top to bottom: title, plot (null band at its top), x axis, legend, notes. */
interface Layout {
  width: number;
  height: number;
  left: number;
  plotW: number;
  plotTop: number;
  plotBottom: number;
  /** Top of the area for numbers (below the null band). */
  dataTop: number;
  bandH: number;
  legendTop: number;
  colW: number;
  cols: number;
  legendRows: number;
  /** Room under the plot for off-scale labels, above the tick labels. */
  belowH: number;
  notes: string[];
}

/** Legend entries: every series, then the guide line when there is one (its label stays off the data). */
function legendCount(spec: LineChartSpec): number {
  return spec.series.length + (spec.guide ? 1 : 0);
}

/** Notes under the legend: the caller's, then what a dotted connector or an edge arrow means when the chart has one. */
function notesOf(spec: LineChartSpec, hasGap: boolean, hasOffscale: boolean): string[] {
  const out = [...(spec.notes ?? [])];
  if (hasGap) out.push(spec.gapNote ?? 'Dotted: the x values between were not measured; no value is claimed there.');
  if (hasOffscale) out.push('▲ / ▼ at the edge: a value beyond the axis, printed beside it (the axis is kept to the bulk of the values).');
  return out;
}

/** The horizontal layout; `vertical` then places rows, given how many off-scale label rows each edge needs. */
function layout(spec: LineChartSpec, yTickLabels: string[], hasNull: boolean): Layout {
  const width = spec.width ?? 760;
  const plotH = spec.height ?? 300;
  const widest = Math.max(0, ...yTickLabels.map(textWidth), hasNull ? textWidth(spec.nullLabel ?? '') : 0);
  const left = Math.max(56, 30 + widest);
  const plotW = width - left - 24;
  const plotTop = spec.subtitle ? 58 : 40;
  const plotBottom = plotTop + plotH;
  const bandH = hasNull ? 24 : 0;
  const labels = [...spec.series.map((s) => s.label), ...(spec.guide ? [spec.guide.label] : [])];
  const colW = Math.min(plotW, Math.max(150, 46 + Math.max(0, ...labels.map(textWidth))));
  const cols = Math.max(1, Math.floor(plotW / colW));
  const legendRows = Math.ceil(legendCount(spec) / cols);
  const legendTop = plotBottom + 50;
  const height = legendTop + legendRows * 18 + (spec.notes?.length ?? 0) * 16 + 12;
  return { width, height, left, plotW, plotTop, plotBottom, dataTop: plotTop + bandH + 6, bandH, legendTop, colW, cols, legendRows, belowH: 0, notes: spec.notes ?? [] };
}

/** Moves the plot down for off-scale labels above it, and the axis and legend down for those below; sets the notes. */
function vertical(L: Layout, rows: { above: number; below: number }, notes: string[]): Layout {
  const aboveH = rows.above > 0 ? rows.above * 11 + 4 : 0;
  const belowH = rows.below > 0 ? rows.below * 11 + 4 : 0;
  const plotTop = L.plotTop + aboveH;
  const plotBottom = L.plotBottom + aboveH;
  const legendTop = plotBottom + 50 + belowH;
  const height = legendTop + L.legendRows * 18 + notes.length * 16 + 12;
  return { ...L, plotTop, plotBottom, dataTop: L.dataTop + aboveH, legendTop, height, belowH, notes };
}

function seriesStyle(s: ChartSeries, i: number): { color: string; dash: string; shape: number } {
  return {
    color: PALETTE[(s.color ?? i) % PALETTE.length]!,
    dash: DASHES[(s.dash ?? i) % DASHES.length]!,
    shape: s.marker ?? i,
  };
}

export function lineChart(spec: LineChartSpec): string {
  const xScale = spec.xScale ?? 'linear';
  const yScale = spec.yScale ?? 'linear';
  const points = spec.series.flatMap((s) => s.points);
  const hasNull = spec.nullLabel !== undefined && points.some((p) => p.y === null);

  const clip = spec.yClip;
  const ys = points.flatMap((p) => (p.y === null ? [] : [p.y, p.lo ?? p.y, p.hi ?? p.y])).map((v) => clamp(v, clip));
  const forcedY = [spec.yMin, spec.yMax, spec.guide?.y].filter((v): v is number => v !== undefined);
  const xAxis = makeAxis(xScale, points.map((p) => p.x), []);
  if (spec.xTicks) {
    const inside = spec.xTicks.filter((t) => t >= xAxis.min && t <= xAxis.max);
    if (inside.length >= 2) xAxis.ticks = inside;
  }
  const yAxis = makeAxis(yScale, ys, forcedY);
  if (spec.yMin !== undefined && yScale === 'linear') yAxis.min = Math.max(yAxis.min, spec.yMin);
  const yTickLabels = yAxis.ticks.map((t) => trimZeros((spec.yFormat ?? sig3)(t)));
  const H = layout(spec, yTickLabels, hasNull);
  const px = (x: number): number => project(xAxis, x, H.left, H.left + H.plotW);
  const grid = gridOf(spec);
  const off: OffscalePoint[] = spec.series.flatMap((s, i) =>
    s.points.flatMap((p) => {
      const edge = p.y === null ? null : offscale(p.y, clip);
      return edge ? [{ x: px(p.x), edge, label: trimZeros((spec.yFormat ?? sig3)(p.y!)), color: seriesStyle(s, i).color }] : [];
    }),
  );
  const hasGap = spec.series.some((s) => drawable(s, xScale, yScale, hasNull).some((p, k, a) => k > 0 && p.y !== null && a[k - 1]!.y !== null && skips(grid, a[k - 1]!.gridX ?? a[k - 1]!.x, p.gridX ?? p.x)));
  const L = vertical(H, offscaleRows(off), notesOf(spec, hasGap, off.length > 0));
  const py = (y: number): number => project(yAxis, clamp(y, clip), L.plotBottom, L.dataTop);
  const offMarks = off.length > 0 ? offscaleMarks(off, L.plotTop, L.plotBottom) : '';

  return [
    openTag('svg', {
      xmlns: 'http://www.w3.org/2000/svg',
      width: L.width,
      height: L.height,
      viewBox: `0 0 ${L.width} ${n1(L.height)}`,
      'font-family': 'system-ui, -apple-system, Segoe UI, sans-serif',
      'font-size': 12,
      role: 'img',
    }),
    el('title', {}, spec.title),
    el('rect', { x: 0, y: 0, width: L.width, height: L.height, fill: '#ffffff' }),
    el('text', { x: L.left, y: 22, 'font-size': 15, 'font-weight': 600, fill: '#111111' }, spec.title),
    spec.subtitle ? el('text', { x: L.left, y: 40, fill: '#555555' }, spec.subtitle) : '',
    ...axes(spec, L, xAxis, yAxis, yTickLabels, px, py, hasNull),
    ...spec.series.map((s, i) => drawSeries(s, i, L, xScale, yScale, px, py, hasNull, grid, clip)),
    offMarks,
    points.length === 0
      ? el('text', { x: L.left + L.plotW / 2, y: (L.plotTop + L.plotBottom) / 2, 'text-anchor': 'middle', fill: '#777777' }, 'no data')
      : '',
    legend(spec, L),
    '</svg>',
  ]
    .filter((s) => s !== '')
    .join('\n')
    .concat('\n');
}

/** Grid, tick labels, frame, axis labels, the null band and the guide line. */
function axes(
  spec: LineChartSpec,
  L: Layout,
  xAxis: Axis,
  yAxis: Axis,
  yTickLabels: string[],
  px: (x: number) => number,
  py: (y: number) => number,
  hasNull: boolean,
): string[] {
  const right = L.left + L.plotW;
  const out = ['<g class="grid" stroke="#e3e3e3" stroke-width="1">'];
  for (const t of yAxis.ticks) out.push(el('line', { x1: L.left, y1: py(t), x2: right, y2: py(t) }));
  for (const t of xAxis.ticks) out.push(el('line', { x1: px(t), y1: L.plotTop, x2: px(t), y2: L.plotBottom }));
  out.push('</g>');
  if (hasNull) {
    const below = L.plotTop + L.bandH;
    out.push(
      el('rect', { x: L.left, y: L.plotTop, width: L.plotW, height: L.bandH, fill: '#f2f2f2' }),
      el('line', { x1: L.left, y1: below, x2: right, y2: below, stroke: '#bbbbbb', 'stroke-dasharray': '3 3' }),
      el('text', { x: L.left - 6, y: L.plotTop + L.bandH / 2 + 4, 'text-anchor': 'end', 'font-style': 'italic', fill: '#333333' }, spec.nullLabel),
    );
  }
  out.push('<g class="ticks" fill="#333333" font-size="11">');
  yAxis.ticks.forEach((t, i) => out.push(el('text', { x: L.left - 6, y: py(t) + 4, 'text-anchor': 'end' }, yTickLabels[i])));
  const xf = spec.xFormat ?? sig3;
  for (const t of xAxis.ticks) out.push(el('text', { x: px(t), y: L.plotBottom + L.belowH + 16, 'text-anchor': 'middle' }, trimZeros(xf(t))));
  out.push('</g>');
  out.push(
    el('rect', { x: L.left, y: L.plotTop, width: L.plotW, height: L.plotBottom - L.plotTop, fill: 'none', stroke: '#888888' }),
    el('text', { x: L.left + L.plotW / 2, y: L.plotBottom + L.belowH + 36, 'text-anchor': 'middle', fill: '#111111' }, spec.xLabel),
    el(
      'text',
      { transform: `translate(14 ${n1((L.dataTop + L.plotBottom) / 2)}) rotate(-90)`, 'text-anchor': 'middle', fill: '#111111' },
      spec.yLabel,
    ),
  );
  if (spec.guide) {
    const gy = py(spec.guide.y);
    // Its label is in the legend, off the data.
    out.push(el('line', { class: 'guide', x1: L.left, y1: gy, x2: right, y2: gy, stroke: '#444444', 'stroke-width': 1.2, 'stroke-dasharray': '6 3' }));
  }
  return out;
}

/** The points a series can draw on these scales, in x order. */
function drawable(s: ChartSeries, xScale: AxisScale, yScale: AxisScale, hasNull: boolean): ChartPoint[] {
  return s.points
    .filter((p) => Number.isFinite(p.x) && (xScale === 'linear' || p.x > 0))
    .filter((p) => (p.y === null ? hasNull : Number.isFinite(p.y) && (yScale === 'linear' || p.y > 0)))
    .sort((a, b) => a.x - b.x);
}

/** One series: its line, error bars, and markers (a cross for null points in the top band, an edge arrow for off-scale ones). */
function drawSeries(
  s: ChartSeries,
  i: number,
  L: Layout,
  xScale: AxisScale,
  yScale: AxisScale,
  px: (x: number) => number,
  py: (y: number) => number,
  hasNull: boolean,
  grid: readonly number[] | null,
  clip: YClip | undefined,
): string {
  const { color, dash, shape } = seriesStyle(s, i);
  const nullY = L.plotTop + L.bandH / 2;
  const at = drawable(s, xScale, yScale, hasNull).map((p) => ({ p, x: px(p.x), y: p.y === null ? nullY : py(p.y) }));
  const out = ['<g class="series" stroke-linejoin="round">'];
  // The line joins neighbours only: broken at "never" points (no line runs into or out of the null band as
  // if values lay between), and dotted across an x the sweep has but this series did not measure.
  let d = '';
  let gaps = '';
  for (let k = 0; k < at.length; k++) {
    const a = at[k]!;
    if (a.p.y === null) continue;
    const prev = k > 0 ? at[k - 1]! : null;
    const joined = prev !== null && prev.p.y !== null;
    const gap = joined && skips(grid, prev.p.gridX ?? prev.p.x, a.p.gridX ?? a.p.x);
    if (gap) gaps += `M${n1(prev.x)} ${n1(prev.y)}L${n1(a.x)} ${n1(a.y)}`;
    d += `${joined && !gap ? 'L' : 'M'}${n1(a.x)} ${n1(a.y)}`;
  }
  out.push(el('path', { class: 'line', d: d || 'M0 0', fill: 'none', stroke: color, 'stroke-width': 2, 'stroke-dasharray': dash }));
  if (gaps) out.push(el('path', { class: 'gap', d: gaps, fill: 'none', stroke: color, 'stroke-width': 1, 'stroke-dasharray': '1 4', 'stroke-opacity': 0.7 }));
  for (const { p, x } of at) {
    if (p.y === null || p.lo === undefined || p.hi === undefined || offscale(p.y, clip)) continue;
    if (yScale !== 'linear' && !(p.lo > 0)) continue;
    const y0 = py(p.lo);
    const y1 = py(p.hi);
    if (Math.abs(y0 - y1) < 1) continue;
    const d = `M${n1(x)} ${n1(y0)}V${n1(y1)}M${n1(x - 3)} ${n1(y0)}H${n1(x + 3)}M${n1(x - 3)} ${n1(y1)}H${n1(x + 3)}`;
    out.push(el('path', { d, stroke: color, 'stroke-width': 1.2, fill: 'none' }));
  }
  for (const { p, x, y } of at) {
    if (p.y === null) out.push(nullMarker(x, y, color));
    else if (!offscale(p.y, clip)) out.push(marker(shape, x, y, color, p.hollow === true));
  }
  out.push('</g>');
  return out.join('\n');
}

/** A sample of each line with its marker and label, then the notes. */
function legend(spec: LineChartSpec, L: Layout): string {
  const out = ['<g class="legend" font-size="11" fill="#111111">'];
  spec.series.forEach((s, i) => {
    const { color, dash, shape } = seriesStyle(s, i);
    const x = L.left + (i % L.cols) * L.colW;
    const y = L.legendTop + Math.floor(i / L.cols) * 18;
    out.push(
      el('line', { x1: x, y1: y, x2: x + 30, y2: y, stroke: color, 'stroke-width': 2, 'stroke-dasharray': dash }),
      marker(shape, x + 15, y, color, false),
      el('text', { x: x + 38, y: y + 4 }, s.label),
    );
  });
  if (spec.guide) {
    const k = spec.series.length;
    const x = L.left + (k % L.cols) * L.colW;
    const y = L.legendTop + Math.floor(k / L.cols) * 18;
    out.push(
      el('line', { x1: x, y1: y, x2: x + 30, y2: y, stroke: '#444444', 'stroke-width': 1.2, 'stroke-dasharray': '6 3' }),
      el('text', { x: x + 38, y: y + 4 }, spec.guide.label),
    );
  }
  L.notes.forEach((line, k) => {
    out.push(el('text', { x: L.left, y: L.legendTop + L.legendRows * 18 + 4 + k * 16, fill: '#555555' }, line));
  });
  out.push('</g>');
  return out.join('\n');
}
