/**
 * The kernel section in the report's language: the answer first (the hook
 * path against the block path, and where frontswap's copy stands), one
 * picture, then the table with every figure's spread and the counters that
 * prove where the pages went; passes whose counters did not match are listed,
 * not averaged in.
 */
import { escapeMarkdownCell } from '../report/escape';
import { el, openTag } from '../report/svg-element';
import { formatNs, formatRatio, formatStat, outsideSpread, ratio } from '../report/stats';
import type { Stat } from '../report/schema';
import type { Cell } from './measure';
import type { FrontswapCell } from './frontswap-rows';
import type { KernelPath } from './counters';

/** A row from elsewhere (SwapDevice on zram, …): same columns, its own words. */
export interface ExtraRow {
  label: string;
  fill: string;
  huge: boolean;
  outNsPerPage: Stat | null;
  inNsPerPage: Stat | null;
  note: string;
}

export interface KernelReport {
  cells: Cell[];
  frontswap: FrontswapCell[];
  extra: ExtraRow[];
  paths: Partial<Record<KernelPath, string>>;
  compressorNote: string;
  notes: string[];
}

const PATH_LABEL: Record<KernelPath, string> = {
  zswap: 'zswap + swap file (hook path)',
  zram: 'zram only (block path)',
  disk: 'swap file alone (disk)',
};

const ns = (s: Stat | null | undefined): string => (s ? formatStat(s, formatNs) : '–');
const pageLabel = (huge: boolean): string => (huge ? '2 MiB THP' : '4 KiB');

function cellOf(cells: Cell[], path: KernelPath, fill: string, huge: boolean): Cell | undefined {
  return cells.find((c) => c.path === path && c.fill === fill && c.huge === huge);
}

function compare(a: Stat, b: Stat, aName: string, bName: string): string {
  const r = ratio(b.median, a.median);
  if (!outsideSpread(a, b)) return `${aName} and ${bName} are level within the noise`;
  return r > 1 ? `${aName} is ${formatRatio(r)} faster than ${bName}` : `${bName} is ${formatRatio(1 / r)} faster than ${aName}`;
}

export function headline(rep: KernelReport): string {
  const zs = cellOf(rep.cells, 'zswap', 'text', false)?.figures;
  const zr = cellOf(rep.cells, 'zram', 'text', false)?.figures;
  const fsSync = rep.frontswap.find((f) => f.how === 'sync' && f.fill === 'text' && !f.huge);
  if (!zs || !zr) return 'The kernel paths could not both be measured with matching counters on this machine (see below).';
  const out = compare(zs.pageoutNsPerPage, zr.pageoutNsPerPage, 'zswap', 'zram');
  const back = compare(zs.faultInNsPerPage, zr.faultInNsPerPage, 'zswap', 'zram');
  let s = `For a text-like 4 KiB page, zswap (the hook) swaps out in ${formatNs(zs.pageoutNsPerPage.median)} and faults back in ${formatNs(zs.faultInNsPerPage.median)}; `
    + `zram (the block path) takes ${formatNs(zr.pageoutNsPerPage.median)} and ${formatNs(zr.faultInNsPerPage.median)}: out, ${out}; in, ${back}.`;
  if (fsSync) {
    const best = Math.min(zs.pageoutNsPerPage.median, zr.pageoutNsPerPage.median);
    const bestIn = Math.min(zs.faultInNsPerPage.median, zr.faultInNsPerPage.median);
    s += ` Frontswap's synchronous copy stores the same page in ${formatNs(fsSync.storeNsPerPage.median)} and loads it in ${formatNs(fsSync.loadNsPerPage.median)}`
      + `: the faster kernel path costs ${formatRatio(best / fsSync.storeNsPerPage.median)} as much out and ${formatRatio(bestIn / fsSync.loadNsPerPage.median)} as much in — a copy without compression, page tables or a fault, so not the same job.`;
  }
  const folios = folioSentence(rep);
  return folios === null ? s : `${s} ${folios}`;
}

function where(c: Cell): string {
  const ok = c.passes.find((p) => p.verdict.match) ?? c.passes[0];
  if (!ok) return '–';
  const v = ok.verdict;
  const part = (f: { zswap: number; device: number; zero: number }): string =>
    [f.zswap ? `zswap ${f.zswap}` : '', f.device ? `device ${f.device}` : '', f.zero ? `zero ${f.zero}` : ''].filter((x) => x).join(', ') || 'none';
  const folio = c.huge ? `; THP ${v.folios.whole ? `whole ${v.folios.whole}` : ''}${v.folios.split ? `split ${v.folios.split}` : ''}${!v.folios.whole && !v.folios.split ? 'none swapped' : ''}` : '';
  return `out: ${part(v.out)}; in: ${part(v.in)}${folio}`;
}

function matchCell(c: Cell): string {
  const good = c.passes.filter((p) => p.verdict.match).length;
  return good === c.passes.length ? `${good}/${c.passes.length} ✓` : `${good}/${c.passes.length} (mismatches below)`;
}

