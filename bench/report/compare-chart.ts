/**
 * compare.svg: each other report's throughput as a ratio to the reference, by
 * page size, at the largest batch both measured. Filled markers are
 * differences outside the spread; hollow ones are within the noise. The
 * ratio axis is logarithmic (2× and 0.5× equally far from 1) and kept to the
 * bulk of the ratios: an outlier is an arrow at the edge with its value, so
 * it cannot squash the rest.
 */
import { robustLogClip } from './chart-offscale';
import type { ComparedEntry, Comparison } from './compare-types';
import { TEMPERATURE_ORDER, BACKING_ORDER, OP_ORDER, SWEEP_PAGE_SIZES, distinct, distinctModes, modeId, modeLabel, preferred, rank } from './labels';
import { lineChart, type ChartSeries } from './line-chart';
import { formatBytesShort, formatRatio } from './stats';

/** "cold pool (thp)" for a subtitle. */
function poolText(temperature: string | undefined, backing: string | undefined): string {
  return `${temperature ?? 'no'} pool${backing ? ` (${backing})` : ''}`;
}

export function compareChart(c: Comparison): string {
  const cells = c.cells.filter((e) => e.gbps[0] !== null);
  // The pool temperature to draw: cold when some other report has a comparable cold pool, else what is comparable.
  const comparable = cells.filter((e) => e.gbps.slice(1).some((f) => f !== null && f.comparable !== false));
  const temps = distinct(cells.map((e) => e.cell!.temperature));
  const temperature = preferred(distinct(comparable.map((e) => e.cell!.temperature)), TEMPERATURE_ORDER) ?? preferred(temps, TEMPERATURE_ORDER);
  const skippedTemps = temps.filter((t) => t !== temperature && rank(TEMPERATURE_ORDER, t) < rank(TEMPERATURE_ORDER, temperature!));
  const atTemp = cells.filter((e) => e.cell!.temperature === temperature);
  const backing = preferred(distinct(atTemp.map((e) => e.cell!.backing)), BACKING_ORDER);
  const chosen = atTemp.filter((e) => e.cell!.backing === backing);
  const ops = distinct(chosen.map((e) => e.cell!.op), (a, b) => rank(OP_ORDER, a) - rank(OP_ORDER, b));
  const modes = distinctModes(chosen.map((e) => e.cell!));

  const series: ChartSeries[] = [];
  // A ratio to a pool unlike the reference's (another size or cache method) is no comparison: left out, and counted.
  let unlike = 0;
  c.labels.slice(1).forEach((label, j) => {
    const i = j + 1;
    ops.forEach((op, oi) =>
      modes.forEach((mode, mi) => {
        const measured = chosen.filter((e) => e.cell!.op === op && modeId(e.cell!) === modeId(mode) && e.gbps[i] !== null);
        const mine = measured.filter((e) => e.gbps[i]!.comparable !== false);
        unlike += distinct(measured.filter((e) => e.gbps[i]!.comparable === false).map((e) => e.cell!.pageSize)).filter((size) => !mine.some((e) => e.cell!.pageSize === size)).length;
        const sizes = distinct(mine.map((e) => e.cell!.pageSize)).sort((a, b) => a - b);
        const points = sizes.map((size) => {
          // The largest batch both reports measured at this size.
          const e = mine
            .filter((x) => x.cell!.pageSize === size)
            .reduce((m: ComparedEntry, x) => (x.cell!.batch > m.cell!.batch ? x : m));
          const f = e.gbps[i]!;
          return { x: size, y: f.ratio, hollow: !f.outsideSpread };
        });
        if (points.length === 0) return;
        const who = c.labels.length > 2 ? `${label}: ` : '';
        // Colour and marker by position: every series of the chart differs in both (up to ten).
        const k = series.length;
        series.push({ label: `${who}${op} ${modeLabel(mode)}`, points, color: k, dash: oi, marker: k });
      }),
    );
  });

  const ys = series.flatMap((s) => s.points.map((p) => p.y ?? 1)).filter((v) => v > 0);
  const clip = robustLogClip(ys, [1]);
  return lineChart({
    title: `Throughput relative to ${c.reference}`,
    subtitle: `${poolText(temperature, backing)} · at the largest batch both measured · above 1: faster than the reference`,
    xLabel: 'page size',
    yLabel: `GB/s ratio to ${c.reference}`,
    xScale: 'log2',
    xFormat: formatBytesShort,
    yScale: 'log10',
    yFormat: formatRatio,
    yClip: clip,
    xTicks: SWEEP_PAGE_SIZES,
    xGrid: SWEEP_PAGE_SIZES,
    gapNote: 'Dotted: page sizes between were not measured in both reports; no value is claimed there.',
    guide: { y: 1, label: `${c.reference} (reference)` },
    notes: [
      'Filled marker: the difference is outside the spread (interquartile ranges do not overlap). Hollow: within it.',
      ...skippedTemps.map((t) => `Not drawn: the ${t} pools, unlike the reference's (another size or cache method) in every other report; see the tables.`),
      ...(unlike > 0 ? [`${unlike} point${unlike === 1 ? '' : 's'} left out: measured on a pool unlike the reference's (another size or cache method); see the tables.`] : []),
    ],
    series,
  });
}
