/**
 * What bench:sync and bench:engine share: they are presets of the sweep runner
 * (`frontswap bench` with fixed flags), so their figures come from the same
 * sampler, baselines and report schema as report.json. A preset runs one or
 * more sweeps, then reads the figures it quotes out of the reports, ratios per
 * repetition (the Stat values of two figures of one pool, in the order measured),
 * and checks each against its target.
 */
import { machineInfo, type MachineInfo } from '../../lib/machine-info';
import { parseBenchArgs } from '../run/options';
import { runBench } from '../run/runner';
import type { Baseline, BaselineName, Cell, CellKey, Report, Stat } from '../report/schema';
import { stat } from '../report/stats';

export interface Line {
  what: string;
  value: string;
  target?: string;
  ok?: boolean;
}

/** Runs the sweep the flags describe (as `frontswap bench` would parse them). */
export async function sweep(flags: string[], machine: MachineInfo): Promise<Report> {
  const parsed = parseBenchArgs(flags, { lastLevelCacheBytes: machine.lastLevelCacheBytes });
  if (parsed.help) throw new Error('a preset never asks for help');
  process.stderr.write(`  frontswap bench ${flags.join(' ')}\n`);
  return runBench(parsed.options, { machine, progress: process.stderr.isTTY ? process.stderr : null });
}

type CellQuery = Partial<CellKey>;

function matches(x: object, q: object): boolean {
  return Object.entries(q).every(([k, v]) => (x as Record<string, unknown>)[k] === v);
}

/** The one cell of `r` matching `q`; throws when the sweep did not measure it. */
export function cell(r: Report, q: CellQuery): Cell {
  const found = r.cells.filter((c) => matches(c, q));
  if (found.length !== 1) throw new Error(`expected one cell ${JSON.stringify(q)}, found ${found.length}`);
  return found[0]!;
}

export function baseline(r: Report, q: Partial<Omit<Baseline, 'metrics'>> & { name: BaselineName }): Baseline {
  const found = r.baselines.filter((b) => matches(b, q));
  if (found.length !== 1) throw new Error(`expected one baseline ${JSON.stringify(q)}, found ${found.length}`);
  return found[0]!;
}

/** a / b, repetition by repetition. */
export function perRep(a: Stat, b: Stat, f: (x: number, y: number) => number = (x, y) => x / y): Stat {
  return stat(a.values.map((x, i) => f(x, b.values[i]!)));
}

export function fmt(s: Stat, digits: number, unit: string, scale = 1): string {
  const d = (v: number) => (v * scale).toFixed(digits);
  return `${d(s.median)}${unit} (IQR ${d(s.q1)}–${d(s.q3)})`;
}

/** The lines as one aligned block, under the machine and how it was measured. */
export function render(title: string, m: MachineInfo, reps: number, lines: Line[], started: number): string {
  const out: string[] = [];
  out.push(`frontswap ${title} — ${m.cpu.model ?? 'unknown CPU'}, ${m.cpu.cores} CPUs, Linux ${m.kernel.release}, Node ${process.version}`);
  out.push(`THP ${m.thp?.enabled ?? 'n/a'}, huge pages reserved ${m.hugePages.total}; ${reps} repetitions each (the sweep runner's sampler); medians with interquartile range; ratios per repetition`);
  out.push('');
  const w = Math.max(...lines.map((l) => l.what.length));
  for (const l of lines) {
    const verdict = l.target === undefined ? '' : `  [target ${l.target}: ${l.ok ? 'ok' : 'MISSED'}]`;
    out.push(`${l.what.padEnd(w)}  ${l.value}${verdict}`);
  }
  out.push('');
  out.push(`took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return `${out.join('\n')}\n`;
}

/** Runs a preset as a program: its output on stdout, a failure on stderr with exit code 1. */
export function runPreset(title: string, reps: number, body: (m: MachineInfo, quick: boolean) => Promise<Line[]>): void {
  const quick = process.argv.includes('--quick');
  const m = machineInfo();
  const started = Date.now();
  process.stderr.write(`${title}: sweeps of the bench runner\n`);
  body(m, quick).then(
    (lines) => process.stdout.write(render(title, m, reps, lines, started)),
    (e: unknown) => {
      process.stderr.write(`${title}: ${(e as Error).stack ?? String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
