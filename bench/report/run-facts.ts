/**
 * The run's own facts beside the machine's: how cold was made and the cache
 * evidence, where the run ran (CPUs, NUMA nodes, each engine worker's CPUs),
 * and the plan's budget. Read defensively: a report from before these fields
 * existed reads "not recorded".
 */
import type { MachineRow } from './machine';
import type { Report } from './schema';
import { formatBytes, formatDuration } from './stats';

const NOT = 'not recorded';

function bytes(v: unknown): string {
  return typeof v === 'number' && Number.isFinite(v) ? formatBytes(v) : 'unknown';
}

function obj(v: unknown): Record<string, unknown> | null {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

/** Rows in a fixed order, the same for every report, so reports line up in a comparison. */
export function describeRunFacts(report: Report): MachineRow[] {
  const cache = obj((report as unknown as Record<string, unknown>)['cache']);
  const place = obj((report as unknown as Record<string, unknown>)['placement']);
  const plan = obj((report as unknown as Record<string, unknown>)['plan']);
  const rows: [string, string][] = [];
  rows.push(['Cold pools', cache ? `flushed before each repetition (${String(cache['flush'])})` : NOT]);
  rows.push([
    'Last-level cache (sysfs / measured)',
    cache ? `${bytes(cache['sysfsLastLevelBytes'])} / ${cache['measuredLastLevelBytes'] === null ? 'no knee' : bytes(cache['measuredLastLevelBytes'])}` : NOT,
  ]);
  rows.push(['Streaming stores above', cache ? bytes(cache['streamStoresAboveBytes']) : NOT]);
  rows.push(['CPUs allowed', place && typeof place['allowedCpus'] === 'number' ? String(place['allowedCpus']) : NOT]);
  rows.push(['NUMA placement', place && typeof place['numaCrossing'] === 'string' ? place['numaCrossing'] : NOT]);
  const wc = obj(place?.['workerCpus']);
  rows.push([
    'Engine worker CPUs',
    wc
      ? Object.entries(wc)
          .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.map((c) => (Array.isArray(c) ? c.join(',') : '?')).join(' | ') : '?'}`)
          .join('; ') || 'no engine ran'
      : NOT,
  ]);
  rows.push([
    'Budget (estimate)',
    plan && typeof plan['budgetMs'] === 'number' && typeof plan['fittedEstimateMs'] === 'number'
      ? `${formatDuration(plan['budgetMs'])} (${formatDuration(plan['fittedEstimateMs'])}; peak memory ${bytes(plan['peakMemoryBytes'])})`
      : NOT,
  ]);
  return rows.map(([label, value]) => ({ label, value }));
}
