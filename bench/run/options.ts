/**
 * What `frontswap bench` measures: its command-line flags turned into the
 * exact options a report records. Defaults differ for a full run and --quick;
 * every flag narrows the sweep, and a bad value is a usage error that names
 * the flag and what it accepts.
 *
 * The runner samples its own repetitions instead of using a harness such as
 * the `benchmark` package (archived, and it measures neither the calling
 * thread's CPU time nor paired repetitions): each repetition of every variant
 * of a pool is taken in turn, so a noisy neighbour hits them alike.
 */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { PAGE_SIZE_SPELLING, isPageSize, sizeFromText } from '../../lib/page-size';
import { SWEEP_BATCHES, SWEEP_PAGE_SIZES } from '../report/labels';
import type { Backing, BaselineName, BenchOptions, NumaPair, Op, PageSource, PoolTemperature, WaitMode } from '../report/schema';

const KiB = 1024;
const MiB = 1024 * KiB;

export const ALL_PAGE_SIZES: readonly number[] = SWEEP_PAGE_SIZES;
export const ALL_BATCHES: readonly number[] = SWEEP_BATCHES;
export const ALL_WAIT_MODES: readonly WaitMode[] = ['sleep', 'spin', 'adaptive'];
export const ALL_SOURCES: readonly PageSource[] = ['registered', 'views'];
/** Queue depths of a full run: one batch in flight, and eight (as io_uring and fio count them). */
export const DEFAULT_DEPTHS: readonly number[] = [1, 8];
/** The deepest queue --depths takes. */
export const MAX_DEPTH = 64;
export const ALL_BASELINES: readonly BaselineName[] = ['memcpy', 'glibc-memcpy', 'typedarray-set', 'buffer-copy', 'naive-async', 'js-worker'];
const BACKING_REQUESTS: readonly ('auto' | Backing)[] = ['auto', 'normal', 'thp', 'hugetlb'];

/** The hot pool: fits in the last-level cache. */
export const HOT_POOL_BYTES = 8 * MiB;
/** The hot pool never has fewer pages than this (2 MiB pages: 4 pages, 8 MiB). */
export const MIN_POOL_PAGES = 4;
/**
 * The cold pool's default size, whatever the cache: cold comes from flushing the
 * lines a repetition touches (cache.ts), so the pool is sized by the memory it
 * costs. --cold-pool changes it; --quick uses half.
 */
export const DEFAULT_COLD_POOL_BYTES = 256 * MiB;
/** Default time budgets of a run, in seconds: the planner fits repetitions and sample times to them. */
export const DEFAULT_BUDGET_S = 540;
export const QUICK_BUDGET_S = 50;
/** Engine worker counts by default go up to this (the CPUs the process may use, minus one). */
export const MAX_DEFAULT_WORKERS = 8;
/**
 * Default repetitions, from the U test's own arithmetic: with n repetitions a
 * side and no ties, the smallest two-sided p the exact test can give is
 * 2 / C(2n, n) — 0.1 at n = 3 (never significant), 0.029 at 4 (only when every
 * repetition of one side beats every one of the other), 0.0079 at 5 (two of the
 * 25 pairs may be out of order), 1.6e-4 at 8. Simulated with lognormal noise of
 * 5% per repetition, a 10% difference comes out at p < 0.05 in ~93% of runs
 * with 8 a side and ~63% with 5 (~97% with 5 at 3% noise): 8 for a full run,
 * 5 for --quick, which must stay under a minute.
 */
export const DEFAULT_REPETITIONS = 8;
export const QUICK_REPETITIONS = 5;

/** One engine setting measured: how its workers wait, and how many there are. */
export interface AsyncMode {
  waitMode: WaitMode;
  workers: number;
}

/** The few cells measured once per extra backing, to compare backings. */
export interface BackingSubset {
  pageSizes: number[];
  batchSizes: number[];
  temperatures: PoolTemperature[];
  ops: Op[];
  sync: boolean;
  asyncModes: AsyncMode[];
  /** The sweep's smallest queue depth only. */
  depths: number[];
}

