/**
 * report.html: the same page as report.md, with the charts inline, in one
 * file that needs nothing else to display.
 */
import { callerCpuCharts } from './chart-files';
import { answerGrids, gridSentence } from './answer-grid';
import { crossoversOf } from './crossover';
import { gridChart } from './grid-chart';
import { HOW_TO_READ, SIGNIFICANCE_NOTE } from './explain';
import { formatJson } from './json-format';
import { h, htmlPage, inlineSvg, p, pre, ul } from './html-page';
import { reportTitle } from './markdown';
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
import { numaSentence, numaTable } from './numa-table';
import type { SectionResult } from '../section';
import type { Report } from './schema';
import { sectionResultHtml } from './section-render';
import { callerCpuChart, throughputChart } from './svg';
import { htmlTable } from './table';

/** `sections`: further bench sections (device, kernel, faults), placed after the copy sweep's answer. */
export function renderHtml(report: Report, sections: readonly SectionResult[] = []): string {
  const out: string[] = [];
  const title = reportTitle(report);
  out.push(h(1, title), p(runLine(report), 'meta'));

  out.push(h(2, 'The answer: where does async beat sync?'));
  for (const g of answerGrids(report)) out.push(inlineSvg(gridChart(g)), p(gridSentence(g)));
  out.push(p(SIGNIFICANCE_NOTE, 'caption'));

  out.push(h(2, 'Crossovers: from what batch does async beat sync?'));
  out.push(ul(crossoverHeadlines(report), 'headlines'));
  if (crossoversOf(report).length > 0) {
    out.push(htmlTable(crossoverTable(report)));
  }

  for (const sec of sections) out.push(sectionResultHtml(sec));

  out.push(h(2, 'How to read this'), p(HOW_TO_READ.join(' ')));
  out.push(h(2, 'Machine'), htmlTable(machineTable(report.machine), 'plain'));
  out.push(h(2, 'Pools'), report.pools.length > 0 ? htmlTable(poolsTable(report), 'plain') : p('No pools recorded.'));
  const numa = numaTable(report);
  if (report.placement) out.push(h(2, 'NUMA: pool node × worker node'), p(numaSentence(report)), ...(numa ? [htmlTable(numa)] : []));

  const tables = cellTables(report);
  const cpuCharts = callerCpuCharts(report);
  for (const op of opsOf(report)) {
    const mine = tables.filter((t) => t.setting.op === op);
    if (mine.length === 0) continue;
    out.push(h(2, `${op}: sync and async by batch size`));
    out.push(inlineSvg(throughputChart(report, op)));
    let lastSize: number | undefined;
    for (const t of mine) {
      if (t.setting.pageSize !== lastSize) {
        lastSize = t.setting.pageSize;
        const size = lastSize;
        if (cpuCharts.some((c) => c.op === op && c.pageSize === size)) out.push(inlineSvg(callerCpuChart(report, op, size)));
      }
      out.push(h(3, t.title), htmlTable(t.table, 'cells'));
    }
  }

  out.push(h(2, 'Baselines'));
  out.push(report.baselines.length > 0 ? htmlTable(baselinesTable(report), 'plain') : p('No baselines measured.'));
  out.push(h(2, 'Notes'), report.notes.length > 0 ? ul(report.notes) : p('None.'));
  out.push(h(2, 'Options'), pre(formatJson(report.options, 100).trimEnd()));
  return htmlPage(title, out.join('\n'));
}
