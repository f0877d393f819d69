/**
 * The answer grid as SVG: rows are page sizes, columns batch sizes, only
 * measured cells drawn. Colour says who wins and by how much (blue: async,
 * orange: sync; three steps each), a pale cell with "≈" that the test found no
 * significant difference, and a thick line the crossover: right of it async
 * wins at every larger batch. The legend sits below the grid, off the data.
 */
import { gridCounts, gridN, gridTitle, modeShort, type AnswerGrid, type GridCell } from './answer-grid';
import { pageLabel } from './labels';
import { TEST_NAME, ALPHA } from './significance';
import { formatRatio } from './stats';
import { el, openTag } from './svg-element';

const CELL_W = 74;
const CELL_H = 42;
const LEFT = 64;
const TOP = 74;

/** Async's advantage as a factor ≥ 0: above 1 async is better, whatever the metric. */
function advantage(c: GridCell, metric: AnswerGrid['metric']): number {
  const r = c.verdict.ratio;
  if (!Number.isFinite(r) || r <= 0) return 1;
  return metric === 'throughput' ? r : 1 / r;
}

const ASYNC_FILLS = ['#c6dbef', '#6baed6', '#2166ac'];
const SYNC_FILLS = ['#fdd0a2', '#fd8d3c', '#b35806'];
const NONE_FILL = '#f2f2f2';
const STEPS = [1.25, 2];

function fillOf(c: GridCell, metric: AnswerGrid['metric']): { fill: string; ink: string } {
  if (c.verdict.winner === 'none') return { fill: NONE_FILL, ink: '#555555' };
  const a = advantage(c, metric);
  const strength = Math.max(a, 1 / a);
  const step = strength < STEPS[0]! ? 0 : strength < STEPS[1]! ? 1 : 2;
  const fill = (c.verdict.winner === 'async' ? ASYNC_FILLS : SYNC_FILLS)[step]!;
  return { fill, ink: step === 2 ? '#ffffff' : '#111111' };
}

const text = (x: number, y: number, s: string, attrs: Record<string, string | number> = {}): string =>
  el('text', { x, y, 'font-size': 11, ...attrs }, s);