function table(rep: KernelReport, huge: boolean): string {
  const head = '| path | content | swap-out per 4 KiB | fault-in per 4 KiB | touch p50 | touch p99 | touch max | stored at | where the pages went (vmstat, one pass) | counters match |';
  const rule = '|---|---|---|---|---|---|---|---|---|---|';
  const rows: string[] = [];
  for (const c of rep.cells.filter((x) => x.huge === huge)) {
    const f = c.figures;
    rows.push(`| ${PATH_LABEL[c.path]} | ${c.fill} | ${ns(f?.pageoutNsPerPage)} | ${ns(f?.faultInNsPerPage)} | ${ns(f?.touchP50)} | ${ns(f?.touchP99)} | ${ns(f?.touchMax)} | `
      + `${f?.compressionRatio ? `${f.compressionRatio.toFixed(2)}:1` : '–'} | ${escapeMarkdownCell(where(c))} | ${matchCell(c)} |`);
  }
  for (const f of rep.frontswap.filter((x) => x.huge === huge)) {
    const how = f.how === 'sync' ? 'frontswap store / load, sync' : 'frontswap store / load, CopyEngine batch 32';
    rows.push(`| ${how} (pool: ${f.backing}) | ${f.fill} | ${ns(f.storeNsPerPage)} | ${ns(f.loadNsPerPage)} | – | – | – | 1:1 | pool slots (no kernel swap) | – |`);
  }
  for (const x of rep.extra.filter((e) => e.huge === huge)) {
    rows.push(`| ${escapeMarkdownCell(x.label)} | ${x.fill} | ${ns(x.outNsPerPage)} | ${ns(x.inNsPerPage)} | – | – | – | – | ${escapeMarkdownCell(x.note)} | – |`);
  }
  return [head, rule, ...rows].join('\n');
}

/** One line per cell and reason: "passes 1, 2, 5: why". */
function mismatches(rep: KernelReport): string[] {
  const out: string[] = [];
  for (const c of rep.cells) {
    const byWhy = new Map<string, number[]>();
    c.passes.forEach((p, i) => {
      if (!p.verdict.match) byWhy.set(p.verdict.why ?? '', [...(byWhy.get(p.verdict.why ?? '') ?? []), i + 1]);
    });
    for (const [why, list] of byWhy) {
      out.push(`- ${PATH_LABEL[c.path]}, ${c.fill}, ${pageLabel(c.huge)}, pass${list.length > 1 ? 'es' : ''} ${list.join(', ')} of ${c.passes.length}: ${why}`);
    }
  }
  return out;
}

/** What the kernel did with the 2 MiB folios on each path, from thp_swpout / thp_swpout_fallback. */
export function folioSentence(rep: KernelReport): string | null {
  const fate = (p: KernelPath): string | null => {
    const c = rep.cells.find((x) => x.path === p && x.huge && x.fill === 'random');
    const v = c?.passes[0]?.verdict;
    if (!v) return null;
    if (v.folios.whole > 0 && v.folios.split === 0) return `${p} took them whole`;
    if (v.folios.split > 0 && v.folios.whole === 0) return `${p} split them first`;
    return `${p}: ${v.folios.whole} whole, ${v.folios.split} split`;
  };
  const parts = (['zswap', 'zram', 'disk'] as const).map(fate).filter((x): x is string => x !== null);
  return parts.length === 0 ? null : `Huge pages (2 MiB THP): ${parts.join(', ')} (thp_swpout / thp_swpout_fallback).`;
}

