import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ALPHA, mannWhitney, minimumP } from '../bench/report/significance';
import { stat } from '../bench/report/stats';
import { verdictOf, verdictText } from '../bench/report/verdict';

const near = (a: number, b: number, eps = 1e-9): void => assert.ok(Math.abs(a - b) < eps, `${a} is not ${b}`);

describe('Mann–Whitney U test', () => {
  it('equal samples: U is half of m·n and p is 1', () => {
    const a = [10, 11, 12, 13, 14];
    const t = mannWhitney(a, a);
    assert.equal(t.u, 12.5);
    near(t.p, 1);
  });

  it('a clear 2× difference with 5 repetitions each: the exact p of complete separation, 2/C(10,5)', () => {
    const slow = [10, 10.2, 9.9, 10.1, 9.8];
    const fast = slow.map((v) => v * 2);
    const t = mannWhitney(fast, slow);
    assert.equal(t.exact, true);
    assert.equal(t.u, 25);
    near(t.p, 2 / 252);
    near(mannWhitney(slow, fast).p, 2 / 252);
    assert.equal(mannWhitney(slow, fast).u, 0);
  });

  it('exact tail sums: m = n = 4 with one pair out of order gives 2·2/70', () => {
    // U = 1: the distribution has one arrangement at U = 0 and one at U = 1.
    const t = mannWhitney([1, 2, 3, 5], [4, 6, 7, 8]);
    assert.equal(t.u, 1);
    near(t.p, 4 / 70);
  });

  it('overlapping noise is not significant', () => {
    const t = mannWhitney([10, 12, 9, 11, 13], [11, 10.5, 12.5, 13.5, 9.5]);
    assert.ok(t.p > 0.5, `p = ${t.p}`);
  });

  it('the smallest p-value samples can give: 3 a side can never reach 0.05, 4 a side can', () => {
    near(minimumP(3, 3), 0.1);
    near(minimumP(4, 4), 2 / 70);
    assert.ok(minimumP(3, 3) > ALPHA && minimumP(4, 4) < ALPHA);
  });

  it('ties and large samples go through the normal approximation, symmetric in its arguments', () => {
    const a = [1, 2, 2, 3, 3, 3];
    const b = [2, 3, 4, 4, 5, 5];
    const ab = mannWhitney(a, b);
    const ba = mannWhitney(b, a);
    assert.equal(ab.exact, false);
    near(ab.p, ba.p);
    assert.ok(ab.p > 0 && ab.p < 0.1, `p = ${ab.p}`);
    const big = Array.from({ length: 40 }, (_, i) => i);
    const shifted = big.map((v) => v + 100);
    const t = mannWhitney(big, shifted);
    assert.equal(t.exact, false);
    assert.ok(t.p < 1e-10);
    assert.ok(mannWhitney(big, big).p > 0.99);
  });

  it('refuses an empty sample', () => {
    assert.throws(() => mannWhitney([], [1]), RangeError);
  });
});

describe('verdicts', () => {
  const s = (...v: number[]) => stat(v);

  it('async wins throughput when the test says so and its median is higher', () => {
    const v = verdictOf(s(20, 20.4, 19.8, 20.2, 19.6), s(10, 10.2, 9.9, 10.1, 9.8), 'throughput');
    assert.equal(v.winner, 'async');
    assert.equal(v.by, 'u-test');
    assert.equal(verdictText(v, 'throughput'), 'async wins (2.00× throughput)');
  });

  it('more caller CPU is a loss, whatever the ratio looks like', () => {
    const v = verdictOf(s(20, 20.4, 19.8, 20.2, 19.6), s(10, 10.2, 9.9, 10.1, 9.8), 'callerCpu');
    assert.equal(v.winner, 'sync');
    assert.equal(verdictText(v, 'callerCpu'), 'sync wins (2.00× caller CPU)');
    const less = verdictOf(s(5, 5.1, 4.9, 5.2, 4.8), s(10, 10.2, 9.9, 10.1, 9.8), 'callerCpu');
    assert.equal(verdictText(less, 'callerCpu'), 'async wins (0.50× caller CPU)');
  });

  it('a ratio of 1.38 with overlapping repetitions is no significant difference', () => {
    const v = verdictOf(s(13.8, 8, 20, 11, 16), s(10, 14, 7, 12, 9), 'throughput');
    assert.equal(v.winner, 'none');
    assert.equal(verdictText(v, 'throughput'), 'no significant difference (1.38× throughput)');
  });

  it('with 3 repetitions the spread decides, and the words say so', () => {
    const v = verdictOf(s(20, 20.1, 19.9), s(10, 10.1, 9.9), 'throughput');
    assert.equal(v.by, 'spread');
    assert.equal(v.p, null);
    assert.equal(v.winner, 'async');
    assert.match(verdictText(v, 'throughput'), /^async wins \(2\.00× throughput, by spread: too few repetitions for the test\)$/);
  });
});
