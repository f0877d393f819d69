/**
 * compare.md: how other reports differ from the reference, the answer first
 * (counts of real differences), then the machines, then every figure.
 */
import type { Comparison } from './compare-types';
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
import { escapeMarkdownText } from './escape';
import { HOW_TO_READ_COMPARISON } from './explain';
import { markdownTable } from './table';

export interface CompareMarkdownOptions {
  /** Link compare.svg, written next to compare.md. */
  linkChart?: boolean;
}

/** "frontswap bench comparison: a vs b vs c". */
export function comparisonTitle(c: Comparison): string {
  return `frontswap bench comparison: ${c.labels.join(' vs ')}`;
}

export function renderCompareMarkdown(c: Comparison, options: CompareMarkdownOptions = {}): string {
  const out: string[] = [];
  const para = (...lines: string[]): void => {
    out.push(lines.join('\n'), '');
  };
  para(`# ${escapeMarkdownText(comparisonTitle(c))}`);
  para(`Reference: ${escapeMarkdownText(c.reference)}.`);

  para('## Summary');
  para(...compareHeadlines(c).map((l) => `- ${escapeMarkdownText(l)}`));
  para('## What differs');
  para(markdownTable(whatDiffersTable(c)));
  if ((c.crossovers ?? []).length > 0) {
    para('## Crossovers side by side');
    para(markdownTable(crossoverCompareTable(c)));
  }
  if (options.linkChart) para('![Throughput ratio to the reference by page size](compare.svg)');

  para('## How to read this');
  para(HOW_TO_READ_COMPARISON.join(' '));

  para('## Reports');
  para(markdownTable(reportsTable(c)));
  para('## Machines');
  para(markdownTable(machinesTable(c)));

  for (const t of cellCompareTables(c)) {
    para(`## ${escapeMarkdownText(t.title)}`);
    para(markdownTable(t.table));
  }

  if (c.baselines.length > 0) {
    para('## Baselines');
    para(markdownTable(baselineCompareTable(c)));
  }

  para('## Only in some reports');
  para(c.partial.length > 0 ? escapeMarkdownText(partialLine(c)) : 'None: every report has the same measurements.');
  return `${out.join('\n').trimEnd()}\n`;
}
