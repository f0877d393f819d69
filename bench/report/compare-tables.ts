/**
 * The tables of a comparison, as data: compare.md and compare.html render the
 * same ones.
 */
import type { ComparedEntry, ComparedFigure, ComparedMetric, Comparison } from './compare-types';
import { modeLabel, pageLabel } from './labels';
import { settingTitle } from './report-tables';
import { formatDuration, formatRatio, sig3 } from './stats';
import type { Table, TableCell } from './table';

/** One line per other report: how many differences, in which direction. */
export function compareHeadlines(c: Comparison): string[] {
  const lines = c.summary.map((s) => {
    const g = s.gbps;
    const u = s.callerCpuNsPerPage;
    return (
      `${s.label} vs ${c.reference}: ${s.compared} measurements in both. ` +
      `Throughput higher in ${g.higher}, lower in ${g.lower}, within the spread in ${g.within}. ` +
      `Caller CPU lower in ${u.lower}, higher in ${u.higher}, within the spread in ${u.within}.`
    );
  });
  if (c.partial.length > 0) lines.push(`${c.partial.length} measurements are in only some of the reports (listed at the end).`);
  return lines;
}

export function reportsTable(c: Comparison): Table {
  return {
    columns: [
      { label: 'Report' },
      { label: 'frontswap' },
      { label: 'Schema' },
      { label: 'Created' },
      { label: 'Took', align: 'right' },
      { label: 'Machine' },
    ],
    rows: c.reports.map((r, i) => [
      i === 0 ? { text: `${r.label} (reference)`, strong: true } : r.label,
      r.packageVersion,
      `v${r.schemaVersion}`,
      r.createdAt,
      formatDuration(r.durationMs),
      r.machineName ?? 'unknown',
    ]),
  };
}

export function machinesTable(c: Comparison): Table {
  return {
    columns: [{ label: 'Machine' }, ...c.labels.map((l) => ({ label: l }))],
    rows: c.machines.map((m) => [m.label, ...m.values]),
  };
}

/** The reference's median, or another report's median with its ratio (bold when outside the spread). */
function figureCell(f: ComparedFigure | null, isReference: boolean): TableCell {
  if (!f) return '–';
  if (isReference) return sig3(f.median);
  return { text: `${sig3(f.median)} (${formatRatio(f.ratio)})`, strong: f.outsideSpread };
}

function figureColumns(e: ComparedEntry): TableCell[] {
  const cols = (metric: ComparedMetric): TableCell[] => e[metric].map((f, i) => figureCell(f, i === 0));
  return [...cols('gbps'), ...cols('callerCpuNsPerPage')];
}

function figureHeaders(c: Comparison): { label: string; align: 'right' }[] {
  return [
    ...c.labels.map((l) => ({ label: `${l} GB/s`, align: 'right' as const })),
    ...c.labels.map((l) => ({ label: `${l} CPU ns/page`, align: 'right' as const })),
  ];
}

const CAPTION =
  'Medians; in parentheses the ratio to the reference. Bold: outside the spread (the interquartile ranges do not overlap).';

/** One table per op and page size (cells arrive sorted by op, page size, pool, mode, batch). */
export function cellCompareTables(c: Comparison): { title: string; table: Table }[] {
  const groups = new Map<string, ComparedEntry[]>();
  for (const e of c.cells) {
    const id = `${e.cell!.op}|${e.cell!.pageSize}`;
    groups.set(id, [...(groups.get(id) ?? []), e]);
  }
  return [...groups.values()].map((mine) => ({
    title: `${pageLabel(mine[0]!.cell!.pageSize)} ${mine[0]!.cell!.op}`,
    table: {
      columns: [{ label: 'Pool' }, { label: 'Mode' }, { label: 'Batch', align: 'right' }, ...figureHeaders(c)],
      rows: mine.map((e) => [`${e.cell!.temperature} ${e.cell!.backing}`, modeLabel(e.cell!), String(e.cell!.batch), ...figureColumns(e)]),
      caption: CAPTION,
    },
  }));
}

export function baselineCompareTable(c: Comparison): Table {
  return {
    columns: [
      { label: 'Baseline' },
      { label: 'Setting' },
      { label: 'Batch', align: 'right' },
      ...figureHeaders(c),
    ],
    rows: c.baselines.map((e) => {
      const b = e.baseline!;
      return [b.name, settingTitle(b), String(b.batch), ...figureColumns(e)];
    }),
    caption: CAPTION,
  };
}

export function partialTable(c: Comparison, limit = 200): Table {
  const shown = c.partial.slice(0, limit);
  const more = c.partial.length - shown.length;
  return {
    columns: [{ label: 'Measurement' }, { label: 'In' }, { label: 'Not in' }],
    rows: shown.map((p) => [p.label, p.presentIn.join(', '), p.missingFrom.join(', ')]),
    ...(more > 0 ? { caption: `… and ${more} more.` } : {}),
  };
}
