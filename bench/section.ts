/**
 * A section of `frontswap bench` beyond the copy sweep: the ordinary swap device
 * (`device`), the kernel's own swap paths (`kernel`), real page faults (`faults`).
 * Each lives in its own folder under bench/ and exports one `BenchSection`; the
 * CLI's `--sections copy,device,kernel,faults` picks which run, in that order.
 *
 * A section measures, then says what it found in the report's common language:
 * the answer in a sentence first, one picture, tables below, every figure a
 * median with its spread over repetitions.
 */
import type { MachineInfo } from '../lib/machine-info';
import type { TextSink } from './cli/command';

export type SectionName = 'copy' | 'device' | 'kernel' | 'faults';

export interface SectionRunContext {
  machine: MachineInfo;
  /** --quick: a short run (the whole command under a minute). */
  quick: boolean;
  /** --reps N when given, else the section's own default. */
  repetitions: number | null;
  /** A terminal for a progress line, or null. */
  progress: TextSink | null;
  /** --allow-swap-in-use: the user accepts a machine whose swap already holds pages. */
  allowSwapInUse: boolean;
}

export interface SectionChart {
  /** File name written beside report.md, e.g. `device-iops.svg`. */
  file: string;
  svg: string;
}

export interface SectionResult {
  name: SectionName;
  /** Set when the section did not run (not root, no io_uring, …): one line, why and how to run it. */
  skipped: string | null;
  /** The answer in plain words, from the figures; the first thing a reader sees. */
  headline: string;
  /** The section as Markdown (headline, picture link, tables), starting at a `## ` heading. */
  markdown: string;
  /** Charts the Markdown links to (and report.html inlines). */
  charts: SectionChart[];
  /** Everything measured, for report.json (`sections.<name>`), plain JSON data. */
  data: Record<string, unknown>;
  /**
   * The section for report.html (charts inline). bench/report/section-render.ts
   * builds markdown and html from one description, in the report's common language.
   */
  html?: string;
}

export interface BenchSection {
  name: SectionName;
  /** One line for `frontswap bench --help`. */
  summary: string;
  run(ctx: SectionRunContext): Promise<SectionResult>;
  /**
   * The section again from what report.json keeps of it (`sections.<name>`:
   * its `data`, as run() returned it): `frontswap report` redraws the
   * section's Markdown, HTML and charts from this, without measuring.
   */
  render(data: Record<string, unknown>): SectionResult;
}
