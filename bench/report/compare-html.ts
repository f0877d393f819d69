/**
 * compare.html: compare.md's content with the ratio chart inline, in one
 * self-contained file.
 */
import type { Comparison } from './compare-types';
import { compareChart } from './compare-chart';
import { comparisonTitle } from './compare-markdown';
import {
  baselineCompareTable,
  cellCompareTables,
  compareHeadlines,
  machinesTable,
  crossoverCompareTable,
  partialLine,
  whatDiffersTable,
  reportsTable,
} from './compare-tables';
import { HOW_TO_READ_COMPARISON } from './explain';
import { h, htmlPage, inlineSvg, p, ul } from './html-page';
import { htmlTable } from './table';

export function renderCompareHtml(c: Comparison): string {
  const title = comparisonTitle(c);
  const out: string[] = [h(1, title), p(`Reference: ${c.reference}.`, 'meta')];
  out.push(h(2, 'Summary'), ul(compareHeadlines(c), 'headlines'));
  out.push(h(2, 'What differs'), htmlTable(whatDiffersTable(c), 'plain'));
  if ((c.crossovers ?? []).length > 0) out.push(h(2, 'Crossovers side by side'), htmlTable(crossoverCompareTable(c), 'plain'));
  out.push(inlineSvg(compareChart(c)));
  out.push(h(2, 'How to read this'), p(HOW_TO_READ_COMPARISON.join(' ')));
  out.push(h(2, 'Reports'), htmlTable(reportsTable(c), 'plain'));
  out.push(h(2, 'Machines'), htmlTable(machinesTable(c), 'plain'));
  for (const t of cellCompareTables(c)) out.push(h(2, t.title), htmlTable(t.table));
  if (c.baselines.length > 0) out.push(h(2, 'Baselines'), htmlTable(baselineCompareTable(c)));
  out.push(h(2, 'Only in some reports'));
  out.push(p(c.partial.length > 0 ? partialLine(c) : 'None: every report has the same measurements.'));
  return htmlPage(title, out.join('\n'));
}
