/**
 * The report's charts: throughput against page size, caller CPU against batch
 * size, and the crossover batch against page size. Each draws one pool
 * temperature (cold when measured: the case frontswap is for) so that lines
 * on one chart are comparable.
 */
import { crossoverMode, crossoversOf } from './crossover';
import {
  BACKING_ORDER,
  TEMPERATURE_ORDER,
  distinct,
  distinctModes,
  modeId,
  modeLabel,
  pageLabel,
  preferred,
  rank,
  OP_ORDER,
  SWEEP_BATCHES,
  SWEEP_PAGE_SIZES,
  type Mode,
} from './labels';
import { MARKER_COUNT, lineChart, type ChartPoint, type ChartSeries, type LineChartSpec } from './line-chart';
import { smallMultiples } from './small-multiples';
import type { Backing, Op, PoolTemperature, Report } from './schema';
import { formatBytesShort, formatNs } from './stats';

export { lineChart } from './line-chart';
export type { AxisScale, ChartPoint, ChartSeries, LineChartSpec } from './line-chart';

/** Baselines drawn on the throughput chart: the limit, and what a Node user would write. */
const CHART_BASELINES = ['memcpy', 'typedarray-set'];

/** The temperature a chart shows: cold if measured. */
export function chartTemperature(items: readonly { temperature: PoolTemperature }[]): PoolTemperature | undefined {
  return preferred(distinct(items.map((c) => c.temperature)), TEMPERATURE_ORDER);
}

function backingsOf(items: readonly { backing: Backing }[]): Backing[] {
  return distinct(items.map((c) => c.backing), (a, b) => rank(BACKING_ORDER, a) - rank(BACKING_ORDER, b));
}

/** Series label: the mode, with the backing only when the chart mixes backings. */
function label(mode: string, backing: Backing, mixed: boolean): string {
  return mixed ? `${mode} (${backing})` : mode;
}

/** "cold pool (thp)"; the backing only when there is one. */
function poolText(temperature: PoolTemperature | undefined, backings: readonly Backing[]): string {
  return `${temperature ?? 'no'} pool${backings.length === 1 ? ` (${backings[0]})` : ''}`;
}

const statPoint = (x: number, s: { median: number; q1: number; q3: number }): ChartPoint => ({ x, y: s.median, lo: s.q1, hi: s.q3 });

/** "Dotted: page sizes between were not measured (16K, 256K)": the grid values inside the chart's range that no series has. */
function gapNote(what: string, grid: readonly number[], series: readonly ChartSeries[], format: (v: number) => string): string {
  const xs = series.flatMap((s) => s.points.map((p) => p.gridX ?? p.x));
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  const missing = grid.filter((g) => g > lo && g < hi && !xs.includes(g));
  return `Dotted: ${what} between were not measured${missing.length ? ` (${missing.map(format).join(', ')})` : ' for that series'}; no value is claimed there.`;
}

/** Most series one crossover panel draws: each gets its own colour and its own marker. */
const MAX_SERIES = 6;

/**
 * One chart when its series fit the colours and markers (each series its own
 * of both); else small multiples: the reference series (sync, baselines) in
 * every panel, the others shared out in order, restyled per panel.
 */
function chartOrPanels(spec: LineChartSpec, reference: ReadonlySet<ChartSeries>): string {
  if (spec.series.length <= MARKER_COUNT) return lineChart(spec);
  const refs = spec.series.filter((x) => reference.has(x));
  const rest = spec.series.filter((x) => !reference.has(x));
  const room = Math.max(1, MARKER_COUNT - refs.length);
  // One y range for every panel, so panels compare at a glance.
  const ys = spec.series.flatMap((x) => x.points.flatMap((p) => (p.y === null ? [] : [p.y, p.lo ?? p.y, p.hi ?? p.y])));
  const log = spec.yScale !== undefined && spec.yScale !== 'linear';
  const finite = ys.filter((v) => Number.isFinite(v) && (!log || v > 0));
  if (finite.length > 0) spec = { ...spec, yMin: Math.min(spec.yMin ?? Infinity, ...finite), yMax: Math.max(spec.yMax ?? -Infinity, ...finite) };
  const panels: string[] = [];
  for (let i = 0; i < rest.length; i += room) {
    const mine = rest.slice(i, i + room);
    const series = [...refs, ...mine].map((x, k) => ({ ...x, color: k, marker: k, dash: k }));
    const { subtitle: _, ...panel } = spec;
    panels.push(lineChart({ ...panel, title: `${mine[0]!.label} … ${mine[mine.length - 1]!.label}`, width: 560, series }));
  }
  return smallMultiples({ title: spec.title, ...(spec.subtitle ? { subtitle: spec.subtitle } : {}), columns: 2, panels });
}

