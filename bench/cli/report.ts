/**
 * `frontswap report` and `frontswap compare`: render report.json files that
 * `frontswap bench` wrote, here or on other machines. A user mistake (a bad
 * flag, a missing or unreadable file) gets one plain message on stderr and an
 * exit code, never a stack trace: 2 for usage, 1 for a report that cannot be read.
 */
import { realpathSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { compareReports, defaultLabel, renderCompareMarkdown } from '../report/compare';
import { renderMarkdown } from '../report/markdown';
import { ReportError, readReport } from '../report/read';
import type { Report } from '../report/schema';
import { writeComparisonFiles, writeReportFiles } from '../report/write';
import type { CliCommand, CliIo } from './command';
import { OutDirError, ensureOutDir } from './out-dir';
import { sectionsFromJson } from './sections';

const EXIT_OK = 0;
const EXIT_UNREADABLE = 1;
const EXIT_USAGE = 2;

class UsageError extends Error {}

/** node:util parseArgs, with its errors turned into one-line usage errors. */
function parse(args: string[]): { files: string[]; out: string | undefined; help: boolean; labels: string[] } {
  try {
    const { values, positionals } = parseArgs({
      args,
      options: {
        out: { type: 'string', short: 'o' },
        label: { type: 'string', short: 'l', multiple: true },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: true,
    });
    if (values.out === '') throw new UsageError('--out needs a directory');
    const labels = values.label ?? [];
    if (labels.some((l) => l.trim() === '')) throw new UsageError('--label needs a name');
    return { files: positionals, out: values.out, help: values.help === true, labels };
  } catch (e) {
    if (e instanceof UsageError) throw e;
    // parseArgs messages are addressed to the user; keep their first sentence ("Unknown option '--x'").
    const text = e instanceof Error ? e.message : String(e);
    throw new UsageError(text.replace(/\. To specify a positional argument[\s\S]*$/, ''));
  }
}

/** One line of the error, for stderr; never a stack. */
function message(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

/** `usage: …`, the summary and the details, as `frontswap <command> --help` prints them. */
function help(command: CliCommand): string {
  return `usage: ${command.usage}\n\n${command.summary}\n\n${command.details ?? ''}\n`;
}

/** Runs `body`, mapping every failure to a message on stderr and an exit code. */
async function guarded(command: CliCommand, io: CliIo, body: () => number): Promise<number> {
  const who = `frontswap ${command.name}`;
  try {
    return body();
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`${who}: ${e.message}\nusage: ${command.usage}\nrun '${who} --help' for more\n`);
      return EXIT_USAGE;
    }
    if (e instanceof OutDirError) {
      io.stderr.write(`${who}: ${e.message}\n`);
      return EXIT_UNREADABLE;
    }
    if (e instanceof ReportError) {
      io.stderr.write(`${who}: ${e.message}\n`);
      return EXIT_UNREADABLE;
    }
    // Anything else (a directory we cannot write, ...) is still the user's environment, not a crash.
    const code = (e as NodeJS.ErrnoException | undefined)?.code;
    io.stderr.write(`${who}: ${message(e)}${code && !message(e).includes(code) ? ` (${code})` : ''}\n`);
    return EXIT_UNREADABLE;
  }
}

/** The same file, even if named two ways (symlinks, relative paths). */
function samePath(a: string, b: string): boolean {
  const real = (p: string): string => {
    try {
      return realpathSync(p);
    } catch {
      return resolve(p);
    }
  };
  return real(a) === real(b);
}

export const reportCommand: CliCommand = {
  name: 'report',
  summary: 'render a bench report.json as Markdown, SVG charts and HTML',
  usage: 'frontswap report FILE.json [--out DIR]',
  details: [
    'Writes report.md, report.html, the SVG charts and a copy of report.json to DIR',
    "(by default the JSON file's directory; the file itself is never rewritten), and",
    'prints report.md.',
    '',
    'options:',
    '  -o, --out DIR   where to write the files',
  ].join('\n'),
  run(args, io) {
    return guarded(reportCommand, io, () => {
      const { files, out, help: wantsHelp, labels } = parse(args);
      if (labels.length > 0) throw new UsageError('--label is for compare');
      if (wantsHelp) {
        io.stdout.write(help(reportCommand));
        return EXIT_OK;
      }
      if (files.length !== 1) {
        throw new UsageError(files.length === 0 ? 'expected a report file' : `expected one report file, got ${files.length}`);
      }
      const file = files[0]!;
      const report = readReport(file);
      const outDir = out ?? dirname(file);
      ensureOutDir(outDir);
      // Re-rendering in place must not rewrite the very file it read.
      const json = !samePath(resolve(outDir, 'report.json'), file);
      // The sections (device, kernel, faults) are redrawn from the data report.json keeps of them.
      const sections = sectionsFromJson(report.sections);
      const written = writeReportFiles(report, outDir, { json, sections });
      io.stdout.write(renderMarkdown(report, { linkCharts: true, sections }));
      io.stderr.write(`frontswap report: wrote ${written.length} files to ${outDir}\n`);
      return EXIT_OK;
    });
  },
};

/** Where compare writes without --out: a folder of its own, never straight into the current directory. */
export const DEFAULT_COMPARE_DIR = 'frontswap-compare';

/**
 * Report labels: those given with --label, in order; for the rest, host, CPU
 * and date ("vm · AMD EPYC · 2026-11-26"), made unique by compareReports.
 */
function labelsFor(reports: readonly Report[], given: readonly string[]): string[] {
  if (given.length > reports.length) throw new UsageError(`${given.length} labels for ${reports.length} reports`);
  return reports.map((r, i) => given[i] ?? defaultLabel(r));
}

export const compareCommand: CliCommand = {
  name: 'compare',
  summary: 'compare two or more bench reports against the first',
  usage: 'frontswap compare A.json B.json [C.json ...] [--label NAME ...] [--out DIR]',
  details: [
    'The first report is the reference: every figure of the others is given as a ratio',
    'to it, where the pools are alike (same size and cache method). Writes compare.md,',
    `compare.html and compare.svg to DIR (by default ./${'frontswap-compare'}) and prints compare.md.`,
    '',
    'options:',
    '  -o, --out DIR      where to write the files',
    '  -l, --label NAME   a short name for the next report, in order (default: host · CPU · date)',
  ].join('\n'),
  run(args, io) {
    return guarded(compareCommand, io, () => {
      const { files, out, help: wantsHelp, labels: given } = parse(args);
      if (wantsHelp) {
        io.stdout.write(help(compareCommand));
        return EXIT_OK;
      }
      if (files.length < 2) {
        throw new UsageError(`expected at least two report files, got ${files.length}`);
      }
      const reports: Report[] = files.map((f) => readReport(f));
      ensureOutDir(out ?? DEFAULT_COMPARE_DIR);
      const labels = labelsFor(reports, given);
      const comparison = compareReports(reports.map((report, i) => ({ label: labels[i]!, report })));
      const written = writeComparisonFiles(comparison, out ?? DEFAULT_COMPARE_DIR);
      io.stdout.write(renderCompareMarkdown(comparison, { linkChart: true }));
      io.stderr.write(`frontswap compare: wrote ${written.join(', ')}\n`);
      return EXIT_OK;
    });
  },
};
