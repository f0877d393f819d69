/**
 * What a comparison must say before any ratio: short labels for the reports,
 * what differs between the runs (kind, repetitions, pools, cache method, how
 * busy each machine was, versions), which cells are comparable at all (same
 * pool size and cache method), and the main answer — the crossovers — side
 * by side.
 */
import { answerGrids } from './answer-grid';
import { pageLabel } from './labels';
import type { Report } from './schema';
import { formatBytes, formatDuration } from './stats';

/** "vm · AMD EPYC · 2026-11-26": host, CPU model and the day the run was made. */
export function defaultLabel(report: Report): string {
  const m = report.machine as { hostname?: unknown; cpu?: { model?: unknown } };
  const host = typeof m.hostname === 'string' && m.hostname ? m.hostname : 'unknown host';
  const cpu = typeof m.cpu?.model === 'string' ? m.cpu.model.replace(/\(R\)|\(TM\)|CPU|Processor|\d+-Core/gi, '').replace(/\s+/g, ' ').trim() : '';
  const day = typeof report.createdAt === 'string' ? report.createdAt.slice(0, 10) : '';
  return [host, cpu, day].filter((s) => s).join(' · ');
}

/** "Other processes kept 12.3% of the 2 CPUs busy": the share, or undefined when the report does not say. */
export function otherLoad(report: Report): string | undefined {
  for (const n of report.notes ?? []) {
    const m = /Other processes kept ([\d.]+%) of the (\d+) CPUs busy/.exec(n);
    if (m) return `${m[1]} of ${m[2]} CPUs`;
  }
  return undefined;
}

/** How the run made a pool "cold": the cache evidence it recorded, a cache method option, else by size (reports before either). */
export function cacheMethod(report: Report): string {
  if (report.cache) return report.cache.flush === 'none' ? 'walked window, no flush instruction' : `flushed window (${report.cache.flush})`;
  const o = report.options as unknown as Record<string, unknown>;
  for (const [k, v] of Object.entries(o ?? {})) {
    if (/cache|flush/i.test(k) && (typeof v === 'string' || typeof v === 'boolean')) return `${k}: ${String(v)}`;
  }
  return 'by size (pool ≥ 4× last-level cache)';
}

/** A pool's identity for comparability: its size and how it was made cold. */
function poolKey(report: Report, c: { temperature: string; pageSize: number; backing: string }): string {
  const pool =
    report.pools.find((p) => p.temperature === c.temperature && p.pageSize === c.pageSize && p.backing === c.backing) ??
    report.pools.find((p) => p.temperature === c.temperature && p.pageSize === c.pageSize);
  const bytes = pool?.byteLength ?? (c.temperature === 'hot' ? report.options?.hotPoolBytes : report.options?.coldPoolBytes);
  // Only a cold pool is made cold: a hot one is the same whatever the method.
  return `${bytes ?? '?'}|${c.temperature === 'cold' ? cacheMethod(report) : 'hot'}`;
}

/**
 * Whether a cell of `other` can be held against the same cell of `ref`: the same
 * pool size and cache method (a 256 MiB cold pool is not a 1.88 GiB one).
 */
export function comparablePools(
  ref: Report,
  other: Report,
  c: { temperature: string; pageSize: number; backing: string },
): boolean {
  return poolKey(ref, c) === poolKey(other, c);
}

/** One row of "what differs": a property of each run, and whether they differ. */
export interface DiffRow {
  label: string;
  values: string[];
  differs: boolean;
}

const list = (v: unknown): string => (Array.isArray(v) ? v.map(String).join(', ') : v === undefined ? '–' : String(v));

function coldPools(report: Report): string {
  const sizes = [...new Set(report.pools.filter((p) => p.temperature === 'cold').map((p) => p.byteLength))].sort((a, b) => a - b);
  if (sizes.length > 0) return sizes.map(formatBytes).join(', ');
  const b = report.options?.coldPoolBytes;
  return typeof b === 'number' ? formatBytes(b) : '–';
}