/** The largest-batch entry among `items`. */
function largestBatch<T extends { batch: number }>(items: readonly T[]): T | undefined {
  return items.reduce<T | undefined>((m, c) => (m === undefined || c.batch > m.batch ? c : m), undefined);
}

/** GB/s against page size at the largest batch measured, with the memcpy and TypedArray.set baselines. */
export function throughputChart(report: Report, op: Op): string {
  const all = report.cells.filter((c) => c.op === op);
  const temperature = chartTemperature(all);
  const cells = all.filter((c) => c.temperature === temperature);
  const baselines = report.baselines.filter(
    (b) => b.op === op && b.temperature === temperature && CHART_BASELINES.includes(b.name),
  );
  const backings = backingsOf([...cells, ...baselines]);
  const mixed = backings.length > 1;
  const series: ChartSeries[] = [];
  const reference = new Set<ChartSeries>();
  for (const backing of backings) {
    for (const mode of distinctModes(cells.filter((c) => c.backing === backing))) {
      const mine = cells.filter((c) => c.backing === backing && modeId(c) === modeId(mode));
      const points = distinct(mine.map((c) => c.pageSize))
        .sort((a, b) => a - b)
        .map((size) => statPoint(size, largestBatch(mine.filter((c) => c.pageSize === size))!.metrics.gbps));
      series.push({ label: label(modeLabel(mode), backing, mixed), points });
      if (mode.path === 'sync') reference.add(series[series.length - 1]!);
    }
  }
  for (const name of CHART_BASELINES) {
    for (const backing of backings) {
      const mine = baselines.filter((b) => b.name === name && b.backing === backing);
      if (mine.length === 0) continue;
      const points = distinct(mine.map((b) => b.pageSize))
        .sort((a, b) => a - b)
        .map((size) => statPoint(size, largestBatch(mine.filter((b) => b.pageSize === size))!.metrics.gbps));
      series.push({ label: label(`${name} (baseline)`, backing, mixed), points });
      reference.add(series[series.length - 1]!);
    }
  }
  // Each series at its own largest batch: a mode measured only to 64 is not "at 256".
  const at = 'each series at the largest batch it was measured at';
  return chartOrPanels({
    title: `${op}: throughput by page size`,
    subtitle: `${poolText(temperature, backings)} · ${at} · median, bars: q1–q3`,
    xLabel: 'page size',
    yLabel: 'GB/s (higher is better)',
    xScale: 'log2',
    xFormat: formatBytesShort,
    yMin: 0,
    xGrid: SWEEP_PAGE_SIZES,
    xTicks: SWEEP_PAGE_SIZES,
    gapNote: gapNote('page sizes', SWEEP_PAGE_SIZES, series, formatBytesShort),
    series,
  }, reference);
}

/** Caller CPU per page against batch size, sync included, for one page size. */
export function callerCpuChart(report: Report, op: Op, pageSize: number): string {
  const all = report.cells.filter((c) => c.op === op && c.pageSize === pageSize);
  const temperature = chartTemperature(all);
  const cells = all.filter((c) => c.temperature === temperature);
  const backings = backingsOf(cells);
  const mixed = backings.length > 1;
  const series: ChartSeries[] = [];
  const reference = new Set<ChartSeries>();
  for (const backing of backings) {
    for (const mode of distinctModes(cells.filter((c) => c.backing === backing))) {
      const points = cells
        .filter((c) => c.backing === backing && modeId(c) === modeId(mode))
        .sort((a, b) => a.batch - b.batch)
        .map((c) => statPoint(c.batch, c.metrics.callerCpuNsPerPage));
      series.push({ label: label(modeLabel(mode), backing, mixed), points });
      if (mode.path === 'sync') reference.add(series[series.length - 1]!);
    }
  }
  const ys = cells.map((c) => c.metrics.callerCpuNsPerPage.median).filter((v) => v > 0);
  const wide = ys.length > 0 && Math.max(...ys) / Math.min(...ys) > 20;
  return chartOrPanels({
    title: `${op}, ${pageLabel(pageSize)} pages: CPU taken from the calling thread`,
    subtitle: `${poolText(temperature, backings)} · per page · median, bars: q1–q3${wide ? ' · log scale' : ''}`,
    xLabel: 'batch size (pages per submission)',
    yLabel: 'caller CPU per page (lower is better)',
    xScale: 'log2',
    xFormat: (v) => String(v),
    yScale: wide ? 'log10' : 'linear',
    yFormat: formatNs,
    ...(wide ? {} : { yMin: 0 }),
    xGrid: SWEEP_BATCHES,
    xTicks: SWEEP_BATCHES,
    gapNote: gapNote('batches', SWEEP_BATCHES, series, String),
    series,
  }, reference);
}