/**
 * BenchOptions plus what the runner needs to say exactly what it measured.
 * All of it goes into report.json as `options`.
 */
export interface RunOptions extends BenchOptions {
  /** Sync cells measured (`--modes` includes 'sync'). */
  sync: boolean;
  /** The engine settings measured: every async cell has one of these. */
  asyncModes: AsyncMode[];
  /** Page sizes measured on the hot pool (the cold pool gets every page size). */
  hotPageSizes: number[];
  /** Queue depths swept: batches in flight at once per async cell (1: a batch is the pages handed over per round trip). */
  depths: number[];
  /**
   * Depths the planner adds where the budget allows (default 8; none when
   * --depths is given): a full run if shorter samples pay for them, --quick
   * only if it fits as planned.
   */
  optionalDepths: number[];
  /** Pools whose async cells run the depths above 1 (by default cold only, the case frontswap is for; every pool when --depths is given). */
  deepTemperatures: PoolTemperature[];
  /** How async cells hand pages to the engine: registered buffers, plain views, or both. */
  sources: PageSource[];
  /**
   * Pool node × worker node pairs to cross (numa.ts, from the machine's
   * topology: the runner fills them in). With more than one, the backing
   * subset's cells also run once per pair; with one or none, nothing extra.
   */
  numaPairs: NumaPair[];
  /** The first backing runs the whole sweep; each further one runs this subset. */
  mainBacking: 'auto' | Backing;
  backingSubset: BackingSubset;
  /** Share of a repetition's sample time given to the latency phase. */
  latencyShare: number;
  /** Seed of the random key and slot orders. */
  seed: number;
  /** The time budget, in seconds (the planner fits the run to it). */
  budgetSeconds: number;
  /** CPUs the process may use, as counted when the options were made. */
  allowedCpus: number;
  /** How repetitions are taken. */
  sampling: string;
}

/** A mistake in the command line: reported with the usage, exit code 2. */
export class BenchUsageError extends Error {
  readonly code = 'ERR_USAGE';
}