function machineField(report: Report, path: string[]): string {
  let v: unknown = report.machine;
  for (const k of path) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
  return v === undefined || v === null ? '–' : typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** The runs' settings side by side; `differs` where they are not all equal. */
export function whatDiffers(reports: readonly Report[]): DiffRow[] {
  const row = (label: string, f: (r: Report) => string): DiffRow => {
    const values = reports.map(f);
    return { label, values, differs: new Set(values).size > 1 };
  };
  return [
    row('run kind', (r) => (r.options?.quick ? 'quick' : 'full')),
    row('repetitions', (r) => list(r.options?.repetitions)),
    row('sample per repetition', (r) => (typeof r.options?.sampleMs === 'number' ? `${r.options.sampleMs} ms` : '–')),
    row('page sizes', (r) => (Array.isArray(r.options?.pageSizes) ? r.options.pageSizes.map(pageLabel).join(', ') : '–')),
    row('batches', (r) => list(r.options?.batchSizes)),
    row('batches in flight', (r) => list(r.options?.depths ?? r.options?.depth ?? 1)),
    row('hot pool', (r) => (typeof r.options?.hotPoolBytes === 'number' ? formatBytes(r.options.hotPoolBytes) : '–')),
    row('cold pool', coldPools),
    row('cache method', cacheMethod),
    row('other processes busy', (r) => otherLoad(r) ?? 'not recorded'),
    row('frontswap', (r) => r.package?.version ?? '–'),
    row('schema', (r) => `v${r.version}`),
    row('Node', (r) => machineField(r, ['node', 'version'])),
    row('kernel', (r) => machineField(r, ['kernel', 'release'])),
    row('CPU', (r) => machineField(r, ['cpu', 'model'])),
    row('CPUs', (r) => machineField(r, ['cpu', 'onlineCpus'])),
    row('took', (r) => formatDuration(r.durationMs)),
  ];
}

/** One answer compared: for an op, metric, depth and page size, each report's crossover batch. */
export interface CrossoverRow {
  op: string;
  metric: 'throughput' | 'callerCpu';
  depth: number;
  /** The pool the grids draw (cold where measured): a hot-pool answer is never set beside a cold one. */
  temperature: string;
  pageSize: number;
  /** Per report: "batch 64", "never", or "–" (not measured). */
  values: string[];
  differs: boolean;
}

/** The answer grids' crossovers of every report, side by side. */
export function crossoversSideBySide(reports: readonly Report[]): CrossoverRow[] {
  const grids = reports.map((r) => answerGrids(r));
  const keys = new Map<string, Omit<CrossoverRow, 'values' | 'differs'>>();
  for (const gs of grids) {
    for (const g of gs) {
      for (const pageSize of g.pageSizes) {
        const id = `${g.op}|${g.metric}|${g.depth}|${g.temperature}|${String(pageSize).padStart(12, '0')}`;
        if (!keys.has(id)) keys.set(id, { op: g.op, metric: g.metric, depth: g.depth, temperature: g.temperature, pageSize });
      }
    }
  }
  const order = (k: Omit<CrossoverRow, 'values' | 'differs'>): string =>
    `${k.op === 'store' ? 0 : 1}|${k.metric === 'throughput' ? 0 : 1}|${String(k.depth).padStart(6, '0')}|${k.temperature === 'cold' ? 0 : 1}|${String(k.pageSize).padStart(12, '0')}`;
  return [...keys.values()]
    .sort((a, b) => (order(a) < order(b) ? -1 : 1))
    .map((k) => {
      const values = grids.map((gs) => {
        const g = gs.find((x) => x.op === k.op && x.metric === k.metric && x.depth === k.depth && x.temperature === k.temperature);
        if (!g || !g.crossover.has(k.pageSize)) return '–';
        const b = g.crossover.get(k.pageSize);
        return b === null || b === undefined ? 'never' : `batch ${b}`;
      });
      const measured = values.filter((v) => v !== '–');
      return { ...k, values, differs: new Set(measured).size > 1 };
    });
}
