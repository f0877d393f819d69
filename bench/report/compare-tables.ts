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
  for (const s of c.summary) {
    if (s.incomparable) {
      lines.push(`${s.incomparable} of ${s.label}'s measurements ran on a pool unlike ${c.reference}'s (another size or cache method): shown, marked ≠, not counted.`);
    }
  }
  const differ = (c.differs ?? []).filter((d) => d.differs && ['run kind', 'repetitions', 'cold pool', 'cache method', 'other processes busy'].includes(d.label));
  if (differ.length > 0) lines.push(`The runs differ in ${differ.map((d) => `${d.label} (${d.values.join(' vs ')})`).join('; ')}: see What differs.`);
  const answers = (c.crossovers ?? []).filter((x) => x.differs).length;
  if (c.crossovers && c.crossovers.length > 0) {
    lines.push(`Crossovers: ${answers} of ${c.crossovers.length} answers (op, metric, page size) differ between the reports.`);
  }
  if (c.partial.length > 0) lines.push(partialLine(c));
  return lines;
}

/** One line for everything not in every report, grouped by the report it is missing from. */
export function partialLine(c: Comparison): string {
  const by = new Map<string, number>();
  for (const p of c.partial) for (const m of p.missingFrom) by.set(m, (by.get(m) ?? 0) + 1);
  const parts = [...by.entries()].map(([label, n]) => `${n} missing from ${label}`);
  return `${c.partial.length} measurements are in only some of the reports (${parts.join(', ')}); they are not compared.`;
}

/** The runs' settings side by side; bold where they differ. */
export function whatDiffersTable(c: Comparison): Table {
  return {
    columns: [{ label: '' }, ...c.labels.map((l) => ({ label: l }))],
    rows: (c.differs ?? []).map((d) => [
      d.differs ? { text: d.label, strong: true } : d.label,
      ...d.values.map((v): TableCell => (d.differs ? { text: v, strong: true } : v)),
    ]),
    caption: 'Bold: the runs differ. A quick run has fewer repetitions and batches; pools of another size or cache method are not comparable cell by cell.',
  };
}

/** Each report's crossover batch per op, metric and page size; bold where they differ. */
export function crossoverCompareTable(c: Comparison): Table {
  return {
    columns: [
      { label: 'Op' },
      { label: 'Metric' },
      { label: 'Pool' },
      { label: 'Page', align: 'right' },
      ...c.labels.map((l) => ({ label: l, align: 'right' as const })),
    ],
    rows: (c.crossovers ?? []).map((x) => [
      `${x.op}${x.depth === 1 ? '' : ` (${x.depth} in flight)`}`,
      x.metric === 'throughput' ? 'throughput' : 'caller CPU',
      x.temperature,
      pageLabel(x.pageSize),
      ...x.values.map((v): TableCell => (x.differs && v !== '–' ? { text: v, strong: true } : v)),
    ]),
    caption:
      'From what batch async wins (Mann–Whitney U, p < 0.05, at every larger batch measured), best engine mode per cell, ' +
      'each report judged by the same test. Bold: the reports disagree. –: not measured.',
  };
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
  if (f.comparable === false) return { text: `${sig3(f.median)} (≠ pool)`, title: 'another pool size or cache method: not comparable' };
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
  'Medians; in parentheses the ratio to the reference. Bold: outside the spread (the interquartile ranges do not overlap). ' +
  '≠ pool: measured on a pool of another size or cache method, not compared.';

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
