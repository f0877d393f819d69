/**
 * SwapRegion: an ArrayBuffer whose pages really fault from a Frontswap through
 * userfaultfd. Contents are checked byte for byte against a shadow copy across
 * thousands of faults and evictions, for every eviction mode; refused stores
 * must keep the page; clean pages must not be stored twice; while attached the
 * pool refuses JavaScript; bad options change nothing. Needs userfaultfd (root
 * here); each case says so and skips without it.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as nodeFs from 'node:fs';
import * as path from 'node:path';
import { after, describe, it, type TestContext } from 'node:test';
import { CopyEngine, Frontswap, PagePool, SwapRegion, userfaultfdAvailable, type SwapRegionOptions } from '../lib/index';
import { rng } from '../bench/run/clock';
import { addon } from '../lib/binding';
import { BACKENDS, cleanupDevices, fileBackend } from './device-fixtures';
import { pattern, throwsCode } from './helpers';

const PS = 4096;
const uffd = userfaultfdAvailable();

function needUffd(t: TestContext): boolean {
  if (uffd.available) return true;
  t.skip(`needs userfaultfd: ${uffd.reason}`);
  return false;
}

function rig(poolPages: number, opts: Omit<SwapRegionOptions, 'frontswap' | 'type'>, exclusiveGets = false) {
  const pool = new PagePool({ pageSize: PS, pages: poolPages, backing: 'normal' });
  const fs = new Frontswap(pool, { exclusiveGets });
  const region = new SwapRegion({ frontswap: fs, type: 5, ...opts });
  return { pool, fs, region, bytes: new Uint8Array(region.buffer) };
}

/** The first directory on the way to `file` that others may not enter, or the file if they may not read it; null when all is open. */
function unreadableByOthers(file: string): string | null {
  if ((nodeFs.statSync(file).mode & 0o004) === 0) return file;
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    if ((nodeFs.statSync(dir).mode & 0o001) === 0) return dir;
    if (dir === path.dirname(dir)) return null;
  }
}

describe('SwapRegion over a SwapDevice', () => {
  after(cleanupDevices);
  for (const backend of BACKENDS.filter((b) => b.name !== 'pool')) {
    for (const evict of ['sync', 'async'] as const) {
      it(`is byte-exact against a shadow copy over ${backend.name} (${evict} eviction${evict === 'async' ? ': io_uring writes in batches' : ''})`, async (t) => {
        if (!needUffd(t)) return;
        if (backend.skip) return t.skip(backend.skip);
        const pages = 192;
        const fs = new Frontswap(backend.open(PS, 512));
        const region = new SwapRegion({ frontswap: fs, type: 2, bytes: pages * PS, resident: 32, batch: 8, evict, readahead: 2 });
        const bytes = new Uint8Array(region.buffer);
        const shadow = new Uint8Array(pages * PS);
        const next = rng(backend.name.length * 7 + (evict === 'sync' ? 1 : 2));
        let mismatched = 0;
        for (let i = 0; i < 3000; i++) {
          const page = next(pages);
          if (next(2)) {
            const chunk = pattern(i, 128);
            const at = page * PS + next(PS - 128);
            bytes.set(chunk, at);
            shadow.set(chunk, at);
          } else if (Buffer.compare(bytes.subarray(page * PS, page * PS + PS), shadow.subarray(page * PS, page * PS + PS)) !== 0) {
            mismatched++;
          }
        }
        assert.equal(mismatched, 0);
        assert.equal(Buffer.compare(bytes, shadow), 0);
        const s = region.stats();
        assert.ok(s.backendFaults > 500 && s.evictions > 500, JSON.stringify(s));
        assert.equal(s.rejectedEvictions, 0);
        if (evict === 'async' && addon.wire.uring) {
          // The reclaimer's batches went to io_uring (the fault thread's direct reclaim writes synchronously).
          assert.ok(s.uringWrites > 0 && s.uringWrites <= s.evictions && s.uringSubmits < s.uringWrites, JSON.stringify(s));
        } else {
          assert.equal(s.uringWrites, 0);
        }
        throwsCode(() => fs.store(0, 0, new Uint8Array(PS)), 'ERR_REGION_ATTACHED');
        const device = fs.device!;
        throwsCode(() => device.close(), 'ERR_REGION_ATTACHED');
        throwsCode(() => device.flushDiscards(), 'ERR_REGION_ATTACHED');
        await region.close();
        assert.equal(fs.stats().storedPages, 0);
        device.close();  // the region let go: now it may (and a zram device cannot be reset while open)
      });
    }
  }
  it('a device too small keeps refused pages resident', async (t) => {
    if (!needUffd(t)) return;
    if (fileBackend.skip) return t.skip(fileBackend.skip);
    const fs = new Frontswap(fileBackend.open(PS, 8));
    const region = new SwapRegion({ frontswap: fs, type: 0, bytes: 64 * PS, resident: 8, batch: 4 });
    const bytes = new Uint8Array(region.buffer);
    for (let p = 0; p < 64; p++) bytes.set(pattern(p + 3, PS), p * PS);
    for (let p = 0; p < 64; p++) assert.equal(Buffer.compare(bytes.subarray(p * PS, p * PS + PS), pattern(p + 3, PS)), 0, `page ${p}`);
    assert.ok(region.stats().rejectedEvictions > 0);
    await region.close();
  });
});

