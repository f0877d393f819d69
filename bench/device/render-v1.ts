/**
 * The device section as reports before the grid over page sizes and depths
 * recorded it (keys `pool-qd<D>`, `<target>-qd<D>`, 4 KiB at QD 1 and 32 only),
 * redrawn from that data by `frontswap report`.
 */
import type { SectionResult } from '../section';
import type { Spread } from './measure';

const PAGES = 16384;  // 64 MiB of 4 KiB slots
const DEPTHS = [1, 32] as const;
const DISCARD_LABELS = ['immediate', 'batch 64', 'none'] as const;

export interface DeviceCell {
  oursWrite: Spread;
  oursRead: Spread;
  fioWrite: Spread | null;
  fioRead: Spread | null;
}

export interface DiscardCost {
  nsPerFree: number;
  discards: number;
  stale: number;
}

/** How it was measured; recorded beside the figures (reports written before it was recorded lack it). */
export interface DeviceRun {
  targets: string[];
  repetitions: number;
  seconds: number;
  fio: boolean;
  skipped: string[];
}

type Data = Record<string, unknown>;

function k(s: Spread): string {
  return `${Math.round(s.median / 1000)} K (${Math.round(s.q1 / 1000)}–${Math.round(s.q3 / 1000)})`;
}

function us(perSecond: number): string {
  return `${(1e6 / perSecond).toFixed(2)} µs`;
}

/** The targets measured: as recorded, else read off the keys (`<target>-qd1`). */
function targetsOf(data: Data): string[] {
  const run = data['run'] as Partial<DeviceRun> | undefined;
  if (Array.isArray(run?.targets)) return run.targets;
  return Object.keys(data)
    .map((key) => /^(.+)-qd1$/.exec(key)?.[1])
    .filter((n): n is string => n !== undefined && n !== 'pool');
}

export function renderDeviceV1(data: Data): SectionResult {
  const run = (data['run'] ?? {}) as Partial<DeviceRun>;
  const targets = targetsOf(data);
  const cell = (name: string, depth: number): DeviceCell => data[`${name}-qd${depth}`] as DeviceCell;
  const pool = (depth: number): { write: Spread; read: Spread } => data[`pool-qd${depth}`] as { write: Spread; read: Spread };
  const haveFio = run.fio ?? targets.some((t) => cell(t, 1).fioWrite !== null);

  const rows: string[] = [];
  const ratios: string[] = [];
  for (const depth of DEPTHS) {
    const p = pool(depth);
    rows.push(`| pool | ${depth === 1 ? '1 (sync copy)' : '32 (copy engine, batch 32)'} | ${k(p.write)} | | | ${k(p.read)} | | |`);
    for (const t of targets) {
      const c = cell(t, depth);
      const rw = c.fioWrite ? c.oursWrite.median / c.fioWrite.median : NaN;
      const rr = c.fioRead ? c.oursRead.median / c.fioRead.median : NaN;
      rows.push(`| ${t} | ${depth === 1 ? '1 (sync vs fio psync)' : '32 (io_uring vs fio io_uring)'} | ${k(c.oursWrite)} | ${c.fioWrite ? k(c.fioWrite) : '—'} | ${rw.toFixed(2)}× | ${k(c.oursRead)} | ${c.fioRead ? k(c.fioRead) : '—'} | ${rr.toFixed(2)}× |`);
      if (haveFio) ratios.push(`${t} QD ${depth} ${rw.toFixed(2)}× / ${rr.toFixed(2)}×`);
    }
  }

  const invalidateNs = data['pool-invalidate-ns'] as number;
  const discardRows: string[] = [`| pool | (invalidatePage) | ${(invalidateNs / 1000).toFixed(3)} µs | 0 | 0 |`];
  const immediate = new Map<string, number>();
  for (const t of targets) {
    for (const label of DISCARD_LABELS) {
      const c = data[`${t}-discard-${label}`] as DiscardCost;
      if (label === 'immediate') immediate.set(t, c.nsPerFree);
      discardRows.push(`| ${t} | ${label} | ${(c.nsPerFree / 1000).toFixed(2)} µs | ${c.discards} | ${c.stale} |`);
    }
  }

  // The answer, from the figures.
  const poolSync = pool(1);
  const fastest = targets.map((t) => ({ t, c: cell(t, 1) })).sort((a, b) => b.c.oursWrite.median - a.c.oursWrite.median)[0]!;
  const blockCost = 1e6 / fastest.c.oursWrite.median - 1e6 / poolSync.write.median;
  const bestAsync = targets.map((t) => ({ t, c: cell(t, 32) })).sort((a, b) => b.c.oursWrite.median - a.c.oursWrite.median)[0]!;
  const beats = bestAsync.c.oursWrite.median > poolSync.write.median;
  const discardText = [...immediate].map(([n, ns]) => `${(ns / 1000).toFixed(1)} µs on ${n}`).join(', ');
  const headline =
    `A 4 KiB store through the block layer costs ${us(fastest.c.oursWrite.median)} on the fastest device here (${fastest.t}, sync) against ${us(poolSync.write.median)} for frontswap's copy into the pool: ${blockCost.toFixed(2)} µs more per page. ` +
    `The asynchronous device at queue depth 32 (${bestAsync.t}, ${k(bestAsync.c.oursWrite)} stores/s) ${beats ? 'beats' : 'does not beat'} synchronous frontswap (${k(poolSync.write)} stores/s). ` +
    `Freeing a slot with an immediate discard costs ${discardText}, against ${invalidateNs.toFixed(0)} ns for frontswap's invalidate.` +
    (ratios.length ? ` Against fio on the same device (write / read): ${ratios.join('; ')}.` : '');
  const how =
    run.repetitions !== undefined && run.seconds !== undefined
      ? `${run.repetitions} repetition(s) of ${run.seconds} s per cell`
      : 'repetitions and their length not recorded in this report';
  const skipped = run.skipped ?? [];
  const markdown = [
    '## The ordinary swap device (SwapDevice vs fio vs the pool)',
    '',
    headline,
    '',
    `4 KiB random overwrites of stored keys and random loads, O_DIRECT, ${PAGES} slots; ${how}, every target visited in each; medians (IQR) in pages/s. ` +
      'Depth 32: two batches of 32 outstanding against a queue of 32 entries (fio: iodepth 32). Pages are incompressible.',
    '',
    '| device | queue depth | SwapDevice writes/s | fio writes/s | ratio | SwapDevice reads/s | fio reads/s | ratio |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    '### Freeing: invalidatePage per discard policy (4096 random frees of stored pages)',
    '',
    '| device | discard | time per freed page | discard calls | stale slots after |',
    '|---|---|---|---|---|',
    ...discardRows,
    '',
    ...(skipped.length ? ['Skipped: ' + skipped.join('; ') + '.', ''] : []),
  ].join('\n');
  return { name: 'device', skipped: null, headline, markdown, charts: [], data };
}
