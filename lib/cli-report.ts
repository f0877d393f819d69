/**
 * `frontswap report` and `frontswap compare`: render report.json files that
 * `frontswap bench` wrote, here or on other machines. A user mistake (a bad
 * flag, a missing or unreadable file) gets one plain message on stderr and an
 * exit code, never a stack trace: 2 for usage, 1 for a report that cannot be read.
 */
import { realpathSync } from 'node:fs';
import { basename, dirname, extname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { compareReports, renderCompareMarkdown } from '../bench/report/compare';
import { renderMarkdown } from '../bench/report/markdown';
import { ReportError, readReport } from '../bench/report/read';
import type { Report } from '../bench/report/schema';
import { writeComparisonFiles, writeReportFiles } from '../bench/report/write';

/** Where a command writes: anything with write(string), such as process.stdout. */
export interface CommandStream {
  write(s: string): unknown;
}

export interface CommandIO {
  stdout: CommandStream;
  stderr: CommandStream;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  /** `args` are the words after the command name; resolves to the exit code. */
  run(args: string[], io: CommandIO): Promise<number>;
}

const EXIT_OK = 0;
const EXIT_UNREADABLE = 1;
const EXIT_USAGE = 2;

class UsageError extends Error {}

/** node:util parseArgs, with its errors turned into one-line usage errors. */
function parse(args: string[]): { files: string[]; out: string | undefined; help: boolean } {
  try {
    const { values, positionals } = parseArgs({
      args,
      options: {
        out: { type: 'string', short: 'o' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: true,
    });
    if (values.out === '') throw new UsageError('--out needs a directory');
    return { files: positionals, out: values.out, help: values.help === true };
  } catch (e) {
    if (e instanceof UsageError) throw e;
    // parseArgs messages are already addressed to the user ("Unknown option '--x'...").
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
}

/** One line of the error, for stderr; never a stack. */
function message(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

/** Runs `body`, mapping every failure to a message and an exit code. */
async function guarded(name: string, usage: string, io: CommandIO, body: () => number): Promise<number> {
  try {
    return body();
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`frontswap ${name}: ${e.message}\n\n${usage}\n`);
      return EXIT_USAGE;
    }
    if (e instanceof ReportError) {
      io.stderr.write(`frontswap ${name}: ${e.message}\n`);
      return EXIT_UNREADABLE;
    }
    // Anything else (a directory we cannot write, ...) is still the user's environment, not a crash.
    const code = (e as NodeJS.ErrnoException | undefined)?.code;
    io.stderr.write(`frontswap ${name}: ${message(e)}${code && !message(e).includes(code) ? ` (${code})` : ''}\n`);
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

const REPORT_USAGE = `Usage: frontswap report FILE.json [--out DIR]

Renders a report.json written by \`frontswap bench\`: writes report.md, report.html,
the SVG charts (and report.json itself) to DIR, by default the JSON file's directory,
and prints report.md.

Options:
  -o, --out DIR   where to write the files
  -h, --help      show this help`;

export const reportCommand: Command = {
  name: 'report',
  summary: 'render a bench report.json as Markdown, SVG charts and HTML',
  usage: REPORT_USAGE,
  run(args, io) {
    return guarded('report', REPORT_USAGE, io, () => {
      const { files, out, help } = parse(args);
      if (help) {
        io.stdout.write(`${REPORT_USAGE}\n`);
        return EXIT_OK;
      }
      if (files.length !== 1) {
        throw new UsageError(files.length === 0 ? 'expected a report file' : `expected one report file, got ${files.length}`);
      }
      const file = files[0]!;
      const report = readReport(file);
      const outDir = out ?? dirname(file);
      // Re-rendering in place must not rewrite the very file it read.
      const json = !samePath(resolve(outDir, 'report.json'), file);
      const written = writeReportFiles(report, outDir, { json });
      io.stdout.write(renderMarkdown(report, { linkCharts: true }));
      io.stderr.write(`frontswap report: wrote ${written.length} files to ${outDir}\n`);
      return EXIT_OK;
    });
  },
};

const COMPARE_USAGE = `Usage: frontswap compare A.json B.json [C.json ...] [--out DIR]

Compares bench reports, the first being the reference: writes compare.md,
compare.html and compare.svg to DIR (by default the current directory) and
prints compare.md.

Options:
  -o, --out DIR   where to write the files
  -h, --help      show this help`;

/** Report labels: file names without .json, or the paths given where names repeat. */
function labelsFor(files: string[]): string[] {
  const names = files.map((f) => basename(f, extname(f)));
  return names.map((n, i) => (names.indexOf(n) !== names.lastIndexOf(n) ? files[i]! : n));
}

export const compareCommand: Command = {
  name: 'compare',
  summary: 'compare two or more bench reports against the first',
  usage: COMPARE_USAGE,
  run(args, io) {
    return guarded('compare', COMPARE_USAGE, io, () => {
      const { files, out, help } = parse(args);
      if (help) {
        io.stdout.write(`${COMPARE_USAGE}\n`);
        return EXIT_OK;
      }
      if (files.length < 2) {
        throw new UsageError(`expected at least two report files, got ${files.length}`);
      }
      const reports: Report[] = files.map((f) => readReport(f));
      const labels = labelsFor(files);
      const comparison = compareReports(reports.map((report, i) => ({ label: labels[i]!, report })));
      const written = writeComparisonFiles(comparison, out ?? '.');
      io.stdout.write(renderCompareMarkdown(comparison, { linkChart: true }));
      io.stderr.write(`frontswap compare: wrote ${written.join(', ')}\n`);
      return EXIT_OK;
    });
  },
};