describe('SwapRegion contents', () => {
  const modes: Array<[string, Partial<SwapRegionOptions>, boolean]> = [
    ['sync eviction', { evict: 'sync' }, false],
    ['async eviction', { evict: 'async' }, false],
    ['async eviction + readahead 4', { evict: 'async', readahead: 4 }, false],
    ['sync, FIFO, exclusive gets, readahead 2', { evict: 'sync', policy: 'fifo', readahead: 2 }, true],
  ];
  for (const [name, extra, exclusive] of modes) {
    it(`is byte-exact against a shadow copy across thousands of faults (${name})`, async (t) => {
      if (!needUffd(t)) return;
      const pages = 384;
      const { fs, region, bytes } = rig(1024, { bytes: pages * PS, resident: 48, batch: 16, ...extra }, exclusive);
      const shadow = new Uint8Array(pages * PS);
      const next = rng(42 + name.length);
      let mismatched = 0;
      for (let i = 0; i < 8000; i++) {
        const page = i % 3 === 0 ? (i / 3) % pages : next(pages);
        const at = page * PS + next(PS - 256);
        if (next(2)) {
          const chunk = pattern(i, 256);
          bytes.set(chunk, at);
          shadow.set(chunk, at);
        } else if (Buffer.compare(bytes.subarray(page * PS, page * PS + PS), shadow.subarray(page * PS, page * PS + PS)) !== 0) {
          mismatched++;
        }
      }
      assert.equal(mismatched, 0);
      assert.equal(Buffer.compare(bytes, shadow), 0, 'the whole region equals its shadow');
      const s = region.stats();
      assert.ok(s.faults > 2000, `faults ${s.faults}`);
      assert.ok(s.backendFaults > 1000, `served from frontswap ${s.backendFaults}`);
      assert.ok(s.evictions > 1000, `evictions ${s.evictions}`);
      assert.ok(s.peakResidentPages <= s.hardCap, `peak ${s.peakResidentPages} > cap ${s.hardCap}`);
      assert.equal(s.rejectedEvictions, 0);
      assert.equal(s.latencySamples, s.faults);
      assert.ok(s.faultP50Ns > 0 && s.faultP50Ns <= s.faultP99Ns && s.faultP99Ns <= s.faultMaxNs);
      if (extra.readahead) assert.ok(s.readaheadPages > 0);
      if (extra.evict === 'async') assert.ok(s.engineCpuNs > 0, 'the engine moved the bytes');
      await region.close();
      assert.equal(region.buffer.byteLength, 0, 'detached at close');
      assert.equal(fs.stats().storedPages, 0, 'the type closed and its pages went back');
      assert.equal(fs.pool.usedPages, 0);
    });
  }

  it('sorts a Float64Array four times its resident budget and gets the right answer', async (t) => {
    if (!needUffd(t)) return;
    const n = 256 * 1024; // 2 MiB
    const { region } = rig(1024, { bytes: n * 8, resident: 128, evict: 'async', readahead: 8 });
    const a = new Float64Array(region.buffer);
    const plain = new Float64Array(n);
    const next = rng(7);
    for (let i = 0; i < n; i++) plain[i] = a[i] = next(1 << 30) / 4096;
    a.sort();
    plain.sort();
    let same = true;
    for (let i = 0; i < n; i++) if (a[i] !== plain[i]) same = false;
    assert.ok(same, 'sorted in the region = sorted in RAM');
    const s = region.stats();
    assert.ok(s.backendFaults > 512 && s.evictions > 512, JSON.stringify(s));
    await region.close();
  });

  it('a refused store keeps the page resident and its bytes intact', async (t) => {
    if (!needUffd(t)) return;
    const pages = 128;
    const { fs, region, bytes } = rig(8, { bytes: pages * PS, resident: 16, evict: 'async' });
    for (let p = 0; p < pages; p++) bytes.set(pattern(p + 1, PS), p * PS);
    for (let p = 0; p < pages; p++) assert.equal(Buffer.compare(bytes.subarray(p * PS, p * PS + PS), pattern(p + 1, PS)), 0, `page ${p}`);
    const s = region.stats();
    assert.ok(s.rejectedEvictions > 0);
    assert.ok(s.residentPages >= pages - 8, `resident ${s.residentPages}: refused pages stay`);
    await region.close();
    assert.ok(fs.stats().failedStores >= s.rejectedEvictions);
  });

  it('clean pages are dropped, not stored again', async (t) => {
    if (!needUffd(t)) return;
    const pages = 128;
    const { fs, region, bytes } = rig(256, { bytes: pages * PS, resident: 16, batch: 8 });
    for (let p = 0; p < pages; p++) bytes.set(pattern(p + 100, PS), p * PS);
    let sum = 0;
    for (let pass = 0; pass < 4; pass++) for (let i = 0; i < bytes.length; i += 512) sum += bytes[i]!; // reads only
    assert.ok(sum > 0);
    const s = region.stats();
    await region.close();
    const f = fs.stats();
    assert.equal(f.succStores, s.evictions);
    assert.ok(s.evictions <= pages, `${s.evictions} stores for ${pages} pages written once`);
    assert.ok(s.cleanDrops >= 3 * (pages - 32), `clean drops ${s.cleanDrops}`);
    assert.equal(f.duplicateStores, 0);
  });

  it('pages never stored read as zeros and leave nothing in the pool', async (t) => {
    if (!needUffd(t)) return;
    const { pool, region, bytes } = rig(16, { bytes: 64 * PS, resident: 8, batch: 4 });
    for (let pass = 0; pass < 2; pass++) for (let i = 0; i < bytes.length; i += 1024) assert.equal(bytes[i], 0);
    const s = region.stats();
    assert.equal(s.zeroFaults, 128);
    assert.equal(s.evictions, 0);
    // The reclaimer may lag, but never past the hard cap.
    assert.ok(s.zeroDrops >= 128 - s.hardCap, `zero drops ${s.zeroDrops}, cap ${s.hardCap}`);
    await region.close();
    assert.equal(pool.usedPages, 0);
  });

  it('region memory can be the page of another pool’s store and load, sync and async (the JS thread faults inside native copies)', async (t) => {
    if (!needUffd(t)) return;
    const { region, bytes } = rig(64, { bytes: 64 * PS, resident: 8 });
    for (let p = 0; p < 64; p++) bytes.set(pattern(p + 7, PS), p * PS);
    const other = new PagePool({ pageSize: PS, pages: 128 });
    const engine = new CopyEngine({ workers: 1 });
    const fs2 = new Frontswap(other, { engine });
    fs2.init(0);
    for (let p = 0; p < 32; p++) assert.equal(fs2.store(0, p, bytes.subarray(p * PS, p * PS + PS)), true);
    const stores = [];
    for (let p = 32; p < 64; p++) stores.push(fs2.storeAsync(0, p, bytes.subarray(p * PS, p * PS + PS)));
    assert.deepEqual(await Promise.all(stores), new Array(32).fill(true));
    bytes.fill(0);
    for (let p = 0; p < 32; p++) assert.equal(fs2.load(0, p, bytes.subarray(p * PS, p * PS + PS)), true);
    const loads = [];
    for (let p = 32; p < 64; p++) loads.push(fs2.loadAsync(0, p, bytes.subarray(p * PS, p * PS + PS)));
    await Promise.all(loads);
    for (let p = 0; p < 64; p++) assert.equal(Buffer.compare(bytes.subarray(p * PS, p * PS + PS), pattern(p + 7, PS)), 0, `page ${p}`);
    await region.close();
    await engine.close();
    other.close();
  });
});