const FLAGS = {
  quick: { type: 'boolean' },
  out: { type: 'string', short: 'o' },
  json: { type: 'boolean' },
  'page-sizes': { type: 'string' },
  batches: { type: 'string' },
  modes: { type: 'string' },
  workers: { type: 'string' },
  temps: { type: 'string' },
  backings: { type: 'string' },
  ops: { type: 'string' },
  reps: { type: 'string' },
  'sample-ms': { type: 'string' },
  depths: { type: 'string' },
  depth: { type: 'string' },
  sources: { type: 'string' },
  baselines: { type: 'string' },
  'cold-pool': { type: 'string' },
  budget: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const OPTIONS_HELP = [
  'options:',
  '  --quick             a short run (under a minute): 4k,64k,2m pages, batches 1,4,16,64,',
  '                      sync + adaptive ×1, sleep ×1, spin ×1, adaptive × the most workers,',
  '                      store only, cold pool (hot pool at 4k only), 5 repetitions of 10 ms',
  '  --budget SECONDS    the time the run may take (default 540; --quick 50): the planner shortens',
  '                      sample times, then repetitions (never below 4), to fit, and says so',
  '  --cold-pool SIZE    bytes of each cold pool (default 256m; --quick 128m; rounded down to a power',
  '                      of two): cold comes from flushing what each repetition touches, not from size',
  '  -o, --out DIR       write report.json, report.md, SVG charts and report.html to DIR',
  '  --json              print report.json instead of report.md',
  '',
  'narrowing the sweep (comma-separated lists):',
  '  --page-sizes LIST   4k,16k,64k,256k,1m,2m (powers of two from 4k to 2m; bytes or k/m units, any case)',
  '  --batches LIST      pages per submission (async) or per timed group (sync): 1,4,16,64,256',
  '  --modes LIST        sync,sleep,spin,adaptive (sync: copies on the calling thread;',
  "                      the others: the engine's wait modes)",
  '  --workers LIST      engine worker threads, 1 to 32 (default 1,2,4,… up to the CPUs this',
  '                      process may use minus one, at most 8)',
  '  --temps LIST        hot (8 MiB pool, fits in cache), cold (--cold-pool; every repetition',
  '                      flushes the pages it will touch from the caches first: clflushopt/clflush)',
  '  --backings LIST     auto,normal,thp,hugetlb: the first runs the whole sweep, each further',
  '                      one a small comparison subset (hugetlb only with huge pages reserved)',
  '  --ops LIST          store,load',
  '  --reps N            repetitions per figure (default 8; --quick 5); see "repetitions" below',
  '  --sample-ms N       time of one repetition in ms (default 25; --quick 10)',
  '  --depths LIST       queue depths: batches in flight per async cell, 1 to 64. 1: submit, await,',
  '                      submit the next; 8: eight batches in flight, as io_uring and fio count it.',
  '                      Default 1, and 8 on the cold pools where the budget allows it (a full run:',
  '                      with shorter samples, never fewer repetitions; --quick: as planned); the',
  '                      plan line says which.',
  '                      Given, every async cell runs at each depth. Grids, crossovers and compare',
  '                      are per depth (--depth N: the same as --depths N)',
  '  --sources LIST      how async cells hand pages to the engine: registered (one registered buffer,',
  '                      named by id + offset), views (a plain ArrayBufferView per op) (default registered)',
  '  --baselines LIST    memcpy,glibc-memcpy,typedarray-set,buffer-copy,naive-async,js-worker',
  "                      (default all; memcpy: the pool's own page copy without frontswap's bookkeeping)",
  '',
  'Every figure is a median with its interquartile range over the repetitions. Repetitions are',
  'sampled by the runner itself, variants in turn, timing many operations per clock read; the',
  '`benchmark` package is archived and measures neither thread CPU time nor paired repetitions.',
  'Async cells keep each --depths value of batches in flight (depth 1: submit, await, submit the next).',
  'On a machine with several NUMA nodes the run also crosses pool node × worker node (the pool bound',
  "to one node, the workers pinned to another's CPUs) on a small subset; on one node it says so.",
  '',
  'repetitions: async and sync differ when a two-sided Mann-Whitney U test over the repetitions',
  'gives p < 0.05. With n repetitions a side its smallest possible p is 2 / C(2n, n): 0.1 at n = 3',
  '(never significant), 0.029 at 4 (every repetition of one side must beat every one of the other),',
  '0.0079 at 5, 1.6e-4 at 8. With 5% noise per repetition, 8 a side detect a 10% difference in ~93%',
  'of runs, 5 in ~63% (~97% at 3% noise): hence 8 by default and 5 with --quick; the budget never',
  'cuts below 4. A noisier machine needs more (--reps) to see 10%.',
].join('\n');

/** Parses "4k", "64KiB", "2m", "4096" into bytes; NaN if it is none of these. */
export function parseSize(text: string): number {
  return sizeFromText(text);
}

/** "4k", "2m", "5000" for people and error messages. */
export function sizeText(bytes: number): string {
  if (bytes % MiB === 0) return `${bytes / MiB}m`;
  if (bytes % KiB === 0) return `${bytes / KiB}k`;
  return String(bytes);
}

function list(flag: string, text: string): string[] {
  const items = text.split(',').map((s) => s.trim());
  if (items.length === 0 || items.some((s) => s === '')) {
    throw new BenchUsageError(`--${flag} needs a comma-separated list without empty items, got '${text}'`);
  }
  return items;
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}

function pageSizes(text: string): number[] {
  return unique(
    list('page-sizes', text).map((s) => {
      // The API's parser (lib/page-size.ts): one spelling for PagePool and the CLI.
      const n = sizeFromText(s);
      if (!isPageSize(n)) throw new BenchUsageError(`--page-sizes: '${s}' is not a page size (${PAGE_SIZE_SPELLING})`);
      return n;
    }),
  ).sort((a, b) => a - b);
}

function integers(flag: string, text: string, min: number, max: number, what: string): number[] {
  return unique(
    list(flag, text).map((s) => {
      const n = /^\d+$/.test(s) ? Number(s) : Number.NaN;
      if (!Number.isSafeInteger(n) || n < min || n > max) {
        throw new BenchUsageError(`--${flag}: '${s}' is not ${what} (a whole number from ${min} to ${max})`);
      }
      return n;
    }),
  ).sort((a, b) => a - b);
}

function words<T extends string>(flag: string, text: string, allowed: readonly T[]): T[] {
  return unique(
    list(flag, text).map((s) => {
      const w = s.toLowerCase();
      if (!(allowed as readonly string[]).includes(w)) {
        throw new BenchUsageError(`--${flag}: unknown value '${s}' (expected ${allowed.join(', ')})`);
      }
      return w as T;
    }),
  );
}

function integer(flag: string, text: string, min: number, max: number): number {
  const n = /^\d+$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new BenchUsageError(`--${flag} must be a whole number from ${min} to ${max}, got '${text}'`);
  }
  return n;
}

