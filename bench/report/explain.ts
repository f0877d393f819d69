/**
 * The words that tell a reader how to take the figures. Markdown and HTML
 * print the same sentences.
 */

export const HOW_TO_READ: readonly string[] = [
  'Every figure is the median over the repetitions; "a (b–c)" gives the median a and the interquartile range b–c (q1–q3). ' +
    'Async and sync count as different only when a two-sided Mann–Whitney U test over the repetitions gives p < 0.05 ' +
    '(with fewer than 4 repetitions a side the test cannot reach that, and non-overlapping ranges decide instead).',
  'Throughput is page bytes moved per second (1 GB/s = 10⁹ bytes/s, higher is better); caller CPU is the CPU time the calling ' +
    'JavaScript thread spends per page (lower is better): with async the copy runs on the engine\'s workers, so this is what offloading saves.',
  'Each async batch is held against sync at the same batch (pages per timed group of calls), or at the nearest smaller batch measured; ' +
    'the crossover is the smallest batch from which async wins at every larger batch measured, and "never" means it did not within them.',
  'A cold pool is much larger than the last-level cache, so copies reach DRAM; a hot pool fits in cache. ' +
    '"Backing got" is what the kernel really gave (transparent huge pages can silently fall back to 4 KiB pages).',
];

export const HOW_TO_READ_COMPARISON: readonly string[] = [
  'The first report is the reference; every other report\'s median is divided by the reference median for the same measurement ' +
    '(same op, page size, pool, backing, path, wait mode, workers and batch).',
  'Throughput ratios above 1 are faster than the reference; caller CPU ratios below 1 take less CPU from the calling thread.',
  'A difference counts (bold, filled marker) only when the interquartile ranges of the two do not overlap; the rest is within the noise.',
  'Measurements that only some reports have are listed at the end; machines are shown side by side, since a ratio across machines ' +
    'compares the machines as much as the code.',
];

/** What a reader must know about chance when a report tests hundreds of cells. */
export const SIGNIFICANCE_NOTE =
  'Who wins a cell is decided by a two-sided Mann–Whitney U test over the repetitions (p < 0.05), not by the medians: ' +
  '"no significant difference" (≈) means the repetitions overlap too much to tell, whatever the ratio. ' +
  'The tests are not corrected for multiple comparisons: about 1 in 20 cells where nothing differs comes out significant by chance, ' +
  'so read single wins among losses with care; a crossover asks for a win at every larger batch measured.';
