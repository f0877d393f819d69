/**
 * Assembles report.json from what the run measured: the schema header, the
 * machine, the exact options, the notes a reader needs to trust the figures,
 * and the crossovers computed from the cells.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MachineInfo } from '../../lib/machine-info';
import { computeCrossovers } from '../report/crossover';
import { compareCellKeys, compareSetting, BASELINE_ORDER, rank } from '../report/labels';
import { REPORT_SCHEMA, REPORT_VERSION, type Baseline, type Cell, type PoolSetup, type Report } from '../report/schema';
import { cellKeyLabel } from '../report/keys';
import { formatBytes, formatNs } from '../report/stats';
import type { RunOptions } from './options';

/** name and version from the package.json of this package (dist/bench/run → the root). */
export function packageInfo(): { name: string; version: string } {
  for (const up of [['..', '..', '..'], ['..', '..']]) {
    try {
      const pkg = JSON.parse(readFileSync(join(__dirname, ...up, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
      if (typeof pkg.name === 'string' && typeof pkg.version === 'string') return { name: pkg.name, version: pkg.version };
    } catch {
      // try the next level
    }
  }
  return { name: 'frontswap', version: '0.0.0' };
}

export interface RunFacts {
  /** When the run began. */
  startedAt: Date;
  durationMs: number;
  /** Cost of one clock read in the latency phases, ns. */
  timerCostNs: number;
  /** Whether the js-worker baseline measured its worker's CPU. */
  jsWorkerCpu: boolean;
}

/** How the async cells kept batches in flight, for the queue depths swept. */
function depthWords(depths: readonly number[]): string {
  const deep = depths.filter((d) => d > 1);
  const one = depths.includes(1)
    ? 'At queue depth 1 an async cell keeps one batch in flight (submit, await, submit the next), so a batch is the pages handed over per round trip. '
    : '';
  if (deep.length === 0) return one;
  return (
    one +
    `At queue depth ${deep.join(', ')} it keeps that many batches in flight in the throughput phase (submit until they are pending, ` +
    'then await the oldest; the ring holds them all); the latency phase times one batch at a time. Grids, crossovers and tables are per depth. '
  );
}

/** The notes every report carries: how it was measured, and what the machine did and did not give. */
export function standardNotes(o: RunOptions, m: MachineInfo, facts: RunFacts): string[] {
  const notes: string[] = [];
  notes.push(
    `Sampling: the runner takes its own repetitions — one unrecorded warm-up, then ${o.repetitions} in which every variant on a pool ` +
      `is sampled in turn (alternating direction), each for at least ${o.sampleMs} ms and 2 batches. A harness such as the ` +
      '`benchmark` package is not used: it is archived and measures neither thread CPU time nor paired repetitions.',
  );
  notes.push(
    depthWords(o.depths) +
      'Each repetition gets a fresh CopyEngine (closed after it, so no idle spinning worker steals a core) with default options ' +
      "(spinMicros 50; completion 'auto': poll for sleep workers, wake-up otherwise; ring of 1024 or the batch if larger), " +
      'and a fresh Frontswap holding every key of the pool (stored once, untimed), so timed ops hit random slots. ' +
      (o.sources.includes('views')
        ? 'Source pages are registered once and named by buffer id and offset (storeFrom / loadInto); cells marked "plain views" ' +
          'name a plain view of each page instead (store / load), as a caller without registered buffers does.'
        : 'Source pages are registered once and named by buffer id and offset (storeFrom / loadInto).'),
  );
  notes.push(
    'Caller CPU is the CPU time of the calling JavaScript thread itself (CLOCK_THREAD_CPUTIME_ID), not of the process. ' +
      'Worker CPU is the engine workers\' thread CPU time over the same sample, idle spinning included (a spin worker burns its core while waiting). ' +
      (facts.jsWorkerCpu
        ? "The js-worker baseline's worker CPU comes from /proc/self/task/<tid>/schedstat. "
        : 'The js-worker baseline\'s worker CPU could not be read here (no /proc/thread-self or schedstat). ') +
      "naive-async has no worker CPU figure: libuv's thread-pool threads cannot be told apart from Node's other threads.",
  );
  notes.push(
    `Latency (first / last page of a batch, from submit) is measured in a separate phase of each repetition (${Math.round(o.latencyShare * 100)}% ` +
      'of the sample time, 3 to 2000 batches): JS polls the workers\' completion counts in the engine\'s shared words and timestamps the ' +
      'first and the last copy as they land — busy-polling for 4 round trips (20 to 200 µs), then sleeping ~10 µs between looks so that a ' +
      'worker waiting for the caller\'s CPU gets it (timestamps after that are late by up to the sleep granularity, ~60 µs); ' +
      'sync: one call, and `batch` calls. p50 and p99 within the repetition, then the median over repetitions; ' +
      `the clock's own cost (${facts.timerCostNs.toFixed(0)} ns a read) is subtracted.`,
  );
  notes.push(
    `Pools: hot ${formatBytes(o.hotPoolBytes)} (at least 4 pages), cold ${formatBytes(o.coldPoolBytes)} ` +
      '(sized by the memory it costs, --cold-pool: each cold repetition flushes the pages it will touch, see the cache note). Source pages: one buffer of up to 8 MiB ' +
      '(4 to 64 pages) reused in turn, so sources are mostly cache-resident: the pool\'s temperature is the destination\'s for store and the source\'s for load. ' +
      'typedarray-set and buffer-copy copy into an ordinary ArrayBuffer as large as the pool (4 KiB pages), js-worker into a SharedArrayBuffer as large; ' +
      "memcpy (the pool's own page copy kernel and streaming choice, without frontswap's bookkeeping), glibc-memcpy and naive-async into reserved slots of the pool itself.",
  );
  if (o.mainBacking === 'auto' && o.backings.length > 1) {
    notes.push(
      `Backings: the main sweep asked for '${o.mainBacking}'; ${o.backings.slice(1).map((b) => `'${b}'`).join(', ')} ran a comparison subset ` +
        `(${o.backingSubset.temperatures.join('/')} pool, ${o.backingSubset.pageSizes.map((p) => formatBytes(p)).join(' and ')} pages, ` +
        `batches ${o.backingSubset.batchSizes.join(' and ')}, ${o.backingSubset.ops.join('/')}). Each pool is recorded with the backing the kernel really gave.`,
    );
  }
  if (m.thp) notes.push(`THP mode: enabled=${m.thp.enabled ?? '?'}, defrag=${m.thp.defrag ?? '?'}.`);
  const maxWorkers = Math.max(0, ...o.asyncModes.map((a) => a.workers));
  if (maxWorkers > 0 && m.cpu.cores <= maxWorkers) {
    notes.push(
      `This machine has ${m.cpu.cores} CPU${m.cpu.cores === 1 ? '' : 's'}: with ${maxWorkers} engine worker${maxWorkers === 1 ? '' : 's'} ` +
        'plus the calling thread, they compete for CPUs: a spinning worker slows the caller down, and in the latency phase, where the ' +
        'calling thread busy-polls, a spinning worker may wait for a scheduler time slice (milliseconds) before it runs.',
    );
  }
  if (m.virtualized) notes.push('Measured inside a virtual machine (the CPU reports a hypervisor): figures include its noise.');
  return notes;
}

/**
 * With one batch in flight, a batch's round trip in the throughput phase is
 * nsPerPage × batch. Where the latency phase saw the last page land much later
 * than that, the two phases disagree: say so, with the likely reason.
 */
export function latencyMismatchNote(cells: readonly Cell[]): string | null {
  const odd = cells.filter((c) => {
    const last = c.metrics.lastLatencyP50Ns?.median;
    if (c.path !== 'async' || last === undefined) return false;
    const roundTrip = c.metrics.nsPerPage.median * c.batch;
    return last > 3 * roundTrip + 50_000;
  });
  if (odd.length === 0) return null;
  const asyncCount = cells.filter((c) => c.path === 'async').length;
  const examples = odd
    .slice()
    .sort((a, b) => b.metrics.lastLatencyP50Ns!.median / (b.metrics.nsPerPage.median * b.batch) - a.metrics.lastLatencyP50Ns!.median / (a.metrics.nsPerPage.median * a.batch))
    .slice(0, 3)
    .map((c) => `${cellKeyLabel(c)}: ${formatNs(c.metrics.lastLatencyP50Ns!.median)} vs a ${formatNs(c.metrics.nsPerPage.median * c.batch)} round trip`);
  return (
    `In ${odd.length} of ${asyncCount} async cells the latency phase saw batches land far later than the throughput phase's round trip ` +
    `(e.g. ${examples.join('; ')}). In the latency phase the calling thread polls instead of sleeping in the event loop, so on a machine ` +
    'with few free CPUs a woken worker can wait for a CPU (up to a scheduler tick, ~4 ms at HZ=250): those latencies describe a busy caller, ' +
    'or a busy machine, more than the engine.'
  );
}

function compareBaselines(a: Baseline, b: Baseline): number {
  return compareSetting(a, b) || rank(BASELINE_ORDER, a.name) - rank(BASELINE_ORDER, b.name) || a.batch - b.batch;
}

export function assembleReport(
  o: RunOptions,
  machine: MachineInfo,
  facts: RunFacts,
  extraNotes: readonly string[],
  pools: readonly PoolSetup[],
  cells: readonly Cell[],
  baselines: readonly Baseline[],
): Report {
  const sortedCells = [...cells].sort(compareCellKeys);
  return {
    schema: REPORT_SCHEMA,
    version: REPORT_VERSION,
    package: packageInfo(),
    createdAt: facts.startedAt.toISOString(),
    durationMs: facts.durationMs,
    machine: machine as unknown as Record<string, unknown>,
    options: o,
    notes: [...standardNotes(o, machine, facts), ...extraNotes, ...[latencyMismatchNote(sortedCells)].filter((n): n is string => n !== null)],
    pools: [...pools],
    baselines: [...baselines].sort(compareBaselines),
    cells: sortedCells,
    crossovers: computeCrossovers(sortedCells),
  };
}