/** The cold pool: `bytes` rounded down to a power of two (so its pages are a power of two), at least 8 MiB. */
export function coldPoolBytes(bytes: number = DEFAULT_COLD_POOL_BYTES): number {
  let p = 8 * MiB;
  while (p * 2 <= bytes) p *= 2;
  return p;
}

/** Default worker counts: 1, 2, 4, … up to the CPUs the process may use minus one, at most 8. */
export function defaultWorkerCounts(allowedCpus: number): number[] {
  const top = Math.max(1, Math.min(MAX_DEFAULT_WORKERS, allowedCpus - 1));
  const out: number[] = [];
  for (let w = 1; w <= top; w *= 2) out.push(w);
  return out;
}

/** Pages of a pool of `bytes` for `pageSize`, never fewer than MIN_POOL_PAGES. */
export function poolPages(bytes: number, pageSize: number): number {
  return Math.max(MIN_POOL_PAGES, Math.floor(bytes / pageSize));
}

function pickOr<T>(present: readonly T[], wanted: readonly T[], fallback: readonly T[]): T[] {
  const hit = wanted.filter((w) => present.includes(w));
  return hit.length > 0 ? hit : [...fallback];
}

/**
 * The comparison subset of the sweep each extra backing runs: cold pool, 4 KiB
 * and 2 MiB pages, batches 1 and 64, sync and adaptive ×1, store — within what
 * the sweep measures: its smallest and largest page size where 4 KiB or 2 MiB is
 * missing, its smallest batch and its largest batch up to 64, its smallest
 * queue depth, and so on.
 */
export function backingSubsetOf(o: Pick<RunOptions, 'pageSizes' | 'batchSizes' | 'temperatures' | 'ops' | 'sync' | 'asyncModes' | 'depths'>): BackingSubset {
  const sizes = o.pageSizes;
  const batches = o.batchSizes;
  const modes = o.asyncModes;
  const adaptive1 = modes.filter((m) => m.waitMode === 'adaptive' && m.workers === 1);
  const upTo64 = batches.filter((b) => b <= 64);
  return {
    pageSizes: unique([sizes.includes(4 * KiB) ? 4 * KiB : sizes[0]!, sizes.includes(2 * MiB) ? 2 * MiB : sizes[sizes.length - 1]!]),
    batchSizes: unique([batches[0]!, upTo64.length > 0 ? upTo64[upTo64.length - 1]! : batches[0]!]),
    temperatures: pickOr(o.temperatures, ['cold'], [o.temperatures[0]!]),
    ops: pickOr(o.ops, ['store'], [o.ops[0]!]),
    sync: o.sync,
    asyncModes: adaptive1.length > 0 ? adaptive1 : modes.slice(0, 1),
    depths: [o.depths[0]!],
  };
}

export interface ParseContext {
  /** machineInfo().lastLevelCacheBytes (recorded; the cache evidence is measured in the run). */
  lastLevelCacheBytes: number | null;
  /** CPUs this process may use (default os.availableParallelism()): sizes the default worker counts. */
  cpus?: number;
}

/**
 * The parsed command line: a request for help, or what to measure (`options`,
 * recorded in the report) and where the results go (`out`: null prints only).
 */
