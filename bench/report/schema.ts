/**
 * report.json: what `frontswap bench` measured, in a form other tools and other
 * machines can read. The schema is versioned: readers refuse a newer major
 * version rather than misread it. Every figure is a Stat over repetitions.
 */

export const REPORT_SCHEMA = 'frontswap-bench';
export const REPORT_VERSION = 1;

/** A figure measured `values.length` times (one value per repetition). */
export interface Stat {
  median: number;
  /** 25th and 75th percentiles (linear interpolation): the spread used for comparisons. */
  q1: number;
  q3: number;
  min: number;
  max: number;
  /** Every repetition, in the order measured. */
  values: number[];
}

export type PoolTemperature = 'hot' | 'cold';
export type Backing = 'hugetlb' | 'thp' | 'normal';
export type Op = 'store' | 'load';
export type WaitMode = 'sleep' | 'spin' | 'adaptive';

/** One pool the run measured on. */
export interface PoolSetup {
  temperature: PoolTemperature;
  pageSize: number;
  pages: number;
  byteLength: number;
  /** What was asked for, and what the kernel gave (checked in smaps). */
  backingRequested: 'auto' | Backing;
  backing: Backing;
  /** Bytes backed by huge pages after prefault (THP or hugetlb). */
  hugeBytes: number;
  streamStores: boolean;
  /** Where the pool's pages were, asked of the kernel (move_pages): a node, 'mixed', or null when it did not say. */
  numaNode?: number | 'mixed' | null;
  /** Cold pools: whether each repetition flushed the lines it touched (cache.method says how). */
  flushed?: boolean;
}

/** One point of the cache probe: ns per dependent load over a buffer of `bytes`. */
export interface CacheProbePoint {
  bytes: number;
  nsPerLoad: number;
}

/** How a cold pool was made cold, and the evidence the cache decisions rest on. */
export interface CacheEvidence {
  /** How a cold repetition starts cold, in words. */
  method: string;
  /** The flush instruction used: 'clflushopt', 'clflush' or 'none'. */
  flush: string;
  /** The last-level cache sysfs reports (null: it did not say). */
  sysfsLastLevelBytes: number | null;
  /** Where the probe's latency crosses halfway from its fastest to its slowest point (null: no knee within the sizes probed). */
  measuredLastLevelBytes: number | null;
  /** The probe: a random pointer chase per size. */
  probe: CacheProbePoint[];
  /** The cache size decisions used: the measured knee where there is one, else sysfs. */
  effectiveLastLevelBytes: number | null;
  /** Cold pools use streaming stores when larger than this (2 × the effective cache); hot pools never. */
  streamStoresAboveBytes: number | null;
}

/** Where the run ran: the CPUs it could use, the NUMA nodes, the engine workers' CPUs as the kernel reported them. */
export interface Placement {
  /** CPUs this process may run on (sched_getaffinity), as a count. */
  allowedCpus: number;
  numaNodes: number;
  /** Memory-only (CPU-less) nodes: CXL or far memory. */
  cpulessNodes: number[];
  /** Pool node × worker node crossing: measured, or why not. */
  numaCrossing: string;
  /** The (pool node, worker node) pairs the crossing measured (absent or empty: none). */
  numaPairs?: NumaPair[];
  /** Per engine setting ("adaptive ×2"): each worker's CPUs, from the first engine of that setting. */
  workerCpus: Record<string, number[][]>;
}

/** One pool node × worker node pair: the pool bound to one node, the engine's workers pinned to another's CPUs. */
export interface NumaPair {
  poolNode: number;
  workerNode: number;
  /** The CPUs the workers were pinned to (the worker node's). */
  workerCpus: number[];
}

/** A cell of the NUMA crossing: an async cell measured with its pool and workers placed. */
export interface NumaCell extends Cell {
  poolNode: number;
  workerNode: number;
}

/** What the planner fitted the run to. */
export interface PlanFacts {
  /** The time budget, in ms. */
  budgetMs: number;
  /** The plan's own estimate before and after fitting, in ms. */
  estimateMs: number;
  fittedEstimateMs: number;
  /** Copy speed the estimate assumed (measured at the start), bytes per ms. */
  estimateBytesPerMs: number;
  /** Measured over estimated time of trial repetitions at the start, applied to the whole estimate. */
  estimateScale?: number;
  /** Peak memory the run takes: the largest pool, the JS destination, the worker copier's buffers. */
  peakMemoryBytes: number;
  /** What the planner changed to fit the budget, in words (empty: nothing). */
  changes: string[];
}

/** Async cells: how the caller's waits ended over the throughput phases of all repetitions, as the engine counted them. */
export interface CompletionPathCounts {
  /** Batches submitted. */
  submissions: number;
  settledAtSubmit: number;
  spunInPlace: number;
  polled: number;
  /** Event-loop wake-ups a worker sent. */
  wokenByWorker: number;
}

export interface Metrics {
  /** Page bytes moved per second, in GB/s (1e9 bytes). */
  gbps: Stat;
  pagesPerSec: Stat;
  /** Wall-clock nanoseconds per page. */
  nsPerPage: Stat;
  /** CPU time of the calling (JS) thread per page, in ns. */
  callerCpuNsPerPage: Stat;
  /** Async cells: the completion paths paid, summed over repetitions (counted by the engine). */
  completionPaths?: CompletionPathCounts;
  /** CPU time of the engine's workers per page, in ns (async and worker baselines only). */
  workerCpuNsPerPage?: Stat;
  /**
   * Latency of one batch, in ns, from submit: to its first completed page and to
   * its last (for sync, the first and last of `batch` back-to-back calls).
   * p50 and p99 within each repetition, then a Stat across repetitions.
   */
  firstLatencyP50Ns?: Stat;
  firstLatencyP99Ns?: Stat;
  lastLatencyP50Ns?: Stat;
  lastLatencyP99Ns?: Stat;
}

