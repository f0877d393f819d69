/**
 * The tables of a report, as data: report.md and report.html both render
 * these, so the two pages always show the same figures.
 */
import { asyncBeats, crossoverMode, crossoversOf, metricStat, pickSyncReference } from './crossover';
import { describeMachine } from './machine';
import {
  BASELINE_ORDER,
  OP_ORDER,
  compareSetting,
  distinct,
  distinctModes,
  modeId,
  modeLabel,
  pageLabel,
  rank,
  type Mode,
} from './labels';
import type { Backing, Baseline, Cell, Crossover, Op, PoolTemperature, Report, Stat } from './schema';
import { formatBytes, formatDuration, formatNs, formatStat } from './stats';
import { ratioWords, verdictOf, verdictText } from './verdict';
import type { Table, TableCell } from './table';

/** One engine setting: what a crossover row and a cell table are about. */
export interface Setting {
  op: Op;
  pageSize: number;
  temperature: PoolTemperature;
  backing: Backing;
}

const settingId = (s: Setting): string => `${s.op}|${s.pageSize}|${s.temperature}|${s.backing}`;

/** The distinct settings among `items`, in display order. */
export function settingsOf(items: readonly Setting[]): Setting[] {
  const seen = new Map<string, Setting>();
  for (const it of items) {
    const id = settingId(it);
    if (!seen.has(id)) seen.set(id, { op: it.op, pageSize: it.pageSize, temperature: it.temperature, backing: it.backing });
  }
  return [...seen.values()].sort(compareSetting);
}

/** "4 KiB store, cold thp pool". */
export function settingTitle(s: Setting): string {
  return `${pageLabel(s.pageSize)} ${s.op}, ${s.temperature} ${s.backing} pool`;
}

/** Ops in display order. */
export function opsOf(report: Report): Op[] {
  return distinct(
    [...report.cells.map((c) => c.op), ...report.baselines.map((b) => b.op)],
    (a, b) => rank(OP_ORDER, a) - rank(OP_ORDER, b),
  );
}

/** The largest async batch measured for a setting (what "never" was measured up to). */
function largestAsyncBatch(report: Report, c: Crossover): number | undefined {
  const batches = report.cells
    .filter((x) => x.path === 'async' && settingId(x) === settingId(c) && modeId(x) === modeId(crossoverMode(c)))
    .map((x) => x.batch);
  return batches.length ? Math.max(...batches) : undefined;
}

/** The verdict at the largest batch measured, for a setting that never crossed over. */
function verdictAtLargest(report: Report, c: Crossover, largest: number): string | undefined {
  const same = (x: Cell): boolean => settingId(x) === settingId(c);
  const a = report.cells.find((x) => x.path === 'async' && same(x) && modeId(x) === modeId(crossoverMode(c)) && x.batch === largest);
  const sync = report.cells.filter((x) => x.path === 'sync' && same(x));
  if (!a || sync.length === 0) return undefined;
  const ref = pickSyncReference(sync, largest);
  return verdictText(verdictOf(metricStat(a, c.metric), metricStat(ref, c.metric), c.metric), c.metric);
}

function crossoverCell(report: Report, c: Crossover | undefined): TableCell {
  if (!c) return '–';
  if (c.batch !== null) return { text: `from ${c.batch}: async wins (${ratioWords(c.ratio, c.metric)})`, strong: true, title: c.note };
  const largest = largestAsyncBatch(report, c);
  const at = largest === undefined ? undefined : verdictAtLargest(report, c, largest);
  return { text: at === undefined ? 'never' : `never; at ${largest}: ${at}`, title: c.note };
}

