/** What a comparison of reports is: the types compare.ts fills and its renderers read. */
import type { BaselineKey } from './keys';
import type { CrossoverRow, DiffRow } from './compare-context';
import type { CellKey } from './schema';

/** One report's figure for a measurement, against the reference's. */
export interface ComparedFigure {
  median: number;
  q1: number;
  q3: number;
  /** This median / the reference median: 1 for the reference itself; NaN where the reference median is 0. */
  ratio: number;
  /** The interquartile ranges of this and the reference do not overlap (always false for the reference). */
  outsideSpread: boolean;
  /** Measured on a pool like the reference's (same size and cache method); false: shown, flagged, not counted. */
  comparable?: boolean;
}

/** The two figures compared, per report. */
export type ComparedMetric = 'gbps' | 'callerCpuNsPerPage';
export const COMPARED_METRICS: readonly ComparedMetric[] = ['gbps', 'callerCpuNsPerPage'];

/** One measurement present in the reference and at least one other report. */
export interface ComparedEntry {
  /** cellKeyId / baselineKeyId: equal for the same measurement in every report. */
  id: string;
  label: string;
  /** Exactly one of these is set. */
  cell?: CellKey;
  baseline?: BaselineKey;
  /** One per report, in input order; null where that report lacks the measurement. */
  gbps: (ComparedFigure | null)[];
  callerCpuNsPerPage: (ComparedFigure | null)[];
}

/** A measurement that not every report has. */
export interface PartialEntry {
  id: string;
  label: string;
  kind: 'cell' | 'baseline';
  presentIn: string[];
  missingFrom: string[];
}

/** How one other report differs from the reference, counted over the measurements both have. */
export interface ComparisonSummary {
  label: string;
  /** Cells and baselines in both this report and the reference. */
  compared: number;
  /** Counts of medians above / below the reference outside the spread, and within it. */
  gbps: { higher: number; lower: number; within: number };
  callerCpuNsPerPage: { higher: number; lower: number; within: number };
  /** Of `compared`, measured on a pool unlike the reference's (another size or cache method): not counted above. */
  incomparable?: number;
}

export interface ComparedReport {
  label: string;
  packageVersion: string;
  schemaVersion: number;
  createdAt: string;
  durationMs: number;
  machineName?: string;
}

export interface Comparison {
  /** Report labels, unique, in input order; the first is the reference. */
  labels: string[];
  reference: string;
  reports: ComparedReport[];
  /** Machines side by side: one value per report for each row. */
  machines: { label: string; values: string[] }[];
  cells: ComparedEntry[];
  baselines: ComparedEntry[];
  partial: PartialEntry[];
  /** One per report after the reference. */
  summary: ComparisonSummary[];
  /** The runs' settings side by side (run kind, repetitions, pools, cache method, load, versions). */
  differs?: DiffRow[];
  /** The main answer of each report, side by side. */
  crossovers?: CrossoverRow[];
}