/** One picture: swap-out and fault-in per 4 KiB page, text-like content, 4 KiB pages, every path side by side (the kernel's, frontswap's, the SwapDevice rows). */
export function chart(rep: KernelReport): string {
  const bars: { label: string; out: number; back: number }[] = [];
  for (const c of rep.cells.filter((x) => !x.huge && x.fill === 'text' && x.figures)) {
    bars.push({ label: PATH_LABEL[c.path], out: c.figures!.pageoutNsPerPage.median, back: c.figures!.faultInNsPerPage.median });
  }
  for (const f of rep.frontswap.filter((x) => !x.huge && x.fill === 'text')) {
    bars.push({ label: f.how === 'sync' ? 'frontswap sync' : 'frontswap engine, batch 32', out: f.storeNsPerPage.median, back: f.loadNsPerPage.median });
  }
  for (const e of rep.extra.filter((x) => !x.huge && x.fill === 'text' && x.outNsPerPage && x.inNsPerPage)) {
    bars.push({ label: e.label, out: e.outNsPerPage!.median, back: e.inNsPerPage!.median });
  }
  // Labels sit left of the bars: room for the longest (about 6.6 px a character at 12 px).
  const left = Math.max(230, 20 + Math.ceil(6.6 * Math.max(0, ...bars.map((b) => b.label.length))));
  const W = left + 530, rowH = 44, top = 40;
  const H = top + rowH * bars.length + 30;
  const max = Math.max(1, ...bars.flatMap((b) => [b.out, b.back]));
  const x = (v: number): number => left + ((W - left - 90) * v) / max;
  const parts = [openTag('svg', { xmlns: 'http://www.w3.org/2000/svg', width: W, height: H, viewBox: `0 0 ${W} ${H}`, 'font-family': 'sans-serif', 'font-size': 12 }),
    el('rect', { width: W, height: H, fill: 'white' }),
    el('text', { x: 10, y: 20, 'font-size': 14, 'font-weight': 'bold' }, 'One text-like 4 KiB page: swap-out / store (dark) and fault-in / load (light), median'),
  ];
  bars.forEach((b, i) => {
    const y = top + i * rowH;
    parts.push(el('text', { x: 10, y: y + 20 }, b.label));
    parts.push(el('rect', { x: left, y: y + 4, width: Math.max(1, x(b.out) - left), height: 16, fill: '#31588a' }));
    parts.push(el('text', { x: x(b.out) + 4, y: y + 16 }, formatNs(b.out)));
    parts.push(el('rect', { x: left, y: y + 22, width: Math.max(1, x(b.back) - left), height: 16, fill: '#8fb3de' }));
    parts.push(el('text', { x: x(b.back) + 4, y: y + 34 }, formatNs(b.back)));
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

export const CHART_FILE = 'kernel-paths.svg';

export function renderKernelMarkdown(rep: KernelReport): string {
  const mism = mismatches(rep);
  const pages = rep.cells[0]?.pages ?? 0;
  return [
    '## The kernel\'s own answers: zswap (the hook) and zram (the block device)',
    '',
    headline(rep),
    '',
    `![swap-out and fault-in per page, every path](${CHART_FILE})`,
    '',
    `Each pass maps ${pages} pages of 4 KiB (${(pages * 4) >> 10} MiB) in a child process, fills them, pushes them out with one `
      + '`madvise(MADV_PAGEOUT)` (timed natively: the per-page figure is that call over the page count) and touches every 4 KiB page once '
      + '(each first touch timed natively: fault-in per page is their sum over the page count; p50 / p99 / max are of single touches). '
      + 'Figures are medians over the passes whose counters match, with the interquartile range in brackets.',
    '',
    ...Object.entries(rep.paths).map(([p, d]) => `- **${PATH_LABEL[p as KernelPath]}**: ${d}`),
    `- Compressor: ${rep.compressorNote}.`,
    ...rep.notes.map((n) => `- ${n}`),
    '',
    '### 4 KiB pages',
    '',
    table(rep, false),
    '',
    '### 2 MiB transparent huge pages',
    '',
    table(rep, true),
    '',
    '### How to read it',
    '',
    '- **A kernel figure is a whole swap, not a copy.** Swap-out pays reclaim (rmap walk, unmapping, a TLB flush), a swap slot, '
      + 'the swap cache, a compression attempt (zswap, zram) or a bio (zram, disk). Fault-in pays the page fault, the swap cache lookup, '
      + 'decompression or a read, a page allocation and the page-table update. Frontswap\'s store and load copy 4 KiB between memory the '
      + 'caller already has mapped and a pool slot: no fault, no page tables, no compression. Read the frontswap rows as the floor a '
      + 'swap backend could approach, not as a race they won.',
    '- **The engine rows** are frontswap\'s batched path: 32 pages per submission, one completion (a promise) per batch, the copy on a '
      + 'worker thread; per page they carry 1/32 of a round trip through the event loop.',
    '- **zswap vs zram** is Nitin Gupta\'s question of 2010 asked of today\'s kernel: zswap is called directly from the swap-out path '
      + '(frontswap\'s heir), zram is reached through the block layer as a swap device. Both compress with the compressor named above.',
    '- **Disk swap-out is only the submission**: writeback finishes later; the probe then reclaims what stayed in the swap cache '
      + '(memory.force_empty of its cgroup) so that every fault really reads the disk. Swap readahead makes some touches hit pages '
      + 'brought in by a neighbour\'s fault: p50 is then a minor fault, and the cost sits in p99 and in the per-page sum.',
    '- **Zero pages** never reach zswap, zram or the disk: the swap core keeps a bit per slot (swpout_zero / swpin_zero).',
    '- **Counters**: pswpout / pswpin count pages written to / read from a swap block device (zram or the disk), zswpout / zswpin '
      + 'pages stored in / loaded from zswap, thp_swpout huge folios swapped out whole, thp_swpout_fallback those split first. '
      + 'They are machine-wide, so a pass is kept only if they add up to its own pages (a few pages of slack for the probe\'s own stack).',
    '',
    ...(mism.length === 0 ? ['Every pass\'s counters matched.'] : ['### Passes whose counters did not match (left out of the figures)', '', ...mism]),
    '',
  ].join('\n');
}
