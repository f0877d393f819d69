/**
 * `frontswap bench`: measure, on this machine, from what batch size and page
 * size handing copies to the asynchronous engine beats copying synchronously —
 * in throughput, and in CPU taken from the caller — against honest baselines.
 *
 * stdout carries the results only (report.md, or report.json with --json);
 * stderr a progress line when it is a terminal, and one closing line. A bad
 * argument gets one plain message and exit code 2, never a stack trace.
 */
import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { machineInfo } from '../../lib/machine-info';
import { renderMarkdown } from '../report/markdown';
import { formatDuration } from '../report/stats';
import { formatReportJson, writeReportFiles } from '../report/write';
import { BenchUsageError, OPTIONS_HELP, parseBenchArgs, type Parsed } from '../run/options';
import { runBench } from '../run/runner';
import type { CliCommand, CliIo } from './command';

const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

/** Makes sure `dir` exists and can be written, before minutes of measuring. */
function checkOutDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    if (!statSync(dir).isDirectory()) throw new Error('not a directory');
    accessSync(dir, constants.W_OK);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === 'EEXIST' || err.code === 'ENOTDIR' ? 'a file is in the way' : err.code ?? err.message;
    throw new BenchUsageError(`--out ${dir}: cannot write there (${why})`);
  }
}

function isTerminal(sink: unknown): boolean {
  return (sink as { isTTY?: unknown } | null)?.isTTY === true;
}

function errorLine(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const code = (e as NodeJS.ErrnoException).code;
  return `${e.message}${code && !e.message.includes(code) ? ` (${code})` : ''}`;
}

export const benchCommand: CliCommand = {
  name: 'bench',
  summary: 'measure sync vs async page copies on this machine and report the crossovers',
  usage:
    'frontswap bench [--quick] [--out DIR] [--json] [--page-sizes 4k,64k,2m] [--batches 1,4,16] ' +
    '[--modes sync,sleep,spin,adaptive] [--workers 1,2] [--temps hot,cold] [--backings auto,normal,thp,hugetlb] ' +
    '[--ops store,load] [--reps N] [--sample-ms N] [--depth N] [--budget SECONDS] [--cold-pool SIZE]',
  details: [
    'Sweeps page sizes (4 KiB to 2 MiB), batch sizes, sync vs the async engine in each wait mode',
    'and worker count, hot and cold pools, store and load; measures native memcpy, TypedArray.set,',
    'Buffer#copy, a Promise per page (napi_async_work) and a worker_threads copier alongside; and',
    'reports, per page size, from what batch async beats sync in throughput and in caller CPU.',
    'A full run fits a 9-minute budget, --quick 50 s (--budget changes it); the plan, its memory',
    'and its estimated time are printed before anything is measured.',
    '',
    OPTIONS_HELP,
  ].join('\n'),
  async run(args: string[], io: CliIo): Promise<number> {
    const who = 'frontswap bench';
    let parsed: Parsed;
    const machine = machineInfo();
    try {
      parsed = parseBenchArgs(args, { lastLevelCacheBytes: machine.lastLevelCacheBytes });
      if (!parsed.help && parsed.out !== null) checkOutDir(parsed.out);
    } catch (e) {
      if (e instanceof BenchUsageError) {
        io.stderr.write(`${who}: ${e.message}\nusage: ${benchCommand.usage}\nrun '${who} --help' for more\n`);
        return EXIT_USAGE;
      }
      io.stderr.write(`${who}: ${errorLine(e)}\n`);
      return EXIT_FAILED;
    }
    if (parsed.help) {
      io.stdout.write(`usage: ${benchCommand.usage}\n\n${benchCommand.summary}\n\n${benchCommand.details}\n`);
      return EXIT_OK;
    }
    const started = Date.now();
    try {
      const report = await runBench(parsed.options, { machine, progress: isTerminal(io.stderr) ? io.stderr : null, log: io.stderr });
      if (parsed.out !== null) writeReportFiles(report, parsed.out);
      io.stdout.write(parsed.json ? formatReportJson(report) : renderMarkdown(report, { linkCharts: parsed.out !== null }));
      const took = formatDuration(Date.now() - started);
      io.stderr.write(`${who}: done in ${took}${parsed.out !== null ? `, wrote ${resolve(parsed.out)}` : ''}\n`);
      return EXIT_OK;
    } catch (e) {
      io.stderr.write(`${who}: ${errorLine(e)}\n`);
      return EXIT_FAILED;
    }
  },
};
