/**
 * Several reports side by side: the same measurement on other machines, other
 * kernels or other versions of frontswap. The first report is the reference;
 * each other report's medians are given as ratios to it, and a difference only
 * counts when the spreads do not overlap and the pools are alike (same size
 * and cache method); the runs' differences and their crossovers come first.
 */
import { modeOf } from './labels';
import { baselineKeyId, baselineKeyLabel, cellKeyId, cellKeyLabel, type BaselineKey } from './keys';
import { BASELINE_ORDER, compareCellKeys, compareSetting, rank } from './labels';
import { comparablePools, crossoversSideBySide, whatDiffers } from './compare-context';
import { describeMachine, machineName } from './machine';
import { describeRunFacts } from './run-facts';
import type {
  ComparedEntry, ComparedFigure, ComparedMetric, ComparedReport, Comparison, ComparisonSummary, PartialEntry,
} from './compare-types';
import type { Baseline, Cell, CellKey, Metrics, Report, Stat } from './schema';
import { outsideSpread, ratio } from './stats';

export { renderCompareMarkdown } from './compare-markdown';
export { renderCompareHtml } from './compare-html';
export { compareChart } from './compare-chart';
export * from './compare-types';
export { defaultLabel } from './compare-context';


/** Labels made unique: a repeated label gets " (2)", " (3)"... */
function uniqueLabels(labels: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return labels.map((l) => {
    const n = (seen.get(l) ?? 0) + 1;
    seen.set(l, n);
    return n === 1 ? l : `${l} (${n})`;
  });
}

function figure(s: Stat, ref: Stat, isReference: boolean, comparable: boolean): ComparedFigure {
  const f: ComparedFigure = {
    median: s.median,
    q1: s.q1,
    q3: s.q3,
    ratio: isReference ? 1 : ratio(s.median, ref.median),
    outsideSpread: isReference ? false : outsideSpread(s, ref),
  };
  if (!comparable) f.comparable = false;
  return f;
}

const statOf = (m: Metrics, k: ComparedMetric): Stat => (k === 'gbps' ? m.gbps : m.callerCpuNsPerPage);

interface Keyed {
  id: string;
  label: string;
  kind: 'cell' | 'baseline';
  key: CellKey | BaselineKey;
  metrics: Metrics;
}

function keyedCell(c: Cell): Keyed {
  const key: CellKey = { op: c.op, pageSize: c.pageSize, temperature: c.temperature, backing: c.backing, path: c.path, batch: c.batch };
  if (c.waitMode !== undefined) key.waitMode = c.waitMode;
  if (c.workers !== undefined) key.workers = c.workers;
  if (c.path === 'async') Object.assign(key, modeOf(c));
  return { id: cellKeyId(c), label: cellKeyLabel(c), kind: 'cell', key, metrics: c.metrics };
}

function keyedBaseline(b: Baseline): Keyed {
  const key: BaselineKey = { name: b.name, op: b.op, pageSize: b.pageSize, temperature: b.temperature, backing: b.backing, batch: b.batch };
  return { id: baselineKeyId(b), label: baselineKeyLabel(b), kind: 'baseline', key, metrics: b.metrics };
}

/** Each report's measurements by id; a repeated key keeps its first occurrence. */
function index(report: Report): Map<string, Keyed> {
  const m = new Map<string, Keyed>();
  for (const k of [...report.cells.map(keyedCell), ...report.baselines.map(keyedBaseline)]) if (!m.has(k.id)) m.set(k.id, k);
  return m;
}

function compareBaselineKeys(a: BaselineKey, b: BaselineKey): number {
  return compareSetting(a, b) || rank(BASELINE_ORDER, a.name) - rank(BASELINE_ORDER, b.name) || a.batch - b.batch;
}

export function compareReports(inputs: readonly { label: string; report: Report }[]): Comparison {
  if (inputs.length < 2) throw new RangeError(`compareReports() needs at least two reports, got ${inputs.length}`);
  const labels = uniqueLabels(inputs.map((i) => i.label));
  const indexes = inputs.map((i) => index(i.report));
  const ref = indexes[0]!;

  const entries: ComparedEntry[] = [];
  const partial: PartialEntry[] = [];
  const allIds = new Map<string, Keyed>();
  for (const idx of indexes) for (const [id, k] of idx) if (!allIds.has(id)) allIds.set(id, k);

  for (const [id, k] of allIds) {
    const present = indexes.map((idx) => idx.get(id));
    if (present.some((p) => p === undefined)) {
      partial.push({
        id,
        label: k.label,
        kind: k.kind,
        presentIn: labels.filter((_, i) => present[i] !== undefined),
        missingFrom: labels.filter((_, i) => present[i] === undefined),
      });
    }
    const r = ref.get(id);
    if (!r || present.filter((p) => p !== undefined).length < 2) continue;
    const key = r.key as { temperature: string; pageSize: number; backing: string };
    const okPool = inputs.map((inp, i) => i === 0 || comparablePools(inputs[0]!.report, inp.report, key));
    const per = (metric: ComparedMetric): (ComparedFigure | null)[] =>
      present.map((p, i) => (p ? figure(statOf(p.metrics, metric), statOf(r.metrics, metric), i === 0, okPool[i]!) : null));
    const entry: ComparedEntry = { id, label: r.label, gbps: per('gbps'), callerCpuNsPerPage: per('callerCpuNsPerPage') };
    if (r.kind === 'cell') entry.cell = r.key as CellKey;
    else entry.baseline = r.key as BaselineKey;
    entries.push(entry);
  }

  const cells = entries.filter((e) => e.cell).sort((a, b) => compareCellKeys(a.cell!, b.cell!));
  const baselines = entries.filter((e) => e.baseline).sort((a, b) => compareBaselineKeys(a.baseline!, b.baseline!));

  const summary: ComparisonSummary[] = labels.slice(1).map((label, j) => {
    const i = j + 1;
    const count = (metric: ComparedMetric): ComparisonSummary['gbps'] => {
      const c = { higher: 0, lower: 0, within: 0 };
      for (const e of entries) {
        const f = e[metric][i];
        if (!f || f.comparable === false) continue;
        if (!f.outsideSpread) c.within++;
        else if (f.median > e[metric][0]!.median) c.higher++;
        else c.lower++;
      }
      return c;
    };
    const s: ComparisonSummary = {
      label,
      compared: entries.filter((e) => e.gbps[i] !== null).length,
      gbps: count('gbps'),
      callerCpuNsPerPage: count('callerCpuNsPerPage'),
    };
    const incomparable = entries.filter((e) => e.gbps[i]?.comparable === false).length;
    if (incomparable > 0) s.incomparable = incomparable;
    return s;
  });

  const described = inputs.map((i) => [...describeMachine(i.report.machine), ...describeRunFacts(i.report)]);
  const machines = described[0]!.map((row, r) => ({ label: row.label, values: described.map((d) => d[r]!.value) }));

  const reports: ComparedReport[] = inputs.map((inp, i) => {
    const r: ComparedReport = {
      label: labels[i]!,
      packageVersion: inp.report.package.version,
      schemaVersion: inp.report.version,
      createdAt: inp.report.createdAt,
      durationMs: inp.report.durationMs,
    };
    const name = machineName(inp.report.machine);
    if (name !== undefined) r.machineName = name;
    return r;
  });

  const all = inputs.map((i) => i.report);
  return {
    labels, reference: labels[0]!, reports, machines, cells, baselines, partial, summary,
    differs: whatDiffers(all),
    crossovers: crossoversSideBySide(all),
  };
}
