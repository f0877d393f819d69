/** The device section's picture: 4 KiB stores/s against queue depth, SwapDevice and fio per device, and the pool. */
import { lineChart, type ChartSeries } from '../report/line-chart';
import type { DeviceCell, DirCell } from './cells';

export const DEVICE_CHART_FILE = 'device-iops.svg';

const COLORS: Record<string, number> = { zram: 0, loop: 1, file: 2 };

export function deviceChart(cells: DeviceCell[], pool: Map<number, { write: DirCell; read: DirCell }>, reps: number): string {
  const four = cells.filter((c) => c.pageSize === 4096);
  const targets = [...new Set(four.map((c) => c.target))];
  const series: ChartSeries[] = [];
  for (const t of targets) {
    const mine = four.filter((c) => c.target === t).sort((a, b) => a.depth - b.depth);
    const color = COLORS[t] ?? 4;
    series.push({ label: `SwapDevice on ${t}`, color, dash: 0, marker: 0, points: mine.map((c) => ({ x: c.depth, y: c.write.perSecond.median, lo: c.write.perSecond.q1, hi: c.write.perSecond.q3 })) });
    const withFio = mine.filter((c) => c.write.fio);
    if (withFio.length) series.push({ label: `fio on ${t}`, color, dash: 1, marker: 1, points: withFio.map((c) => ({ x: c.depth, y: c.write.fio!.iops.median, lo: c.write.fio!.iops.q1, hi: c.write.fio!.iops.q3 })) });
  }
  const p = [...pool].sort((a, b) => a[0] - b[0]);
  if (p.length) series.push({ label: 'pool (sync copy; engine at depth > 1)', color: 6, dash: 2, marker: 2, points: p.map(([d, c]) => ({ x: d, y: c.write.perSecond.median, lo: c.write.perSecond.q1, hi: c.write.perSecond.q3 })) });
  return lineChart({
    title: '4 KiB random stores per second against queue depth',
    subtitle: `SwapDevice (sync at QD 1, io_uring deeper) vs fio (psync, io_uring), same device; median, IQR of ${reps}`,
    xLabel: 'queue depth',
    yLabel: 'stores/s',
    xScale: 'log2',
    yScale: 'log10',
    xFormat: (v) => String(v),
    yFormat: (v) => (v >= 1000 ? `${Math.round(v / 1000)} K` : String(Math.round(v))),
    series,
  });
}
