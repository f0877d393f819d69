/**
 * The kernel probe's binding: bad input is refused with typed errors, and a
 * pass runs to the end (every page touched once, contents intact) even with
 * no swap at all, where MADV_PAGEOUT leaves anonymous pages in memory.
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addon } from '../lib/binding';
import { throwsCode } from './helpers';

const probe = addon.kernelProbe;

describe('kernel probe binding', () => {
  it('refuses bad options with typed errors', () => {
    const ok = { pages: 8, huge: false, fill: 'text' as const, seed: 1 };
    throwsCode(() => probe.run(undefined as never), 'ERR_INVALID_ARG', 'TypeError');
    throwsCode(() => probe.run({ ...ok, pages: 0 }), 'ERR_OUT_OF_RANGE', 'RangeError');
    throwsCode(() => probe.run({ ...ok, pages: 1.5 }), 'ERR_OUT_OF_RANGE', 'RangeError');
    throwsCode(() => probe.run({ ...ok, pages: 2 ** 40 }), 'ERR_OUT_OF_RANGE', 'RangeError');
    throwsCode(() => probe.run({ ...ok, pages: '8' as never }), 'ERR_INVALID_ARG', 'TypeError');
    throwsCode(() => probe.run({ ...ok, huge: 1 as never }), 'ERR_INVALID_ARG', 'TypeError');
    throwsCode(() => probe.run({ ...ok, huge: true, pages: 100 }), 'ERR_OUT_OF_RANGE', 'RangeError');
    throwsCode(() => probe.run({ ...ok, fill: 'noise' as never }), 'ERR_INVALID_ARG', 'TypeError');
    throwsCode(() => probe.run({ ...ok, seed: -1 }), 'ERR_OUT_OF_RANGE', 'RangeError');
    throwsCode(() => probe.run({ ...ok, cgroupDir: 'relative/dir' }), 'ERR_INVALID_ARG', 'TypeError');
    throwsCode(() => probe.run({ ...ok, whileOut: 3 as never }), 'ERR_INVALID_ARG', 'TypeError');
    throwsCode(() => probe.fill(new Uint8Array(100), 'text', 1, 0), 'ERR_OUT_OF_RANGE', 'RangeError');
    throwsCode(() => probe.fill([] as never, 'text', 1, 0), 'ERR_INVALID_ARG', 'TypeError');
    throwsCode(() => probe.fill(new Uint8Array(4096), 'text', 1, -1), 'ERR_OUT_OF_RANGE', 'RangeError');
  });

  it('runs a pass to the end: every page touched once, contents intact, the hook called once', () => {
    let calls = 0;
    const r = probe.run({ pages: 64, huge: false, fill: 'random', seed: 3, whileOut: () => { calls++; } });
    assert.equal(r.ok, true, r.error);
    assert.equal(r.intact, true);
    assert.equal(r.touchNs.length, 64);
    assert.equal(r.residentAfterFill, 64);
    assert.equal(calls, 1);
    for (const name of probe.counterNames()) assert.ok(r.afterTouch[name]! >= r.beforePageout[name]!, name);
  });

  it('a throw from the hook still ends the child, then reaches the caller', () => {
    assert.throws(() => probe.run({ pages: 16, huge: false, fill: 'zero', seed: 1, whileOut: () => { throw new Error('from the hook'); } }), /from the hook/);
    // The next pass works: nothing was left waiting.
    assert.equal(probe.run({ pages: 16, huge: false, fill: 'zero', seed: 1 }).ok, true);
  });

  it('a child that cannot join its cgroup is reported, not hung', () => {
    const r = probe.run({ pages: 16, huge: false, fill: 'zero', seed: 1, cgroupDir: '/nonexistent/cgroup' });
    assert.equal(r.ok, false);
    assert.match(r.error, /joining the memory cgroup/);
  });

  it('fills the same pages from any starting page, different per seed and content', () => {
    const a = new Uint8Array(3 * 4096);
    const b = new Uint8Array(4096);
    probe.fill(a, 'text', 9, 0);
    probe.fill(b, 'text', 9, 2);
    assert.deepEqual(a.subarray(8192), b);
    probe.fill(b, 'random', 9, 2);
    assert.notDeepEqual(a.subarray(8192), b);
    probe.fill(new DataView(b.buffer), 'zero', 9, 0);
    assert.ok(b.every((x) => x === 0));
  });
});
