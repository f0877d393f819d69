/**
 * Whether two sets of repetitions differ by more than chance: the two-sided
 * Mann–Whitney U test (Wilcoxon rank-sum), as Google benchmark's compare.py
 * uses. It assumes nothing about the shape of the noise, which for timings is
 * skewed and heavy-tailed. Exact p-values for small samples without ties (the
 * usual case: 3–30 repetitions of a float), the normal approximation with a
 * tie correction otherwise.
 *
 * Multiple comparisons: a report tests hundreds of cells, each at ALPHA. We
 * do not correct (with 5 repetitions a Holm correction over a hundred cells
 * could never find anything); we do as benchstat does and say so: about
 * ALPHA of the cells where nothing differs come out "significant" by chance,
 * so one win among losses means little, and a crossover needs a win at every
 * larger batch measured.
 */

/** The significance level of one test. */
export const ALPHA = 0.05;

/** The name of the test, for captions. */
export const TEST_NAME = 'two-sided Mann–Whitney U test';

export interface UTest {
  /** U of the first sample: pairs (a, b) with a > b, ties counting one half. */
  u: number;
  /** Two-sided p-value. */
  p: number;
  /** The smallest p-value samples of these sizes can give: above ALPHA, the test cannot find anything. */
  minP: number;
  nA: number;
  nB: number;
  exact: boolean;
}

/** Number of arrangements of m a's and n b's with each U value: counts[m][n][u], by the usual recurrence. */
const exactCache = new Map<string, number[]>();
function uCounts(m: number, n: number): number[] {
  const key = `${m},${n}`;
  const hit = exactCache.get(key);
  if (hit) return hit;
  let out: number[];
  if (m === 0 || n === 0) out = [1];
  else {
    // f(m, n, u) = f(m-1, n, u-n) + f(m, n-1, u): the largest value is an a (beating all n b's) or a b.
    const withA = uCounts(m - 1, n);
    const withB = uCounts(m, n - 1);
    out = new Array<number>(m * n + 1).fill(0);
    withA.forEach((c, u) => (out[u + n]! += c));
    withB.forEach((c, u) => (out[u]! += c));
  }
  exactCache.set(key, out);
  return out;
}

/** Largest m·n for the exact distribution (beyond it the normal approximation is good). */
const EXACT_LIMIT = 900;

/** The smallest two-sided p-value of samples of sizes m and n (complete separation). */
export function minimumP(m: number, n: number): number {
  if (m === 0 || n === 0) return 1;
  if (m * n > EXACT_LIMIT) return 0;
  const counts = uCounts(m, n);
  const total = counts.reduce((a, b) => a + b, 0);
  return Math.min(1, (2 * counts[0]!) / total);
}

/** The standard normal CDF (Abramowitz & Stegun 7.1.26 via erf; error < 1.5e-7). */
function normalCdf(z: number): number {
  if (z === 0) return 0.5;
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = Math.max(0, 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x));
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/** Two-sided Mann–Whitney U test of samples `a` and `b` (any order, each non-empty). */
export function mannWhitney(a: readonly number[], b: readonly number[]): UTest {
  const m = a.length;
  const n = b.length;
  if (m === 0 || n === 0) throw new RangeError('mannWhitney() needs at least one value in each sample');
  let u = 0;
  let ties = false;
  for (const x of a) {
    for (const y of b) {
      if (x > y) u += 1;
      else if (x === y) {
        u += 0.5;
        ties = true;
      }
    }
  }
  const minP = minimumP(m, n);
  if (!ties && m * n <= EXACT_LIMIT) {
    const counts = uCounts(m, n);
    const total = counts.reduce((s, c) => s + c, 0);
    // Two-sided: twice the smaller tail, the distribution being symmetric.
    const lo = Math.min(u, m * n - u);
    let tail = 0;
    for (let k = 0; k <= lo; k++) tail += counts[k]!;
    return { u, p: Math.min(1, (2 * tail) / total), minP, nA: m, nB: n, exact: true };
  }
  // Normal approximation with the tie correction of the variance, and a continuity correction.
  const all = [...a, ...b].sort((x, y) => x - y);
  let tieTerm = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j < all.length && all[j] === all[i]) j++;
    const t = j - i;
    tieTerm += t * t * t - t;
    i = j;
  }
  const N = m + n;
  const mean = (m * n) / 2;
  const variance = ((m * n) / 12) * (N + 1 - tieTerm / (N * (N - 1)));
  if (variance <= 0) return { u, p: 1, minP, nA: m, nB: n, exact: false };
  const z = Math.max(0, Math.abs(u - mean) - 0.5) / Math.sqrt(variance);
  return { u, p: Math.min(1, 2 * (1 - normalCdf(z))), minP, nA: m, nB: n, exact: false };
}

/** How many of `tests` tests at ALPHA would come out significant by chance alone if nothing differed. */
export function expectedByChance(tests: number): number {
  return tests * ALPHA;
}