describe('SwapRegion ownership and errors', () => {
  it('owns its pool while attached: JS operations on it throw ERR_REGION_ATTACHED, and work again after close', async (t) => {
    if (!needUffd(t)) return;
    const pool = new PagePool({ pageSize: PS, pages: 32 });
    const fs = new Frontswap(pool);
    const sibling = new Frontswap(pool);
    fs.init(0);
    fs.store(0, 1, pattern(1, PS));
    const region = new SwapRegion({ frontswap: fs, type: 3, bytes: 32 * PS, resident: 8 });
    const page = new Uint8Array(PS);
    throwsCode(() => fs.store(0, 2, page), 'ERR_REGION_ATTACHED', 'FrontswapError');
    throwsCode(() => fs.load(0, 1, page), 'ERR_REGION_ATTACHED');
    throwsCode(() => fs.invalidatePage(0, 1), 'ERR_REGION_ATTACHED');
    throwsCode(() => fs.has(0, 1), 'ERR_REGION_ATTACHED');
    throwsCode(() => fs.init(4), 'ERR_REGION_ATTACHED');
    throwsCode(() => sibling.init(0), 'ERR_REGION_ATTACHED');
    throwsCode(() => pool.reserve(1), 'ERR_REGION_ATTACHED');
    throwsCode(() => new SwapRegion({ frontswap: sibling, type: 4, bytes: PS * 4, resident: 2 }), 'ERR_REGION_ATTACHED');
    await region.close();
    await region.close(); // idempotent
    assert.equal(region.closed, true);
    throwsCode(() => region.stats(), 'ERR_REGION_CLOSED');
    assert.equal(fs.load(0, 1, page), true);
    assert.equal(Buffer.compare(page, pattern(1, PS)), 0, 'the front-end’s own pages were untouched');
    sibling.init(0);
    fs.init(3);
  });

  it('refuses bad options with typed errors and changes nothing', (t) => {
    const pool = new PagePool({ pageSize: PS, pages: 8 });
    const fs = new Frontswap(pool);
    fs.init(1);
    const ok = { frontswap: fs, type: 2, bytes: 16 * PS, resident: 4 };
    const cases: Array<[unknown, string, string]> = [
      [undefined, 'ERR_INVALID_ARG', 'TypeError'],
      [{ ...ok, frontswap: {} }, 'ERR_INVALID_ARG', 'TypeError'],
      [{ ...ok, type: 32 }, 'ERR_OUT_OF_RANGE', 'RangeError'],
      [{ ...ok, type: '1' }, 'ERR_INVALID_ARG', 'TypeError'],
      [{ ...ok, bytes: 0 }, 'ERR_OUT_OF_RANGE', 'RangeError'],
      [{ ...ok, bytes: 1.5 }, 'ERR_OUT_OF_RANGE', 'RangeError'],
      [{ ...ok, resident: 1 }, 'ERR_OUT_OF_RANGE', 'RangeError'],
      [{ ...ok, resident: 17 }, 'ERR_OUT_OF_RANGE', 'RangeError'],
      [{ ...ok, evict: 'dma' }, 'ERR_OUT_OF_RANGE', 'RangeError'],
      [{ ...ok, readahead: -1 }, 'ERR_OUT_OF_RANGE', 'RangeError'],
      [{ ...ok, policy: 'lru' }, 'ERR_OUT_OF_RANGE', 'RangeError'],
      [{ ...ok, batch: 0 }, 'ERR_OUT_OF_RANGE', 'RangeError'],
      [{ ...ok, lowPercent: 90 }, 'ERR_OUT_OF_RANGE', 'RangeError'],
      [{ ...ok, residnet: 4 }, 'ERR_INVALID_ARG', 'TypeError'],
    ];
    if (uffd.available) cases.push([{ ...ok, type: 1 }, 'ERR_TYPE_ALREADY_INITIALIZED', 'FrontswapError']);
    for (const [opts, code, cls] of cases) {
      throwsCode(() => new SwapRegion(opts as SwapRegionOptions), code, cls as 'TypeError');
      assert.deepEqual(fs.stats().initializedTypes, [1], `${JSON.stringify(opts)} changed the front-end`);
      assert.equal(pool.usedPages, 0);
    }
    const huge = new PagePool({ pageSize: 65536, pages: 2 });
    if (uffd.available) throwsCode(() => new SwapRegion({ ...ok, frontswap: new Frontswap(huge) }), 'ERR_OUT_OF_RANGE', 'RangeError');
    else t.diagnostic('the 64 KiB pool case needs userfaultfd');
    huge.close();
    pool.close();
  });

  it('throws ERR_USERFAULTFD_UNAVAILABLE, saying why, for a process that may not use userfaultfd', (t) => {
    if (process.getuid?.() !== 0) return t.skip('needs root: runs a child as nobody');
    const sysctl = nodeFs.readFileSync('/proc/sys/vm/unprivileged_userfaultfd', 'utf8').trim();
    if (sysctl !== '0') return t.skip(`vm.unprivileged_userfaultfd is ${sysctl}: unprivileged processes may use it here`);
    const unreadable = unreadableByOthers(path.join(__dirname, '..', 'lib', 'index.js'));
    if (unreadable) return t.skip(`the checkout is not readable by nobody (${unreadable}): nothing to run the child from`);
    const lib = JSON.stringify(path.join(__dirname, '..', 'lib', 'index.js'));
    const script = `
      const { PagePool, Frontswap, SwapRegion } = require(${lib});
      const fs = new Frontswap(new PagePool({ pageSize: 4096, pages: 8 }));
      try { new SwapRegion({ frontswap: fs, type: 0, bytes: 65536, resident: 4 }); console.log('constructed'); }
      catch (e) { console.log(e.name, e.code, e.message); fs.init(0); console.log('type 0 still free'); }
    `;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', uid: 65534, gid: 65534, timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^FrontswapError ERR_USERFAULTFD_UNAVAILABLE .*userfaultfd/m);
    assert.match(r.stdout, /type 0 still free/);
  });
});
