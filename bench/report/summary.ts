/**
 * What `frontswap bench --out DIR` prints when it is done: the answer per page
 * size (from the answer grids) and where the files are, short enough to read
 * in the terminal without scrolling. The whole report is in the files.
 */
import { answerGrids } from './answer-grid';
import { pageLabel } from './labels';
import { reportTitle } from './markdown';
import { runLine } from './report-tables';
import type { Report } from './schema';
import { ALPHA, TEST_NAME } from './significance';

/** A plain-text table, columns padded to their widest entry. */
function textTable(rows: readonly string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd());
}

export function renderSummary(report: Report, files: readonly string[]): string {
  const grids = answerGrids(report);
  const lines: string[] = [reportTitle(report), runLine(report), ''];
  if (grids.length === 0) {
    lines.push('No async cells with a sync reference: no crossover to report.');
  } else {
    const g0 = grids[0]!;
    const bySpread = grids.some((g) => g.cells.some((c) => c.verdict.by === 'spread'));
    const how = bySpread ? 'non-overlapping spreads: too few repetitions for the U test' : `${TEST_NAME} at p < ${ALPHA}`;
    lines.push(`From what batch async wins (${g0.temperature} pool, best engine mode per cell, ${how}):`);
    const sizes = [...new Set(grids.flatMap((g) => g.pageSizes))].sort((a, b) => a - b);
    const head = [
      'page',
      ...grids.map((g) => `${g.op} ${g.metric === 'throughput' ? 'throughput' : 'caller CPU'}${g.depth === 1 ? '' : ` qd${g.depth}`}`),
    ];
    const rows = sizes.map((size) => [
      pageLabel(size),
      ...grids.map((g) => {
        if (!g.crossover.has(size)) return '–';
        const b = g.crossover.get(size);
        return b === null || b === undefined ? 'never' : `batch ${b}`;
      }),
    ]);
    lines.push(...textTable([head, ...rows]).map((l) => `  ${l}`));
  }
  const md = files.find((f) => f.endsWith('report.md'));
  const html = files.find((f) => f.endsWith('report.html'));
  lines.push('');
  if (md) lines.push(`The whole report: ${md}`);
  if (html) lines.push(`In a browser: ${html}`);
  const rest = files.filter((f) => f !== md && f !== html);
  if (rest.length > 0) lines.push(`Also written: ${rest.length} files (report.json, SVG charts) beside them.`);
  return `${lines.join('\n')}\n`;
}