export type Parsed = { help: true } | { help: false; options: RunOptions; out: string | null; json: boolean };

/**
 * `--sample-ms -1` as `--sample-ms=-1`: parseArgs takes a value that starts
 * with a dash for another option and words a three-line "ambiguous" error; the
 * flag's own check then says what is wrong with the value, in one line.
 */
function joinNegativeValues(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const flag = a.startsWith('--') ? FLAGS[a.slice(2) as keyof typeof FLAGS] : undefined;
    const next = args[i + 1];
    if (flag?.type === 'string' && next !== undefined && /^-[\d.]/.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else {
      out.push(a);
    }
  }
  return out;
}

/** Parses `frontswap bench` arguments; throws BenchUsageError on any mistake. */
export function parseBenchArgs(args: readonly string[], ctx: ParseContext): Parsed {
  let values: { [K in keyof typeof FLAGS]?: (typeof FLAGS)[K]['type'] extends 'boolean' ? boolean : string };
  try {
    const parsed = parseArgs({ args: joinNegativeValues(args), options: FLAGS, strict: true, allowPositionals: false });
    values = parsed.values as typeof values;
  } catch (e) {
    // parseArgs words its errors for users; its first sentence is the point.
    const text = e instanceof Error ? e.message : String(e);
    throw new BenchUsageError(text.replace(/\. To specify a positional argument[\s\S]*$/, '').replace(/\.$/, ''));
  }
  if (values.help) return { help: true };

  const quick = values.quick === true;
  const given = (k: keyof typeof FLAGS): string | undefined => {
    const v = values[k];
    return typeof v === 'string' ? v : undefined;
  };

  const pageSizesGiven = given('page-sizes');
  const tempsGiven = given('temps');
  const modesGiven = given('modes');
  const workersGiven = given('workers');

  const sizes = pageSizesGiven !== undefined ? pageSizes(pageSizesGiven) : quick ? [4 * KiB, 64 * KiB, 2 * MiB] : [...ALL_PAGE_SIZES];
  const batchesText = given('batches');
  const batchSizes = batchesText !== undefined ? integers('batches', batchesText, 1, 65536, 'a batch size') : quick ? [1, 4, 16, 64] : [...ALL_BATCHES];

  const modeWords = modesGiven !== undefined ? words('modes', modesGiven, ['sync', ...ALL_WAIT_MODES] as const) : undefined;
  const sync = modeWords ? modeWords.includes('sync') : true;
  const waitModesGiven = modeWords?.filter((m): m is WaitMode => m !== 'sync');
  const workerCounts = workersGiven !== undefined ? integers('workers', workersGiven, 1, 32, 'a worker count') : undefined;

  const allowedCpus = ctx.cpus ?? availableParallelism();
  const defaultWorkers = defaultWorkerCounts(allowedCpus);
  let asyncModes: AsyncMode[];
  if (quick && waitModesGiven === undefined && workerCounts === undefined) {
    asyncModes = [
      { waitMode: 'adaptive', workers: 1 },
      { waitMode: 'sleep', workers: 1 },
      { waitMode: 'spin', workers: 1 },
    ];
    const most = defaultWorkers[defaultWorkers.length - 1]!;
    if (most > 1) asyncModes.push({ waitMode: 'adaptive', workers: most });
  } else {
    const wm = waitModesGiven ?? [...ALL_WAIT_MODES];
    const wk = workerCounts ?? (quick ? [1] : defaultWorkers);
    asyncModes = wk.flatMap((workers) => wm.map((waitMode) => ({ waitMode, workers })));
  }
  if (!sync && asyncModes.length === 0) throw new BenchUsageError('--modes must name at least one mode');

  const temperatures = tempsGiven !== undefined ? words('temps', tempsGiven, ['hot', 'cold'] as const) : (['hot', 'cold'] as PoolTemperature[]);
  // --quick measures the hot pool at 4 KiB only, unless the sweep was narrowed by hand.
  const hotPageSizes = quick && pageSizesGiven === undefined && tempsGiven === undefined ? sizes.filter((s) => s === 4 * KiB) : [...sizes];

  const backingsText = given('backings');
  const backings = backingsText !== undefined ? words('backings', backingsText, BACKING_REQUESTS) : [...BACKING_REQUESTS];
  const opsText = given('ops');
  const ops = opsText !== undefined ? words('ops', opsText, ['store', 'load'] as const) : quick ? (['store'] as Op[]) : (['store', 'load'] as Op[]);

  const repsText = given('reps');
  const repetitions = repsText !== undefined ? integer('reps', repsText, 1, 1000) : quick ? QUICK_REPETITIONS : DEFAULT_REPETITIONS;
  const sampleText = given('sample-ms');
  const sampleMs = sampleText !== undefined ? integer('sample-ms', sampleText, 1, 60000) : quick ? 10 : 25;

  const depthsText = given('depths');
  const depthText = given('depth');
  if (depthsText !== undefined && depthText !== undefined) throw new BenchUsageError('--depth and --depths: give one of them');
  const depths =
    depthsText !== undefined
      ? integers('depths', depthsText, 1, MAX_DEPTH, 'a queue depth')
      : depthText !== undefined
        ? [integer('depth', depthText, 1, MAX_DEPTH)]
        : [1];
  const depthsGiven = depthsText !== undefined || depthText !== undefined;
  // Depth 8 by default, where the budget allows it (plan.ts, fitToBudget).
  const deepTemperatures = depthsGiven ? [...temperatures] : temperatures.filter((t) => t === 'cold');
  const optionalDepths = depthsGiven || deepTemperatures.length === 0 ? [] : DEFAULT_DEPTHS.filter((d) => !depths.includes(d));
  const sourcesText = given('sources');
  const sources = sourcesText !== undefined ? words('sources', sourcesText, ALL_SOURCES) : (['registered'] as PageSource[]);
  const baselinesText = given('baselines');
  const baselines = baselinesText !== undefined ? words('baselines', baselinesText, ALL_BASELINES) : [...ALL_BASELINES];

  const coldText = given('cold-pool');
  let coldBytes = quick ? DEFAULT_COLD_POOL_BYTES / 2 : DEFAULT_COLD_POOL_BYTES;
  if (coldText !== undefined) {
    coldBytes = parseSize(coldText);
    if (!Number.isSafeInteger(coldBytes) || coldBytes < 8 * MiB || coldBytes > 64 * 1024 * MiB) {
      throw new BenchUsageError(`--cold-pool: '${coldText}' is not a pool size (8m to 65536m, e.g. 256m)`);
    }
  }
  const budgetText = given('budget');
  const budgetSeconds = budgetText !== undefined ? integer('budget', budgetText, 5, 86400) : quick ? QUICK_BUDGET_S : DEFAULT_BUDGET_S;

  const out = given('out');
  if (out !== undefined && out.trim() === '') throw new BenchUsageError('--out needs a directory');

  const waitModes = unique(asyncModes.map((m) => m.waitMode));
  const workers = unique(asyncModes.map((m) => m.workers)).sort((a, b) => a - b);
  const base = { pageSizes: sizes, batchSizes, temperatures, ops, sync, asyncModes, depths };
  const options: RunOptions = {
    quick,
    pageSizes: sizes,
    batchSizes,
    waitModes,
    workers,
    temperatures,
    backings,
    ops,
    repetitions,
    sampleMs,
    hotPoolBytes: HOT_POOL_BYTES,
    coldPoolBytes: coldPoolBytes(coldBytes),
    baselines,
    sync,
    asyncModes,
    hotPageSizes,
    depths,
    optionalDepths,
    deepTemperatures,
    sources,
    numaPairs: [],
    mainBacking: backings[0]!,
    backingSubset: backingSubsetOf(base),
    latencyShare: 0.25,
    seed: 0x5eed,
    budgetSeconds,
    allowedCpus,
    sampling:
      'own sampler: one unrecorded warm-up repetition, then every variant of a pool sampled in turn per repetition ' +
      '(the `benchmark` package is archived and measures neither thread CPU time nor paired repetitions)',
  };
  return { help: false, options, out: out ?? null, json: values.json === true };
}
