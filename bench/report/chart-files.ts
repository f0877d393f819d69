/**
 * Which chart files a report gets and what they are called: write.ts writes
 * them, and report.md links them by the same names.
 */
import { opsOf } from './report-tables';
import type { Op, Report } from './schema';

/** Caller-CPU charts are drawn for the two page sizes frontswap is about, when measured. */
export const CALLER_CPU_CHART_SIZES: readonly number[] = [4096, 2097152];

export const CROSSOVER_CHART_FILE = 'crossover.svg';

export function throughputChartFile(op: Op): string {
  return `throughput-${op}.svg`;
}

export function callerCpuChartFile(op: Op, pageSize: number): string {
  return `caller-cpu-${op}-${pageSize}.svg`;
}

/** Ops that have cells, i.e. a throughput chart. */
export function chartOps(report: Report): Op[] {
  return opsOf(report).filter((op) => report.cells.some((c) => c.op === op));
}

/** (op, page size) pairs that get a caller-CPU chart. */
export function callerCpuCharts(report: Report): { op: Op; pageSize: number }[] {
  return chartOps(report).flatMap((op) =>
    CALLER_CPU_CHART_SIZES.filter((size) => report.cells.some((c) => c.op === op && c.pageSize === size)).map((pageSize) => ({
      op,
      pageSize,
    })),
  );
}
