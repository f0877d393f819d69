/**
 * The NUMA crossing as a table: per page size and batch, each (pool node,
 * worker node) pair's throughput and worker CPU per page, local pairs first.
 * On a machine with one node there is nothing to show but the sentence saying so.
 */
import { modeLabel, modeOf, pageLabel } from './labels';
import type { NumaCell, Report } from './schema';
import { formatNs, formatStat } from './stats';
import type { Table } from './table';

/** The sentence: what was crossed, or why nothing was (empty for a report without placement). */
export function numaSentence(report: Report): string {
  const words = report.placement?.numaCrossing;
  return typeof words === 'string' ? `${words.charAt(0).toUpperCase()}${words.slice(1)}.` : '';
}

/** The table, or null when the run crossed nothing. */
export function numaTable(report: Report): Table | null {
  const cells: NumaCell[] = report.numa ?? [];
  if (cells.length === 0) return null;
  const local = (c: NumaCell): number => (c.poolNode === c.workerNode ? 0 : 1);
  const sorted = [...cells].sort(
    (a, b) => a.op.localeCompare(b.op) || a.pageSize - b.pageSize || a.batch - b.batch || local(a) - local(b) || a.poolNode - b.poolNode || a.workerNode - b.workerNode,
  );
  return {
    columns: [
      { label: 'Op' },
      { label: 'Page', align: 'right' },
      { label: 'Batch', align: 'right' },
      { label: 'Mode' },
      { label: 'Pool node', align: 'right' },
      { label: 'Worker node', align: 'right' },
      { label: 'GB/s', align: 'right' },
      { label: 'Worker CPU/page', align: 'right' },
    ],
    rows: sorted.map((c) => [
      c.op,
      pageLabel(c.pageSize),
      String(c.batch),
      modeLabel(modeOf(c)),
      String(c.poolNode),
      String(c.workerNode),
      formatStat(c.metrics.gbps),
      c.metrics.workerCpuNsPerPage ? formatNs(c.metrics.workerCpuNsPerPage.median) : '–',
    ]),
    caption:
      `${cells[0]!.temperature} pools bound to the pool node (mbind), engine workers pinned to the CPUs of the worker node ` +
      '(sched_setaffinity); the calling thread is not pinned. GB/s: median (q1–q3) over the repetitions.',
  };
}
