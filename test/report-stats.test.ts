import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  formatBytes,
  formatBytesShort,
  formatDuration,
  formatGbps,
  formatNs,
  formatRatio,
  formatSi,
  formatStat,
  outsideSpread,
  quantile,
  sig3,
  stat,
} from '../bench/report/stats';

describe('stat', () => {
  it('interpolates quartiles linearly between order statistics and keeps the measured order', () => {
    const s = stat([4, 1, 3, 2]);
    assert.equal(s.median, 2.5);
    assert.equal(s.q1, 1.75);
    assert.equal(s.q3, 3.25);
    assert.equal(s.min, 1);
    assert.equal(s.max, 4);
    assert.deepEqual(s.values, [4, 1, 3, 2]);
  });

  it('handles odd counts and a single value', () => {
    const s = stat([10, 50, 20, 40, 30]);
    assert.deepEqual([s.q1, s.median, s.q3], [20, 30, 40]);
    const one = stat([7]);
    assert.deepEqual([one.min, one.q1, one.median, one.q3, one.max], [7, 7, 7, 7, 7]);
    assert.throws(() => stat([]), RangeError);
    assert.equal(quantile([0, 10], 0.3), 3);
  });

  it('does not alias the input array', () => {
    const input = [3, 1, 2];
    const s = stat(input);
    input[0] = 99;
    assert.deepEqual(s.values, [3, 1, 2]);
  });
});

describe('outsideSpread', () => {
  it('is true only when the interquartile ranges do not overlap, in either order', () => {
    const a = stat([1, 2, 3, 4, 5]); // q1 2, q3 4
    const b = stat([5, 6, 7, 8, 9]); // q1 6, q3 8
    const c = stat([3, 4, 5, 6, 7]); // q1 4, q3 6: touching counts as overlapping
    assert.equal(outsideSpread(a, b), true);
    assert.equal(outsideSpread(b, a), true);
    assert.equal(outsideSpread(a, c), false);
    assert.equal(outsideSpread(c, b), false);
    assert.equal(outsideSpread(a, a), false);
  });
});

describe('formatting for people', () => {
  it('bytes in binary units', () => {
    assert.equal(formatBytes(4096), '4 KiB');
    assert.equal(formatBytes(65536), '64 KiB');
    assert.equal(formatBytes(2097152), '2 MiB');
    assert.equal(formatBytes(1.5 * 2 ** 30), '1.5 GiB');
    assert.equal(formatBytes(1000), '1000 B');
    assert.equal(formatBytesShort(4096), '4K');
    assert.equal(formatBytesShort(2097152), '2M');
    assert.equal(formatBytesShort(512), '512');
  });

  it('SI units with three significant figures', () => {
    assert.equal(formatNs(1234), '1.23 µs');
    assert.equal(formatNs(452), '452 ns');
    assert.equal(formatNs(233_017), '233 µs');
    assert.equal(formatNs(1_500_000), '1.50 ms');
    assert.equal(formatNs(999.7), '1.00 µs');
    assert.equal(formatGbps(12.34), '12.3 GB/s');
    assert.equal(formatGbps(0.85), '850 MB/s');
    assert.equal(formatSi(0, 'B/s'), '0 B/s');
    assert.equal(formatSi(Number.NaN, 's'), '–');
    assert.equal(sig3(9.996), '10.0');
    assert.equal(sig3(0.0896), '0.0896');
    assert.equal(sig3(12345), '12345');
  });

  it('ratios, stats and durations', () => {
    assert.equal(formatRatio(1.4243), '1.42×');
    assert.equal(formatRatio(0.83), '0.83×');
    assert.equal(formatRatio(12.34), '12.3×');
    assert.equal(formatRatio(0.0054), '0.0054×');
    assert.equal(formatRatio(Number.NaN), '–');
    assert.equal(formatStat(stat([12.1, 12.3, 12.5])), '12.3 (12.2–12.4)');
    assert.equal(formatDuration(850), '850 ms');
    assert.equal(formatDuration(1_862_400), '31 min 2 s');
    assert.equal(formatDuration(2 * 3600_000 + 5 * 60_000), '2 h 5 min');
  });
});