/** The key that identifies a cell across runs and machines. */
export interface CellKey {
  op: Op;
  pageSize: number;
  temperature: PoolTemperature;
  backing: Backing;
  /** 'sync' copies on the calling thread; 'async' goes through the CopyEngine. */
  path: 'sync' | 'async';
  /** Async only. */
  waitMode?: WaitMode;
  workers?: number;
  /** Pages per submission (async) or per timed group of calls (sync). */
  batch: number;
  /**
   * Async only: batches in flight at once (queue depth; 1: submit, await, submit
   * the next). Absent in reports written before depth was a dimension: the
   * reader fills it in from `options.depth`, and 1 where that is absent too.
   */
  depth?: number;
  /**
   * Async only: how pages reach the engine. 'registered' (absent: the same):
   * one registered buffer named by id + offset (storeFrom / loadInto);
   * 'views': a plain ArrayBufferView per op (batch.store / batch.load).
   */
  source?: PageSource;
}

/** How an async cell hands its pages to the engine. */
export type PageSource = 'registered' | 'views';

export interface Cell extends CellKey {
  metrics: Metrics;
}

export type BaselineName =
  | 'memcpy' // the pool's own page copy kernel in a C++ loop, without frontswap's bookkeeping: the limit
  | 'glibc-memcpy' // glibc memcpy in a C++ loop: what an addon author gets for free
  | 'typedarray-set' // TypedArray.prototype.set into an equally large ArrayBuffer
  | 'buffer-copy' // Buffer#copy into an equally large Buffer
  | 'naive-async' // one Promise per page through napi_async_work
  | 'js-worker'; // a worker_threads copier over SharedArrayBuffer with Atomics

export interface Baseline {
  name: BaselineName;
  op: Op;
  pageSize: number;
  temperature: PoolTemperature;
  backing: Backing;
  /** Pages per submission, where the baseline has such a thing (naive-async: in flight at once). */
  batch: number;
  metrics: Metrics;
}

export type CrossoverMetric = 'throughput' | 'callerCpu';

/** From what batch size does async beat sync, for one page size and engine setting. */
export interface Crossover {
  op: Op;
  pageSize: number;
  temperature: PoolTemperature;
  backing: Backing;
  waitMode: WaitMode;
  workers: number;
  /** Batches in flight (absent: 1). */
  depth?: number;
  /** How pages reached the engine (absent: registered). */
  source?: PageSource;
  metric: CrossoverMetric;
  /**
   * The smallest batch at which async beats sync with the spread taken into
   * account (async's q1 above sync's q3 for throughput; async's q3 below sync's
   * q1 for caller CPU), and keeps doing so at every larger batch measured;
   * null: never within the batches measured.
   */
  batch: number | null;
  /** Async / sync ratio of medians at that batch (or at the largest batch, if never). */
  ratio: number;
  /** One line for a person. */
  note: string;
}

export interface BenchOptions {
  quick: boolean;
  pageSizes: number[];
  batchSizes: number[];
  waitModes: WaitMode[];
  workers: number[];
  temperatures: PoolTemperature[];
  backings: ('auto' | Backing)[];
  ops: Op[];
  repetitions: number;
  /** Target wall time of one repetition, in ms. */
  sampleMs: number;
  hotPoolBytes: number;
  coldPoolBytes: number;
  baselines: BaselineName[];
  /** Whether sync cells ran, and the exact engine settings measured (quick runs are no cross product). */
  sync?: boolean;
  asyncModes?: { waitMode: WaitMode; workers: number }[];
  /** Page sizes that also ran on the hot pool. */
  hotPageSizes?: number[];
  /** Reports before depth was a dimension: the one queue depth of every async cell. */
  depth?: number;
  /** Queue depths swept: every async cell ran at each (1: submit, await, submit the next). */
  depths?: number[];
  /** How async cells handed pages to the engine (absent: registered only). */
  sources?: PageSource[];
  /** The time budget the planner fitted the run to, in seconds. */
  budgetSeconds?: number;
  /** The backing the whole sweep asked for, and the subset each further backing ran. */
  mainBacking?: 'auto' | Backing;
  backingSubset?: {
    pageSizes: number[];
    batchSizes: number[];
    temperatures: PoolTemperature[];
    ops: Op[];
    sync: boolean;
    asyncModes: { waitMode: WaitMode; workers: number }[];
    depths?: number[];
  };
  /** Share of each repetition spent in the latency phase. */
  latencyShare?: number;
  /** Seed of the key order. */
  seed?: number;
  /** How repetitions were sampled, in words. */
  sampling?: string;
}

export interface Report {
  schema: typeof REPORT_SCHEMA;
  version: number;
  package: { name: string; version: string };
  createdAt: string;
  durationMs: number;
  /** machineInfo() of the machine that ran it. */
  machine: Record<string, unknown>;
  options: BenchOptions;
  /** Huge pages: what the machine had reserved, and why a backing was skipped. */
  notes: string[];
  pools: PoolSetup[];
  baselines: Baseline[];
  cells: Cell[];
  crossovers: Crossover[];
  /** `frontswap bench --sections …`: what each further section (device, kernel, faults) measured, or why it was skipped. */
  sections?: Record<string, unknown>;
  /** Cache method and evidence (absent in reports before it was recorded). */
  cache?: CacheEvidence;
  /** CPU and NUMA placement. */
  placement?: Placement;
  /** The pool node × worker node crossing, where the machine has several nodes (absent: not measured). */
  numa?: NumaCell[];
  /** The planner's budget and estimate. */
  plan?: PlanFacts;
}