/** One row per engine setting: from what batch async wins throughput, and caller CPU. */
export function crossoverTable(report: Report): Table {
  const crossovers = crossoversOf(report);
  const rows = new Map<string, { c: Crossover; throughput?: Crossover; callerCpu?: Crossover }>();
  for (const c of crossovers) {
    const id = `${settingId(c)}|${modeId(crossoverMode(c))}`;
    const row = rows.get(id) ?? { c };
    row[c.metric] = c;
    rows.set(id, row);
  }
  return {
    columns: [
      { label: 'Op' },
      { label: 'Page', align: 'right' },
      { label: 'Pool' },
      { label: 'Backing' },
      { label: 'Mode' },
      { label: 'Throughput crossover', align: 'right' },
      { label: 'Caller-CPU crossover', align: 'right' },
    ],
    rows: [...rows.values()].map(({ c, throughput, callerCpu }) => [
      c.op,
      pageLabel(c.pageSize),
      c.temperature,
      c.backing,
      modeLabel(crossoverMode(c)),
      crossoverCell(report, throughput),
      crossoverCell(report, callerCpu),
    ]),
    caption:
      'Batch from which async wins (Mann–Whitney U, p < 0.05) at every larger batch measured, with the async/sync ratio of medians there ' +
      '(throughput: above 1× async is faster; caller CPU: below 1× async takes less). "never": not within the batches measured, with the verdict at the largest batch.',
  };
}

/** Lines for the top of the page: per page size, the earliest crossover of each metric. */
export function crossoverHeadlines(report: Report): string[] {
  const crossovers = crossoversOf(report);
  const out: string[] = [];
  const won = (m: Crossover['metric']): number => crossovers.filter((c) => c.metric === m && c.batch !== null).length;
  const total = (m: Crossover['metric']): number => crossovers.filter((c) => c.metric === m).length;
  if (crossovers.length === 0) return ['No crossovers: the report has no async cells with a sync reference.'];
  out.push(
    `Async beats sync in throughput in ${won('throughput')} of ${total('throughput')} settings, ` +
      `and takes less CPU from the calling thread in ${won('callerCpu')} of ${total('callerCpu')}.`,
  );
  for (const size of distinct(crossovers.map((c) => c.pageSize)).sort((a, b) => a - b)) {
    const parts = (['throughput', 'callerCpu'] as const).map((metric) => {
      const wins = crossovers.filter((c) => c.pageSize === size && c.metric === metric && c.batch !== null);
      const what = metric === 'throughput' ? 'throughput' : 'caller CPU';
      if (wins.length === 0) return `async never wins ${what}`;
      const best = wins.reduce((b, c) => ((c.batch as number) < (b.batch as number) ? c : b));
      const where = `${modeLabel(crossoverMode(best))}, ${best.op}, ${best.temperature} pool`;
      return `${what} from batch ${best.batch} (${where})`;
    });
    out.push(`${pageLabel(size)}: ${parts.join('; ')}.`);
  }
  return out;
}

export function machineTable(machine: unknown): Table {
  return {
    columns: [{ label: 'Machine' }, { label: '' }],
    rows: describeMachine(machine).map((r) => [r.label, r.value]),
  };
}

export function poolsTable(report: Report): Table {
  const pools = [...report.pools].sort(
    (a, b) => a.pageSize - b.pageSize || compareSetting({ ...a, op: 'store' }, { ...b, op: 'store' }),
  );
  return {
    columns: [
      { label: 'Pool' },
      { label: 'Page', align: 'right' },
      { label: 'Pages', align: 'right' },
      { label: 'Size', align: 'right' },
      { label: 'Backing asked' },
      { label: 'Backing got' },
      { label: 'In huge pages', align: 'right' },
      { label: 'Streaming stores' },
    ],
    rows: pools.map((p) => {
      const share = p.byteLength > 0 ? ` (${Math.round((100 * p.hugeBytes) / p.byteLength)}%)` : '';
      const mismatch = p.backingRequested !== 'auto' && p.backingRequested !== p.backing;
      return [
        p.temperature,
        pageLabel(p.pageSize),
        String(p.pages),
        formatBytes(p.byteLength),
        p.backingRequested,
        mismatch ? { text: `${p.backing} (not what was asked)`, strong: true } : p.backing,
        `${formatBytes(p.hugeBytes)}${share}`,
        p.streamStores ? 'yes' : 'no',
      ];
    }),
    caption: 'Backing got is what the kernel gave, checked in /proc/self/smaps; huge pages are counted after prefault.',
  };
}

/** A cell table: for one setting, rows = batch (GB/s, then caller CPU), columns = sync and each async mode. */
export interface CellTable {
  setting: Setting;
  title: string;
  table: Table;
}

