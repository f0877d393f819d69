/**
 * report.md: a page a person reads top-down. The answer first (crossovers),
 * then how to read it, the machine and pools it was measured on, the figures
 * behind the answer, the baselines, and last the exact options to reproduce it.
 */
import { describeRunFacts } from './run-facts';
import {
  callerCpuChartFile,
  callerCpuCharts,
  throughputChartFile,
} from './chart-files';
import { answerGrids, gridFile, gridSentence, gridTitle } from './answer-grid';
import { crossoversOf } from './crossover';
import { escapeMarkdownText, markdownCodeBlock } from './escape';
import { HOW_TO_READ, SIGNIFICANCE_NOTE } from './explain';
import { formatJson } from './json-format';
import { machineName } from './machine';
import {
  baselinesTable,
  cellTables,
  crossoverHeadlines,
  crossoverTable,
  machineTable,
  opsOf,
  poolsTable,
  runLine,
} from './report-tables';
import type { SectionResult } from '../section';
import type { Report } from './schema';
import { markdownTable } from './table';
import { pageLabel } from './labels';
import { numaSentence, numaTable } from './numa-table';

export interface MarkdownOptions {
  /** Link the chart files that write.ts puts next to report.md. */
  linkCharts?: boolean;
  /** Further bench sections (device, kernel, faults), placed after the copy sweep's answer. */
  sections?: readonly SectionResult[];
}

/** The page title: what was measured, and where. */
export function reportTitle(report: Report): string {
  const where = machineName(report.machine);
  return `frontswap bench: sync vs async page copies${where ? ` on ${where}` : ''}`;
}

export function renderMarkdown(report: Report, options: MarkdownOptions = {}): string {
  const out: string[] = [];
  const para = (...lines: string[]): void => {
    out.push(lines.join('\n'), '');
  };
  const image = (alt: string, file: string): void => {
    if (options.linkCharts) para(`![${escapeMarkdownText(alt)}](${file})`);
  };

  para(`# ${escapeMarkdownText(reportTitle(report))}`);
  para(escapeMarkdownText(runLine(report)));

  para('## The answer: where does async beat sync?');
  for (const g of answerGrids(report)) {
    image(gridTitle(g), gridFile(g));
    para(escapeMarkdownText(gridSentence(g)));
  }
  para(escapeMarkdownText(SIGNIFICANCE_NOTE));

  para('## Crossovers: from what batch does async beat sync?');
  para(...crossoverHeadlines(report).map((l) => `- ${escapeMarkdownText(l)}`));
  if (crossoversOf(report).length > 0) {
    // The answer grids above draw this; crossover.svg is still written, for those who link it.
    para(markdownTable(crossoverTable(report)));
  }

  for (const sec of options.sections ?? []) para(sec.markdown.trimEnd());

  para('## How to read this');
  para(HOW_TO_READ.join(' '));

  para('## Machine');
  para(markdownTable(machineTable(report.machine)));
  para(markdownTable({ columns: [{ label: 'Run' }, { label: '' }], rows: describeRunFacts(report).map((r) => [r.label, r.value]) }));

  para('## Pools');
  para(report.pools.length > 0 ? markdownTable(poolsTable(report)) : 'No pools recorded.');

  if (report.placement) {
    para('## NUMA: pool node × worker node');
    para(escapeMarkdownText(numaSentence(report)));
    const numa = numaTable(report);
    if (numa) para(markdownTable(numa));
  }

  const tables = cellTables(report);
  const cpuCharts = callerCpuCharts(report);
  for (const op of opsOf(report)) {
    const mine = tables.filter((t) => t.setting.op === op);
    if (mine.length === 0) continue;
    para(`## ${op}: sync and async by batch size`);
    image(`${op} throughput by page size`, throughputChartFile(op));
    let lastSize: number | undefined;
    for (const t of mine) {
      if (t.setting.pageSize !== lastSize) {
        lastSize = t.setting.pageSize;
        if (cpuCharts.some((c) => c.op === op && c.pageSize === lastSize)) {
          image(`${op} ${pageLabel(lastSize)}: caller CPU by batch size`, callerCpuChartFile(op, lastSize));
        }
      }
      para(`### ${escapeMarkdownText(t.title)}`);
      para(markdownTable(t.table));
    }
  }

  para('## Baselines');
  para(report.baselines.length > 0 ? markdownTable(baselinesTable(report)) : 'No baselines measured.');

  para('## Notes');
  para(report.notes.length > 0 ? report.notes.map((n) => `- ${escapeMarkdownText(n).replace(/\r?\n/g, '\n  ')}`).join('\n') : 'None.');

  para('## Options');
  para(markdownCodeBlock(formatJson(report.options, 100).trimEnd(), 'json'));

  return `${out.join('\n').trimEnd()}\n`;
}
