/** The verdict on one kernel pass: where its pages went by /proc/vmstat, and whether that is the path's own route. */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { judgePass, slackFor, type PassCounters } from '../bench/kernel/counters';

const N = 4096;
const zero = { pswpin: 0, pswpout: 0, zswpin: 0, zswpout: 0, swpin_zero: 0, swpout_zero: 0, thp_swpout: 0, thp_swpout_fallback: 0 };

function pass(out: Partial<typeof zero>, back: Partial<typeof zero>, residentBeforeTouch = 0): PassCounters {
  const base = { ...zero, pswpout: 1000, zswpout: 500 };
  const add = (a: typeof zero, d: Partial<typeof zero>): typeof zero => {
    const o = { ...a };
    for (const [k, v] of Object.entries(d)) o[k as keyof typeof zero] += v;
    return o;
  };
  const afterOut = add(base, out);
  return { pages: N, residentAfterFill: N, residentBeforeTouch, beforePageout: base, afterPageout: afterOut, beforeTouch: afterOut, afterTouch: add(afterOut, back) };
}

describe('kernel pass verdicts', () => {
  it('zswap: all pages into zswap and back is a match', () => {
    const v = judgePass('zswap', pass({ zswpout: N }, { zswpin: N }));
    assert.equal(v.match, true, v.why ?? '');
    assert.deepEqual(v.out, { zswap: N, device: 0, zero: 0 });
    assert.deepEqual(v.in, { zswap: N, device: 0, zero: 0 });
  });

  it('zero pages count as gone out on every path', () => {
    for (const p of ['zswap', 'zram', 'disk'] as const) {
      assert.equal(judgePass(p, pass({ swpout_zero: N }, { swpin_zero: N })).match, true);
    }
  });

  it('zswap writing pages through to the device is not the zswap path', () => {
    const v = judgePass('zswap', pass({ zswpout: N / 2, pswpout: N / 2 }, { zswpin: N / 2, pswpin: N / 2 }));
    assert.equal(v.match, false);
    assert.match(v.why!, /went out through zswap/);
  });

  it('pages in zswap on the zram or disk path are a mismatch', () => {
    const v = judgePass('zram', pass({ pswpout: N, zswpout: 100 }, { pswpin: N }));
    assert.equal(v.match, false);
    assert.match(v.why!, /zswap, which this path has switched off/);
  });

  it('a few foreign pages are within the slack; more are not', () => {
    const s = slackFor(N);
    assert.equal(judgePass('disk', pass({ pswpout: N + s }, { pswpin: N })).match, true);
    const v = judgePass('disk', pass({ pswpout: N + s + 1 }, { pswpin: N }));
    assert.equal(v.match, false);
    assert.match(v.why!, /went out, not 4096/);
  });

  it('pages still resident at the touches, or not coming back, are a mismatch', () => {
    assert.match(judgePass('disk', pass({ pswpout: N }, { pswpin: 0 }, N)).why!, /still resident/);
    assert.match(judgePass('zram', pass({ pswpout: N }, { pswpin: N / 2 })).why!, /came back in, not 4096/);
  });

  it('a split huge page that stayed resident is said to be not swapped', () => {
    const v = judgePass('disk', pass({ thp_swpout_fallback: 8 }, {}, N));
    assert.equal(v.match, false);
    assert.match(v.why!, /^not swapped: the kernel split the 8 huge folios/);
    assert.deepEqual(v.folios, { whole: 0, split: 8 });
  });
});
