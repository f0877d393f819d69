/**
 * The report's common language for a bench section (device, kernel, faults):
 * the answer in a sentence, one picture, tables below, and a verdict in
 * words from the same test the copy sweep uses. A section describes what it
 * found as a SectionSpec; this renders its Markdown (for SectionResult) and
 * its HTML (for report.html), so every section reads alike.
 */
import type { SectionChart, SectionName, SectionResult } from '../section';
import { escapeMarkdownText, escapeXml } from './escape';
import { h, inlineSvg } from './html-page';
import { ALPHA, TEST_NAME, mannWhitney } from './significance';
import { formatRatio } from './stats';
import { htmlTable, markdownTable, type Table } from './table';

export interface SectionSpec {
  name: SectionName;
  /** The `## ` heading, e.g. "The ordinary swap device: pwrite vs io_uring". */
  title: string;
  /** The answer in one sentence, from the figures. */
  headline: string;
  /** The one picture; its file is written beside report.md. */
  chart?: SectionChart & { alt: string };
  /** Tables below the picture, each with an optional `### ` title. */
  tables: { title?: string; table: Table }[];
  /** Plain lines after the tables (method, caveats). */
  notes?: string[];
  data: Record<string, unknown>;
}

/** The section as SectionResult wants it: Markdown with the headline first, the picture, the tables. */
export function sectionResult(spec: SectionSpec): SectionResult {
  const out: string[] = [`## ${escapeMarkdownText(spec.title)}`, '', `**${escapeMarkdownText(spec.headline)}**`, ''];
  if (spec.chart) out.push(`![${escapeMarkdownText(spec.chart.alt)}](${spec.chart.file})`, '');
  for (const t of spec.tables) {
    if (t.title) out.push(`### ${escapeMarkdownText(t.title)}`, '');
    out.push(markdownTable(t.table), '');
  }
  for (const n of spec.notes ?? []) out.push(`- ${escapeMarkdownText(n)}`);
  return {
    name: spec.name,
    skipped: null,
    headline: spec.headline,
    markdown: `${out.join('\n').trimEnd()}\n`,
    charts: spec.chart ? [{ file: spec.chart.file, svg: spec.chart.svg }] : [],
    data: spec.data,
    html: sectionHtml(spec),
  };
}

/** A section that did not run: its heading and the one line saying why and how to run it. */
export function skippedSection(name: SectionName, title: string, why: string): SectionResult {
  return {
    name,
    skipped: why,
    headline: why,
    markdown: `## ${escapeMarkdownText(title)}\n\n${escapeMarkdownText(why)}\n`,
    charts: [],
    data: {},
    html: `${h(2, title)}\n<p>${escapeXml(why)}</p>`,
  };
}

/** A section's part of report.html: its own HTML, or its charts and Markdown as text when it has none. */
export function sectionResultHtml(r: SectionResult): string {
  if (r.html) return r.html;
  return [...r.charts.map((c) => inlineSvg(c.svg)), `<pre>${escapeXml(r.markdown)}</pre>`].join('\n');
}

/** The same section as HTML for report.html, the picture inline. */
export function sectionHtml(spec: SectionSpec): string {
  const out = [h(2, spec.title), `<p><strong>${escapeXml(spec.headline)}</strong></p>`];
  if (spec.chart) out.push(inlineSvg(spec.chart.svg));
  for (const t of spec.tables) {
    if (t.title) out.push(h(3, t.title));
    out.push(htmlTable(t.table));
  }
  if (spec.notes?.length) out.push(`<ul>${spec.notes.map((n) => `<li>${escapeXml(n)}</li>`).join('')}</ul>`);
  return out.join('\n');
}

/**
 * Two ways of doing the same thing, in the report's words: "io_uring wins
 * (1.42× IOPS)", "pwrite wins", "no significant difference (1.03× IOPS)" —
 * by the U test over repetitions. `higherIsBetter` says which way wins.
 */
export function compareWords(
  a: { name: string; values: readonly number[] },
  b: { name: string; values: readonly number[] },
  what: string,
  higherIsBetter: boolean,
): string {
  const med = (v: readonly number[]): number => {
    const s = [...v].sort((x, y) => x - y);
    const m = s.length >> 1;
    return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
  };
  const r = med(a.values) / med(b.values);
  const ratio = `${formatRatio(r)} ${what}`;
  const t = mannWhitney(a.values, b.values);
  if (t.minP > ALPHA) return `too few repetitions to tell (${ratio}; ${a.values.length} and ${b.values.length})`;
  if (t.p >= ALPHA) return `no significant difference (${ratio})`;
  const aBetter = higherIsBetter ? r > 1 : r < 1;
  return `${aBetter ? a.name : b.name} wins (${ratio})`;
}

/** A caption sentence that names the test, for a section's tables. */
export const SECTION_TEST_NOTE = `"wins" by a ${TEST_NAME} over the repetitions at p < ${ALPHA}, uncorrected; ratios are medians.`;
