/**
 * Puts a report, or a comparison, on disk as the files people open: JSON for
 * tools, Markdown to read or paste, SVG charts, and one self-contained HTML page.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CROSSOVER_CHART_FILE,
  callerCpuChartFile,
  callerCpuCharts,
  chartOps,
  throughputChartFile,
} from './chart-files';
import { compareChart, renderCompareHtml, renderCompareMarkdown, type Comparison } from './compare';
import { answerGrids, gridFile } from './answer-grid';
import { gridChart } from './grid-chart';
import { renderHtml } from './html';
import { formatJson } from './json-format';
import { renderMarkdown } from './markdown';
import type { SectionResult } from '../section';
import type { Report } from './schema';
import { callerCpuChart, crossoverChart, throughputChart } from './svg';

export interface WriteReportOptions {
  /** Write report.json too (default true); false when re-rendering the file that is already there. */
  json?: boolean;
  /** Bench sections run beside the copy sweep: in report.md and report.html, their charts beside them. */
  sections?: readonly SectionResult[];
}

/** report.json text: indented, with anything that fits on a line kept on one line. */
export function formatReportJson(report: Report): string {
  return formatJson(report);
}

/** Writes name → content into `outDir` (created if missing); returns the paths in that order. */
function writeAll(outDir: string, files: [string, string][]): string[] {
  mkdirSync(outDir, { recursive: true });
  return files.map(([name, content]) => {
    const path = join(outDir, name);
    writeFileSync(path, content);
    return path;
  });
}

/**
 * report.json, report.md, answer-<op>-<metric>.svg (the answer grids), throughput-<op>.svg, caller-cpu-<op>-<size>.svg (4 KiB
 * and 2 MiB when measured), crossover.svg and report.html.
 */
export function writeReportFiles(report: Report, outDir: string, options: WriteReportOptions = {}): string[] {
  const files: [string, string][] = [];
  if (options.json !== false) files.push(['report.json', formatReportJson(report)]);
  const sections = options.sections ?? [];
  files.push(['report.md', renderMarkdown(report, { linkCharts: true, sections })]);
  for (const sec of sections) for (const c of sec.charts) files.push([c.file, c.svg]);
  for (const g of answerGrids(report)) files.push([gridFile(g), gridChart(g)]);
  for (const op of chartOps(report)) files.push([throughputChartFile(op), throughputChart(report, op)]);
  for (const { op, pageSize } of callerCpuCharts(report)) {
    files.push([callerCpuChartFile(op, pageSize), callerCpuChart(report, op, pageSize)]);
  }
  files.push([CROSSOVER_CHART_FILE, crossoverChart(report)]);
  files.push(['report.html', renderHtml(report, sections)]);
  return writeAll(outDir, files);
}

/** compare.md, compare.html and compare.svg. */
export function writeComparisonFiles(c: Comparison, outDir: string): string[] {
  return writeAll(outDir, [
    ['compare.md', renderCompareMarkdown(c, { linkChart: true })],
    ['compare.html', renderCompareHtml(c)],
    ['compare.svg', compareChart(c)],
  ]);
}