export function gridChart(g: AnswerGrid): string {
  const cols = g.batches.length;
  const rows = g.pageSizes.length;
  const gridW = cols * CELL_W;
  const width = Math.max(LEFT + gridW + 60, 640);
  const legendTop = TOP + rows * CELL_H + 34;
  const height = legendTop + 100;
  const out: string[] = [];
  out.push(
    openTag('svg', {
      xmlns: 'http://www.w3.org/2000/svg',
      width,
      height,
      viewBox: `0 0 ${width} ${height}`,
      'font-family': 'system-ui, -apple-system, "Segoe UI", sans-serif',
      role: 'img',
    }),
  );
  out.push(el('title', {}, gridTitle(g)));
  out.push(el('rect', { x: 0, y: 0, width, height, fill: '#ffffff' }));
  out.push(text(12, 20, gridTitle(g), { 'font-size': 14, 'font-weight': 'bold' }));
  out.push(
    text(12, 38, `${g.temperature} ${g.backing} pool · best of ${g.modes.length} engine mode${g.modes.length === 1 ? '' : 's'} per cell (named in it) · ${gridN(g)}`, {
      fill: '#444444',
    }),
  );
  out.push(text(LEFT + gridW / 2, TOP - 20, 'batch (pages per submission)', { 'text-anchor': 'middle', fill: '#444444' }));
  g.batches.forEach((b, i) => out.push(text(LEFT + i * CELL_W + CELL_W / 2, TOP - 6, String(b), { 'text-anchor': 'middle' })));
  g.pageSizes.forEach((size, r) =>
    out.push(text(LEFT - 8, TOP + r * CELL_H + CELL_H / 2 + 4, pageLabel(size), { 'text-anchor': 'end' })),
  );
  out.push(text(12, TOP - 6, 'page', { fill: '#444444' }));

  for (const c of g.cells) {
    const col = g.batches.indexOf(c.batch);
    const row = g.pageSizes.indexOf(c.pageSize);
    const x = LEFT + col * CELL_W;
    const y = TOP + row * CELL_H;
    const { fill, ink } = fillOf(c, g.metric);
    const none = c.verdict.winner === 'none';
    out.push(el('rect', { x: x + 1, y: y + 1, width: CELL_W - 2, height: CELL_H - 2, fill, stroke: none ? '#bbbbbb' : fill }));
    const p = c.verdict.p === null ? 'by spread' : `p=${c.verdict.p < 0.001 ? '<0.001' : c.verdict.p.toFixed(3)}`;
    out.push(
      el(
        'title',
        {},
        `${pageLabel(c.pageSize)}, batch ${c.batch}, ${modeShort(c.mode)}: ${c.verdict.winner === 'none' ? 'no significant difference' : `${c.verdict.winner} wins`} (${formatRatio(c.verdict.ratio)}, ${p}, n=${c.verdict.nAsync}+${c.verdict.nSync})`,
      ),
    );
    out.push(
      text(x + CELL_W / 2, y + 18, `${none ? '≈ ' : ''}${formatRatio(c.verdict.ratio)}`, {
        'text-anchor': 'middle',
        fill: ink,
        'font-weight': none ? 'normal' : 'bold',
        'font-size': 12,
      }),
    );
    out.push(text(x + CELL_W / 2, y + 33, modeShort(c.mode), { 'text-anchor': 'middle', fill: ink, 'font-size': 10 }));
  }

  // The crossover boundary: a thick line left of each row's first winning batch, joined between rows.
  const edges = g.pageSizes.map((size) => {
    const b = g.crossover.get(size);
    return b === null || b === undefined ? null : LEFT + g.batches.indexOf(b) * CELL_W;
  });
  const line = { stroke: '#000000', 'stroke-width': 3, 'stroke-linecap': 'round' };
  edges.forEach((x, r) => {
    if (x === null) return;
    const y = TOP + r * CELL_H;
    out.push(el('line', { x1: x, y1: y, x2: x, y2: y + CELL_H, ...line }));
    const next = edges[r + 1];
    if (next !== null && next !== undefined && next !== x) out.push(el('line', { x1: x, y1: y + CELL_H, x2: next, y2: y + CELL_H, ...line }));
  });
  g.pageSizes.forEach((size, r) => {
    if (g.crossover.get(size) === null) {
      const lastCol = Math.max(...g.cells.filter((c) => c.pageSize === size).map((c) => g.batches.indexOf(c.batch)));
      out.push(text(LEFT + (lastCol + 1) * CELL_W + 4, TOP + r * CELL_H + CELL_H / 2 + 4, 'never', { fill: '#666666', 'font-size': 10 }));
    }
  });

  // Legend, below the grid.
  const counts = gridCounts(g);
  const ly = legendTop;
  const swatchRows: [string, string][][] = [
    [
      [ASYNC_FILLS[2]!, 'async ≥2×'],
      [ASYNC_FILLS[1]!, 'async 1.25–2×'],
      [ASYNC_FILLS[0]!, 'async <1.25×'],
      [NONE_FILL, '≈ no significant difference'],
    ],
    [
      [SYNC_FILLS[2]!, 'sync ≥2×'],
      [SYNC_FILLS[1]!, 'sync 1.25–2×'],
      [SYNC_FILLS[0]!, 'sync <1.25×'],
    ],
  ];
  swatchRows.forEach((row, r) => {
    let lx = 12;
    for (const [fill, label] of row) {
      out.push(el('rect', { x: lx, y: ly - 10 + r * 18, width: 12, height: 12, fill, stroke: '#999999' }));
      out.push(text(lx + 16, ly + r * 18, label, { 'font-size': 10 }));
      lx += 30 + label.length * 5.6;
    }
  });
  out.push(el('line', { x1: 12, y1: ly + 32, x2: 30, y2: ly + 32, ...line }));
  out.push(text(36, ly + 36, 'crossover: from here on async wins at every larger batch measured', { 'font-size': 10 }));
  const bySpread = g.cells.some((c) => c.verdict.by === 'spread');
  const how = bySpread ? 'by non-overlapping spreads: too few repetitions for the U test' : `${TEST_NAME}, p < ${ALPHA}`;
  const notes = [
    `${counts.async} cells async wins, ${counts.sync} sync wins, ${counts.none} no significant difference (${how}).`,
    `Ratios: async / sync medians. Uncorrected for ${g.cells.length} tests: about ${Math.round(g.cells.length * ALPHA * 10) / 10} could be significant by chance.`,
  ];
  notes.forEach((n, i) => out.push(text(12, ly + 56 + i * 14, n, { 'font-size': 10, fill: '#444444' })));
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
