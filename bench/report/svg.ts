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
  type Mode,
} from './labels';
import { lineChart, type ChartPoint, type ChartSeries } from './line-chart';
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
  for (const backing of backings) {
    for (const mode of distinctModes(cells.filter((c) => c.backing === backing))) {
      const mine = cells.filter((c) => c.backing === backing && modeId(c) === modeId(mode));
      const points = distinct(mine.map((c) => c.pageSize))
        .sort((a, b) => a - b)
        .map((size) => statPoint(size, largestBatch(mine.filter((c) => c.pageSize === size))!.metrics.gbps));
      series.push({ label: label(modeLabel(mode), backing, mixed), points });
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
    }
  }
  // Each series at its own largest batch: a mode measured only to 64 is not "at 256".
  const at = 'each series at the largest batch it was measured at';
  return lineChart({
    title: `${op}: throughput by page size`,
    subtitle: `${poolText(temperature, backings)} · ${at} · median, bars: q1–q3`,
    xLabel: 'page size',
    yLabel: 'GB/s (higher is better)',
    xScale: 'log2',
    xFormat: formatBytesShort,
    yMin: 0,
    series,
  });
}

/** Caller CPU per page against batch size, sync included, for one page size. */
export function callerCpuChart(report: Report, op: Op, pageSize: number): string {
  const all = report.cells.filter((c) => c.op === op && c.pageSize === pageSize);
  const temperature = chartTemperature(all);
  const cells = all.filter((c) => c.temperature === temperature);
  const backings = backingsOf(cells);
  const mixed = backings.length > 1;
  const series: ChartSeries[] = [];
  for (const backing of backings) {
    for (const mode of distinctModes(cells.filter((c) => c.backing === backing))) {
      const points = cells
        .filter((c) => c.backing === backing && modeId(c) === modeId(mode))
        .sort((a, b) => a.batch - b.batch)
        .map((c) => statPoint(c.batch, c.metrics.callerCpuNsPerPage));
      series.push({ label: label(modeLabel(mode), backing, mixed), points });
    }
  }
  const ys = cells.map((c) => c.metrics.callerCpuNsPerPage.median).filter((v) => v > 0);
  const wide = ys.length > 0 && Math.max(...ys) / Math.min(...ys) > 20;
  return lineChart({
    title: `${op}, ${pageLabel(pageSize)} pages: CPU taken from the calling thread`,
    subtitle: `${poolText(temperature, backings)} · per page · median, bars: q1–q3${wide ? ' · log scale' : ''}`,
    xLabel: 'batch size (pages per submission)',
    yLabel: 'caller CPU per page (lower is better)',
    xScale: 'log2',
    xFormat: (v) => String(v),
    yScale: wide ? 'log10' : 'linear',
    yFormat: formatNs,
    ...(wide ? {} : { yMin: 0 }),
    series,
  });
}

/** The smallest batch from which async beats sync, by page size; "never" at the top edge. */
export function crossoverChart(report: Report, op?: Op): string {
  const all = crossoversOf(report).filter((c) => op === undefined || c.op === op);
  const temperature = chartTemperature(all);
  const atTemp = all.filter((c) => c.temperature === temperature);
  const backing = preferred(backingsOf(atTemp), BACKING_ORDER);
  const chosen = atTemp.filter((c) => c.backing === backing);
  const ops = distinct(chosen.map((c) => c.op), (a, b) => rank(OP_ORDER, a) - rank(OP_ORDER, b));
  const modes: Mode[] = distinctModes(chosen.map(crossoverMode));
  const metrics = ['throughput', 'callerCpu'] as const;

  const groups: { label: string; color: number; dash: number; marker: number; op: Op; mode: Mode; metric: (typeof metrics)[number] }[] = [];
  ops.forEach((o, oi) =>
    modes.forEach((mode, mi) =>
      metrics.forEach((metric, ki) =>
        groups.push({
          label: `${ops.length > 1 ? `${o} ` : ''}${modeLabel(mode)}, ${metric === 'throughput' ? 'throughput' : 'caller CPU'}`,
          color: mi,
          dash: ki === 0 ? 0 : 1,
          marker: oi * 3 + ki,
          op: o,
          mode,
          metric,
        }),
      ),
    ),
  );
  // Nudge each series sideways a little, so equal values stay visible side by side.
  const nudge = (i: number): number => 2 ** ((i - (groups.length - 1) / 2) * (0.5 / Math.max(1, groups.length)));
  const series: ChartSeries[] = groups
    .map((g, i) => ({
      label: g.label,
      color: g.color,
      dash: g.dash,
      marker: g.marker,
      points: chosen
        .filter((c) => c.op === g.op && c.metric === g.metric)
        .filter((c) => modeId(crossoverMode(c)) === modeId(g.mode))
        .sort((a, b) => a.pageSize - b.pageSize)
        .map((c) => ({ x: c.pageSize * nudge(i), y: c.batch })),
    }))
    .filter((s) => s.points.length > 0);

  const batches = report.cells.filter((c) => c.path === 'async').map((c) => c.batch);
  const range = batches.length ? { yMin: Math.min(...batches), yMax: Math.max(...batches) } : {};
  return lineChart({
    title: `${op ? `${op}: ` : ''}from what batch does async beat sync?`,
    subtitle: `${poolText(temperature, backing ? [backing] : [])} · smallest batch from which async wins outside the spread at every larger batch`,
    xLabel: 'page size',
    yLabel: 'crossover batch (lower is better)',
    xScale: 'log2',
    xFormat: formatBytesShort,
    yScale: 'log2',
    yFormat: (v) => String(v),
    ...range,
    nullLabel: 'never',
    notes: ['× in the top band: async never won within the batches measured. Markers are nudged sideways to keep equal values apart.'],
    series,
  });
}
