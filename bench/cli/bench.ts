/**
 * `frontswap bench`: measure, on this machine, from what batch size and page
 * size handing copies to the asynchronous engine beats copying synchronously —
 * in throughput, and in CPU taken from the caller — against honest baselines.
 *
 * stdout carries the results only: report.md (or report.json with --json);
 * with --out, a short summary instead (the answer and where the files are),
 * and the whole report.md too with --print-report. stderr a progress line
 * when it is a terminal, and one closing line. A bad
 * argument gets one plain message and exit code 2, never a stack trace.
 */
import { resolve } from 'node:path';
import { machineInfo } from '../../lib/machine-info';
import { renderMarkdown } from '../report/markdown';
import { renderSummary } from '../report/summary';
import { formatDuration } from '../report/stats';
import { formatReportJson, writeReportFiles } from '../report/write';
import { BenchUsageError, OPTIONS_HELP, parseBenchArgs, type Parsed } from '../run/options';
import { runBench } from '../run/runner';
import type { CliCommand, CliIo } from './command';
import { OutDirError, ensureOutDir } from './out-dir';
import {
  SectionsUsageError,
  parseSectionArgs,
  repairLeftovers,
  runSections,
  sectionsHelp,
  sectionsJson,
  writeSectionFiles,
  type SectionArgs,
} from './sections';

const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

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
    '[--ops store,load] [--reps N] [--sample-ms N] [--depths LIST] [--sources LIST] [--budget SECONDS] [--cold-pool SIZE] [--print-report] ' +
    '[--sections copy,device,kernel,faults] [--allow-swap-in-use]',
  details: [
    'Sweeps page sizes (4 KiB to 2 MiB), batch sizes, sync vs the async engine in each wait mode',
    'and worker count at queue depths 1 and 8, hot and cold pools, store and load (and, on several',
    'NUMA nodes, pool node × worker node); measures native memcpy, TypedArray.set, Buffer#copy,',
    'a Promise per page (napi_async_work) and a worker_threads copier alongside; and reports, per',
    'page size and queue depth, from what batch async beats sync in throughput and in caller CPU.',
    'A full run fits a 9-minute budget, --quick 50 s (--budget changes it); the plan, its memory',
    'and its estimated time are printed before anything is measured.',
    'With --out, prints a short summary (the answer per page size, where the files are);',
    '--print-report prints the whole report.md too.',
    '',
    OPTIONS_HELP,
    sectionsHelp(),
  ].join('\n'),
  async run(args: string[], io: CliIo): Promise<number> {
    const who = 'frontswap bench';
    let parsed: Parsed;
    let sectionArgs: SectionArgs;
    const machine = machineInfo();
    // Only what this command prints, so the sweep's parser need not know it.
    const printReport = args.includes('--print-report');
    try {
      sectionArgs = parseSectionArgs(args.filter((a) => a !== '--print-report'));
      parsed = parseBenchArgs(sectionArgs.rest, { lastLevelCacheBytes: machine.lastLevelCacheBytes });
      // Before minutes of measuring: the output directory exists and can be written.
      if (!parsed.help && parsed.out !== null) ensureOutDir(parsed.out);
    } catch (e) {
      if (e instanceof OutDirError) {
        io.stderr.write(`${who}: ${e.message}\n`);
        return EXIT_USAGE;
      }
      if (e instanceof BenchUsageError || e instanceof SectionsUsageError) {
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
      for (const line of repairLeftovers()) io.stderr.write(`${who}: ${line}\n`);
      const progress = isTerminal(io.stderr) ? io.stderr : null;
      const copy = sectionArgs.sections.includes('copy');
      const report = copy ? await runBench(parsed.options, { machine, progress, log: io.stderr }) : null;
      const sections = await runSections(sectionArgs.sections, {
        machine,
        quick: parsed.options.quick,
        repetitions: sectionArgs.rest.some((a) => a === '--reps' || a.startsWith('--reps=')) ? parsed.options.repetitions : null,
        progress,
        allowSwapInUse: sectionArgs.allowSwapInUse,
      });
      for (const sec of sections) if (sec.skipped !== null) io.stderr.write(`${who}: ${sec.name} section skipped: ${sec.skipped}\n`);
      if (report !== null && sections.length > 0) report.sections = sectionsJson(sections);
      const written: string[] = [];
      if (parsed.out !== null) {
        if (report !== null) written.push(...writeReportFiles(report, parsed.out, { sections }));
        else written.push(...writeSectionFiles(sections, parsed.out));
      }
      const files = written.map((f) => resolve(f));
      if (parsed.json) io.stdout.write(report !== null ? formatReportJson(report) : JSON.stringify({ sections: sectionsJson(sections) }, null, 2) + '\n');
      else if (report === null) io.stdout.write(sections.map((r) => (parsed.out === null || printReport ? r.markdown.trimEnd() : `${r.name}: ${r.skipped ?? r.headline}`)).join('\n\n') + '\n' + (files.length ? `\nfiles:\n${files.map((f) => `  ${f}`).join('\n')}\n` : ''));
      else if (parsed.out === null || printReport) io.stdout.write(renderMarkdown(report, { linkCharts: parsed.out !== null, sections }));
      else io.stdout.write(renderSummary(report, files) + sections.map((r) => `\n${r.name}: ${r.skipped ?? r.headline}\n`).join(''));
      const took = formatDuration(Date.now() - started);
      io.stderr.write(`${who}: done in ${took}${parsed.out !== null ? `, wrote ${resolve(parsed.out)}` : ''}\n`);
      return EXIT_OK;
    } catch (e) {
      io.stderr.write(`${who}: ${errorLine(e)}\n`);
      return EXIT_FAILED;
    }
  },
};