/**
 * The smallest batch from which async beats sync, by page size; "never" in a
 * band at the top edge. Small multiples: one panel per op and figure
 * (throughput, caller CPU), at most MAX_SERIES engine modes a panel, each
 * mode with its own colour and marker, the same in every panel.
 */
export function crossoverChart(report: Report, op?: Op): string {
  const all = crossoversOf(report).filter((c) => op === undefined || c.op === op);
  const temperature = chartTemperature(all);
  const atTemp = all.filter((c) => c.temperature === temperature);
  const backing = preferred(backingsOf(atTemp), BACKING_ORDER);
  const chosen = atTemp.filter((c) => c.backing === backing);
  const ops = distinct(chosen.map((c) => c.op), (a, b) => rank(OP_ORDER, a) - rank(OP_ORDER, b));
  const modes: Mode[] = distinctModes(chosen.map(crossoverMode));
  const metrics = ['throughput', 'callerCpu'] as const;
  const batches = report.cells.filter((c) => c.path === 'async').map((c) => c.batch);
  const range = batches.length ? { yMin: Math.min(...batches), yMax: Math.max(...batches) } : {};
  const chunks: Mode[][] = [];
  for (let i = 0; i < modes.length; i += MAX_SERIES) chunks.push(modes.slice(i, i + MAX_SERIES));

  const panels: string[] = [];
  for (const o of ops) {
    for (const chunk of chunks) {
      for (const metric of metrics) {
        // Nudge each series sideways a little, so equal values stay visible side by side.
        const nudge = (i: number): number => 2 ** ((i - (chunk.length - 1) / 2) * (0.4 / Math.max(1, chunk.length)));
        const series: ChartSeries[] = chunk
          .map((mode, i) => ({
            label: modeLabel(mode),
            color: i,
            marker: i,
            dash: 0,
            points: chosen
              .filter((c) => c.op === o && c.metric === metric)
              .filter((c) => modeId(crossoverMode(c)) === modeId(mode))
              .sort((a, b) => a.pageSize - b.pageSize)
              .map((c) => ({ x: c.pageSize * nudge(i), gridX: c.pageSize, y: c.batch })),
          }))
          .filter((s) => s.points.length > 0);
        if (series.length === 0) continue;
        const what = metric === 'throughput' ? 'throughput' : 'caller CPU';
        const modesText = chunks.length > 1 ? ` (${chunk.map(modeLabel).join(', ')})` : '';
        panels.push(
          lineChart({
            title: `${o}, ${what}${modesText}`,
            width: 560,
            height: 240,
            xLabel: 'page size',
            yLabel: 'crossover batch (lower is better)',
            xScale: 'log2',
            xFormat: formatBytesShort,
            yScale: 'log2',
            yFormat: (v) => String(v),
            ...range,
            nullLabel: 'never',
            xGrid: SWEEP_PAGE_SIZES,
            xTicks: SWEEP_PAGE_SIZES,
            gapNote: gapNote('page sizes', SWEEP_PAGE_SIZES, series, formatBytesShort),
            series,
          }),
        );
      }
    }
  }
  return smallMultiples({
    title: `${op ? `${op}: ` : ''}from what batch does async beat sync?`,
    subtitle: `${poolText(temperature, backing ? [backing] : [])} · smallest batch from which async wins (U test, p < 0.05) at every larger batch measured`,
    columns: 2,
    panels: panels.length > 0 ? panels : [lineChart({ title: 'no crossovers', xLabel: 'page size', yLabel: 'crossover batch', series: [] })],
    notes: [
      '× in the top band: async never won within the batches measured; no line runs into or out of it.',
      'Markers are nudged sideways to keep equal values apart.',
    ],
  });
}