function beatsSync(cell: Cell, sync: Cell[], metric: 'throughput' | 'callerCpu'): boolean {
  if (cell.path !== 'async' || sync.length === 0) return false;
  const ref = pickSyncReference(sync, cell.batch);
  return asyncBeats(metricStat(cell, metric), metricStat(ref, metric), metric);
}

export function cellTables(report: Report): CellTable[] {
  return settingsOf(report.cells).map((setting) => {
    const cells = report.cells.filter((c) => settingId(c) === settingId(setting));
    const sync = cells.filter((c) => c.path === 'sync');
    const modes: Mode[] = distinctModes(cells);
    const batches = distinct(cells.map((c) => c.batch)).sort((a, b) => a - b);
    const find = (m: Mode, batch: number): Cell | undefined =>
      cells.find((c) => c.batch === batch && modeId(c) === modeId(m));
    const rows: TableCell[][] = [];
    for (const batch of batches) {
      rows.push([
        String(batch),
        'GB/s',
        ...modes.map((m): TableCell => {
          const c = find(m, batch);
          return c ? { text: formatStat(c.metrics.gbps), strong: beatsSync(c, sync, 'throughput') } : '–';
        }),
      ]);
      rows.push([
        '',
        'CPU/page',
        ...modes.map((m): TableCell => {
          const c = find(m, batch);
          return c ? { text: formatNs(c.metrics.callerCpuNsPerPage.median), strong: beatsSync(c, sync, 'callerCpu') } : '–';
        }),
      ]);
    }
    return {
      setting,
      title: settingTitle(setting),
      table: {
        columns: [
          { label: 'Batch', align: 'right' },
          { label: 'Figure' },
          ...modes.map((m) => ({ label: modeLabel(m), align: 'right' as const })),
        ],
        rows,
        caption:
          'GB/s: median (q1–q3). CPU/page: median CPU time of the calling thread per page. ' +
          'Bold: async beats sync at this batch (Mann–Whitney U, p < 0.05).',
      },
    };
  });
}

function p50p99(p50: Stat | undefined, p99: Stat | undefined): string {
  if (!p50 && !p99) return '–';
  return `${p50 ? formatNs(p50.median) : '–'} / ${p99 ? formatNs(p99.median) : '–'}`;
}

export function baselinesTable(report: Report): Table {
  const list = [...report.baselines].sort(
    (a, b) => compareSetting(a, b) || rank(BASELINE_ORDER, a.name) - rank(BASELINE_ORDER, b.name) || a.batch - b.batch,
  );
  return {
    columns: [
      { label: 'Baseline' },
      { label: 'Op' },
      { label: 'Page', align: 'right' },
      { label: 'Pool' },
      { label: 'Batch', align: 'right' },
      { label: 'GB/s', align: 'right' },
      { label: 'Caller CPU/page', align: 'right' },
      { label: 'Worker CPU/page', align: 'right' },
      { label: 'First done p50 / p99', align: 'right' },
      { label: 'Last done p50 / p99', align: 'right' },
    ],
    rows: list.map((b: Baseline) => [
      b.name,
      b.op,
      pageLabel(b.pageSize),
      `${b.temperature} ${b.backing}`,
      String(b.batch),
      formatStat(b.metrics.gbps),
      formatNs(b.metrics.callerCpuNsPerPage.median),
      b.metrics.workerCpuNsPerPage ? formatNs(b.metrics.workerCpuNsPerPage.median) : '–',
      p50p99(b.metrics.firstLatencyP50Ns, b.metrics.firstLatencyP99Ns),
      p50p99(b.metrics.lastLatencyP50Ns, b.metrics.lastLatencyP99Ns),
    ]),
    caption:
      'GB/s: median (q1–q3); other figures: medians. First/last done: from submitting a batch to its first and last completed page.',
  };
}

/** The header line under the title. */
export function runLine(report: Report): string {
  const reps = report.options?.repetitions;
  const sample = report.options?.sampleMs;
  const how = typeof reps === 'number' ? ` · ${reps} repetitions${typeof sample === 'number' ? ` of ${sample} ms` : ''}` : '';
  const quick = report.options?.quick === true ? ' · quick run' : '';
  const took = `took ${formatDuration(report.durationMs)}`;
  return `${report.package.name} ${report.package.version} · ${report.createdAt} · ${took}${how}${quick} · schema v${report.version}`;
}
