/**
 * SwapDevice on its own and behind Frontswap: refusals (nothing written),
 * discard accounting per policy, the io_uring path's order and back-pressure,
 * an I/O error mid-batch, and teardown mid-batch in child processes. Block
 * devices (loop, zram, a mounted filesystem, an active swap area) are set up
 * and removed by the tests as root and skipped with the reason otherwise.
 */
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { Frontswap, FrontswapError, PagePool, SwapDevice } from '../lib/index';
import { addon } from '../lib/binding';
import { DEVICE_BACKENDS, cleanupDevices, isRoot, machineChanges, makeLoop, makeZram, openDevice, tempFile } from './device-fixtures';
import { equalBytes, pattern, rejectsCode, throwsCode } from './helpers';

after(cleanupDevices);

const NEEDS_ROOT = isRoot() ? false : 'needs root: creates loop devices, filesystems and swap areas';
const NO_URING = addon.wire.uring ? false : 'built without liburing (apt-get install liburing-dev, then rebuild)';

function digest(p: string, bytes: number): string {
  const fd = fs.openSync(p, 'r');
  const b = Buffer.alloc(bytes);
  fs.readSync(fd, b, 0, bytes, 0);
  fs.closeSync(fd);
  return createHash('sha256').update(b).digest('hex');
}

describe('SwapDevice: what it refuses, with nothing written', () => {
  it('bad options are typed errors', () => {
    const p = tempFile('opts');
    throwsCode(() => new SwapDevice(undefined as never), 'ERR_INVALID_ARG', 'TypeError');
    throwsCode(() => new SwapDevice({ path: '', pages: 1 }), 'ERR_INVALID_ARG', 'TypeError');
    throwsCode(() => new SwapDevice({ path: p, pages: 0 }), 'ERR_OUT_OF_RANGE', 'RangeError');
    throwsCode(() => new SwapDevice({ path: p, pages: 1, pageSize: 5000 }), 'ERR_OUT_OF_RANGE', 'RangeError');
    throwsCode(() => new SwapDevice({ path: p, pages: 1, discard: 'sometimes' as never }), 'ERR_OUT_OF_RANGE', 'RangeError');
    throwsCode(() => new SwapDevice({ path: p, pages: 1, discard: { batch: 0 } }), 'ERR_OUT_OF_RANGE', 'RangeError');
    throwsCode(() => new SwapDevice({ path: p, pages: 1, size: 3 } as never), 'ERR_INVALID_ARG', 'TypeError');
    assert.equal(fs.existsSync(p), false);
    const pool = new PagePool({ pages: 1 });
    throwsCode(() => new Frontswap(pool, { io: 'uring' }), 'ERR_INVALID_ARG', 'TypeError');
    pool.close();
    const d = new SwapDevice({ path: p, pages: 2 });
    throwsCode(() => new Frontswap(d, { io: 'fast' as never }), 'ERR_OUT_OF_RANGE', 'RangeError');
    throwsCode(() => new Frontswap(d, { io: 'uring', queueDepth: 0 }), 'ERR_OUT_OF_RANGE', 'RangeError');
    throwsCode(() => new Frontswap(d, { engine: undefined } as never), 'ERR_INVALID_ARG', 'TypeError');
    const sync = new Frontswap(d);
    throwsCode(() => sync.batch(), 'ERR_NO_URING', 'FrontswapError');
    d.close();
  });

  it('neither a block device nor a regular file: ERR_DEVICE_KIND', () => {
    throwsCode(() => new SwapDevice({ path: '/dev/null', pages: 1 }), 'ERR_DEVICE_KIND', 'FrontswapError');
    throwsCode(() => new SwapDevice({ path: path.dirname(tempFile('dir')), pages: 1 }), 'ERR_DEVICE_KIND', 'FrontswapError');
  });

  it('a file is created or extended to pages × pageSize, never shrunk', () => {
    const p = tempFile('size');
    fs.writeFileSync(p, Buffer.alloc(3 * 65536, 1));
    const d = new SwapDevice({ path: p, pages: 4, pageSize: 65536 });
    assert.equal(d.kind, 'file');
    assert.equal(fs.statSync(p).size, 4 * 65536);
    d.close();
    const e = new SwapDevice({ path: p, pages: 1, pageSize: 65536 });
    assert.equal(fs.statSync(p).size, 4 * 65536);
    e.close();
    throwsCode(() => e.stats() && new Frontswap(e), 'ERR_DEVICE_CLOSED', 'FrontswapError');
  });

  it('a block device smaller than pages × pageSize: ERR_DEVICE_TOO_SMALL', { skip: NEEDS_ROOT }, () => {
    const dev = makeLoop(1 << 20);
    throwsCode(() => new SwapDevice({ path: dev, pages: 257 }), 'ERR_DEVICE_TOO_SMALL', 'FrontswapError');
    const d = openDevice({ path: dev, pages: 256 });
    assert.equal(d.kind, 'block');
    assert.equal(d.deviceBytes, 1 << 20);
    d.close();
  });

  it('a mounted filesystem: ERR_DEVICE_MOUNTED, and its bytes are untouched', { skip: NEEDS_ROOT }, () => {
    const dev = makeLoop(16 << 20);
    execFileSync('mkfs.ext4', ['-q', '-F', dev]);
    const mnt = fs.mkdtempSync('/tmp/frontswap-mnt-');
    execFileSync('mount', [dev, mnt]);
    try {
      const before = digest(dev, 1 << 20);
      throwsCode(() => new SwapDevice({ path: dev, pages: 16 }), 'ERR_DEVICE_MOUNTED', 'FrontswapError');
      assert.equal(digest(dev, 1 << 20), before);
    } finally {
      execFileSync('umount', [mnt]);
      fs.rmdirSync(mnt);
    }
    new SwapDevice({ path: dev, pages: 16 }).close();  // unmounted: usable
  });

  it('an active swap device or swap file: ERR_DEVICE_SWAP_ACTIVE, and it stays swap', { skip: NEEDS_ROOT }, () => {
    const mc = machineChanges();
    const dev = makeLoop(16 << 20);
    const file = `/var/tmp/frontswap-test-${process.pid}-swapfile.img`;  // swapon refuses a sparse file: written in full
    mc.createFile(file, 0);
    fs.writeFileSync(file, Buffer.alloc(16 << 20));
    fs.chmodSync(file, 0o600);
    for (const target of [dev, file]) {
      mc.swapOn(target, 0);
      try {
        const before = digest(target, 1 << 20);
        throwsCode(() => new SwapDevice({ path: target, pages: 16 }), 'ERR_DEVICE_SWAP_ACTIVE', 'FrontswapError');
        assert.equal(digest(target, 1 << 20), before);
      } finally {
        mc.swapOff(target);
      }
    }
  });
});

describe('discard: immediate, batched, none', () => {
  for (const backend of DEVICE_BACKENDS) {
    describe(`on ${backend.name}`, { skip: backend.skip ?? false }, () => {
      it('immediate: each freed slot is discarded at once, nothing stale', () => {
        const d = backend.open(4096, 32, 'immediate') as SwapDevice;
        const fs0 = new Frontswap(d, { exclusiveGets: true });
        fs0.init(0);
        for (let i = 0; i < 16; i++) assert.equal(fs0.store(0, i, pattern(i, 4096)), true);
        const held = d.holdings().heldBytes;
        for (let i = 0; i < 4; i++) fs0.invalidatePage(0, i);
        fs0.load(0, 4, new Uint8Array(4096));  // exclusive: frees it too
        fs0.invalidateArea(0);
        const s = d.stats();
        assert.equal(s.discardedPages, 16);
        assert.equal(s.discards, 16);
        assert.equal(s.staleSlots, 0);
        assert.equal(d.usedPages, 0);
        if (d.holdings().source !== 'none') assert.ok(d.holdings().heldBytes < held, 'the device gave the space back');
        d.close();
      });

      it('{ batch: 4 }: stale until the fourth, then one call per contiguous range', () => {
        const d = backend.open(4096, 32, { batch: 4 }) as SwapDevice;
        const f = new Frontswap(d);
        f.init(0);
        for (let i = 0; i < 8; i++) f.store(0, i, pattern(i, 4096));
        for (let i = 0; i < 3; i++) f.invalidatePage(0, i);
        assert.equal(d.stats().staleSlots, 3);
        assert.equal(d.stats().discards, 0);
        f.invalidatePage(0, 3);
        assert.deepEqual([d.stats().staleSlots, d.stats().discardedPages, d.stats().discards], [0, 4, 1]);
        f.invalidatePage(0, 5);
        assert.equal(d.flushDiscards(), 1);
        assert.equal(d.stats().staleSlots, 0);
        d.close();
      });

      it('none: freed slots stay stale on the device, and a reused slot is no longer stale', () => {
        const d = backend.open(4096, 32, 'none') as SwapDevice;
        const f = new Frontswap(d);
        f.init(0);
        for (let i = 0; i < 8; i++) f.store(0, i, pattern(i, 4096));
        const held = d.holdings();
        for (let i = 0; i < 8; i++) f.invalidatePage(0, i);
        assert.equal(d.stats().staleSlots, 8);
        assert.equal(d.stats().discards, 0);
        assert.equal(d.holdings().heldBytes >= held.heldBytes * 0.5, true, 'the stale bytes are still held');
        f.store(0, 100, pattern(100, 4096));
        assert.equal(d.stats().staleSlots, 7);
        const out = new Uint8Array(4096);
        assert.equal(f.load(0, 3, out), false, 'a freed key never returns its stale bytes');
        d.close();
      });
    });
  }

  it('zram reports what it holds from mm_stat', { skip: NEEDS_ROOT }, () => {
    const d = openDevice({ path: makeZram(8 << 20), pages: 64 });
    const f = new Frontswap(d);
    f.init(0);
    for (let i = 0; i < 64; i++) f.store(0, i, pattern(i, 4096));
    const h = d.holdings();
    assert.equal(h.source, 'zram');
    assert.ok(h.origBytes >= 64 * 4096 * 0.9, `orig ${h.origBytes}`);
    f.invalidateArea(0);
    assert.ok(d.holdings().origBytes < h.origBytes / 4);
    d.close();
  });
});

it("without liburing, io: 'uring' is a coded error naming the package", { skip: NO_URING ? false : 'this build has liburing (FRONTSWAP_NO_LIBURING=1 npm run build:native builds one without)' }, () => {
  const d = new SwapDevice({ path: tempFile('nouring'), pages: 2 });
  try {
    new Frontswap(d, { io: 'uring' });
    assert.fail('no error');
  } catch (e) {
    assert.equal((e as FrontswapError).code, 'ERR_URING_UNAVAILABLE');
    assert.match((e as Error).message, /liburing-dev/);
  }
  const f = new Frontswap(d);  // the sync path is all there
  f.init(0);
  assert.equal(f.store(0, 1, pattern(1, 4096)), true);
  d.close();
});

describe("io: 'uring'", { skip: NO_URING }, () => {
  for (const backend of DEVICE_BACKENDS) {
    describe(`on ${backend.name}`, { skip: backend.skip ?? false }, () => {
      it('ops on one key take effect in issue order, within a batch and across calls', async () => {
        const d = backend.open(4096, 8) as SwapDevice;
        const f = new Frontswap(d, { io: 'uring', queueDepth: 4 });
        f.init(0);
        const outs = [0, 1, 2].map(() => new Uint8Array(4096));
        const b = f.batch();
        b.store(0, 7, pattern(1, 4096)).load(0, 7, outs[0]!).store(0, 7, pattern(2, 4096)).load(0, 7, outs[1]!);
        b.invalidatePage(0, 7).load(0, 7, outs[2]!);
        assert.deepEqual(await b.submit(), [true, true, true, true, true, false]);
        assert.ok(equalBytes(outs[0]!, pattern(1, 4096)));
        assert.ok(equalBytes(outs[1]!, pattern(2, 4096)));
        // Not awaited in between: still in order.
        const o = new Uint8Array(4096);
        const p1 = f.storeAsync(0, 9, pattern(3, 4096));
        const p2 = f.loadAsync(0, 9, o);
        const p3 = f.storeAsync(0, 9, pattern(4, 4096));
        assert.deepEqual(await Promise.all([p1, p2, p3]), [true, true, true]);
        assert.ok(equalBytes(o, pattern(3, 4096)));
        // A sync call waits for the async ones before it.
        const p4 = f.storeAsync(0, 10, pattern(5, 4096));
        const sync = new Uint8Array(4096);
        assert.equal(f.load(0, 10, sync), true);
        assert.ok(equalBytes(sync, pattern(5, 4096)));
        assert.equal(await p4, true);
        const s = f.stats();
        assert.equal(s.storedPages, s.succStores - s.duplicateStores - s.invalidates - s.exclusiveLoads - s.areaInvalidatedPages - s.lostPages);
        d.close();
      });

      it('beyond the queue depth, ops wait (back-pressure) and none is dropped; one submission per batch', async () => {
        const d = backend.open(4096, 512) as SwapDevice;
        const f = new Frontswap(d, { io: 'uring', queueDepth: 2 });
        f.init(0);
        const b = f.batch();
        for (let i = 0; i < 300; i++) b.store(0, i, pattern(i, 4096));
        const outs = Array.from({ length: 300 }, () => new Uint8Array(4096));
        for (let i = 0; i < 300; i++) b.load(0, i, outs[i]!);
        assert.equal(b.length, 600);
        const before = f.uringStats()!;
        const r = await b.submit();
        assert.equal(r.length, 600);
        assert.ok(r.every((x) => x === true));
        for (let i = 0; i < 300; i += 37) assert.ok(equalBytes(outs[i]!, pattern(i, 4096)), `page ${i}`);
        const st = f.uringStats()!;
        assert.equal(st.sqes - before.sqes, 600);
        assert.ok(st.waitedOps > 0, 'ops waited for the depth');
        assert.ok(st.maxBacklog >= 250);
        assert.equal(st.inflight, 0);
        // The completion thread issues waiting ops as the kernel finishes others, before JS reaps.
        assert.ok(st.refills > 0 && st.refilledSqes >= st.refills, `refilled ${st.refilledSqes} in ${st.refills}`);
        assert.ok(st.writeP50Ns > 0 && st.writeP99Ns >= st.writeP50Ns, 'write latency from the completions');
        assert.ok(st.readP50Ns > 0 && st.readP99Ns >= st.readP50Ns, 'read latency from the completions');
        throwsCode(() => new Frontswap(d, { io: 'uring' }), 'ERR_DEVICE_BUSY', 'FrontswapError');
        const second = new Frontswap(d);  // a sync front-end shares the device and waits for the queue
        second.init(0);
        assert.equal(second.store(0, 1, pattern(1, 4096)), true);
        assert.equal(second.has(0, 2), false, 'its keys are its own');
        d.close();
      });

      it('a full device rejects async stores, counted, and the caller keeps the page', async () => {
        const d = backend.open(4096, 2) as SwapDevice;
        const f = new Frontswap(d, { io: 'uring' });
        f.init(0);
        const b = f.batch();
        for (let i = 0; i < 3; i++) b.store(0, i, pattern(i, 4096));
        assert.deepEqual(await b.submit(), [true, true, false]);
        assert.equal(f.stats().failedStores, 1);
        await rejectsCode(f.storeAsync(1, 0, pattern(0, 4096)), 'ERR_TYPE_NOT_INITIALIZED');
        await rejectsCode(f.loadAsync(0, 0, new Uint8Array(10)), 'ERR_BUFFER_SIZE');
        d.close();
        await rejectsCode(f.storeAsync(0, 0, pattern(0, 4096)), 'ERR_DEVICE_CLOSED');
      });
    });
  }
});

const LIB = JSON.stringify(path.join(__dirname, '..', 'lib', 'index.js'));

function child(body: string, wrap: string[] = []): { code: number | null; signal: string | null; stdout: string; stderr: string } {
  const script = `const { SwapDevice, Frontswap } = require(${LIB});\n${body}`;
  const cmd = wrap.length ? wrap[0]! : process.execPath;
  const args = wrap.length ? [...wrap.slice(1), process.execPath, '-e', script] : ['-e', script];
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

function clean(r: ReturnType<typeof child>): void {
  assert.equal(r.signal, null, `killed by ${r.signal}: ${r.stderr}`);
  assert.equal(r.code, 0, `exit ${r.code}: ${r.stdout} ${r.stderr}`);
  assert.doesNotMatch(r.stderr, /FATAL|Abort|Segmentation|AddressSanitizer/);
}

describe('io_uring: faults and teardown, in child processes', { skip: NO_URING }, () => {
  it('an I/O error mid-batch fails that op with its errno; the others complete; the key is dropped', () => {
    const p = tempFile('efbig');
    fs.writeFileSync(p, Buffer.alloc(8 * 4096));  // sized here: the child may not extend it
    // Writes at or past 16 KiB fail with EFBIG (RLIMIT_FSIZE; SIGXFSZ ignored).
    const r = child(
      `
      const d = new SwapDevice({ path: ${JSON.stringify(p)}, pages: 8, discard: 'none' });
      const f = new Frontswap(d, { io: 'uring', queueDepth: 8 });
      f.init(0);
      const b = f.batch();
      for (let i = 0; i < 6; i++) b.store(0, i, new Uint8Array(4096).fill(i + 1));
      const out = new Uint8Array(4096);
      b.load(0, 1, out);
      b.submit().then(() => console.log('resolved'), (e) => {
        console.log(JSON.stringify({
          code: e.code,
          results: e.results.map((x) => (typeof x === 'boolean' ? x : x.code)),
          has: [0, 1, 2, 3, 4, 5].map((i) => f.has(0, i)),
          byte: out[9],
          stats: f.stats(), dev: d.stats(),
        }));
        return f.storeAsync(0, 7, new Uint8Array(4096)).then(() => console.log('no'), (e2) => console.log(e2.code, e2 instanceof Error));
      });
      `,
      ['sh', '-c', 'trap "" XFSZ; exec prlimit --fsize=16384 "$@"', 'sh'],
    );
    clean(r);
    const lines = r.stdout.trim().split('\n');
    const o = JSON.parse(lines[0]!);
    assert.equal(o.code, 'ERR_IO');
    assert.deepEqual(o.results, [true, true, true, true, 'EFBIG', 'EFBIG', true]);
    assert.deepEqual(o.has, [true, true, true, true, false, false]);
    assert.equal(o.byte, 2);
    assert.equal(o.stats.lostPages, 2);
    assert.equal(o.stats.storedPages, 4);
    assert.equal(o.dev.usedPages, 4);
    assert.equal(o.dev.writeErrors, 2);
    // Slot 4 (free again) is reused by the next store, which fails the same way.
    assert.equal(lines[1], 'EFBIG true');
  });

  it('process.exit() with a batch in flight exits cleanly', () => {
    const p = tempFile('exit');
    const r = child(`
      const d = new SwapDevice({ path: ${JSON.stringify(p)}, pages: 512, pageSize: 65536 });
      const f = new Frontswap(d, { io: 'uring', queueDepth: 8 });
      f.init(0);
      const b = f.batch();
      const page = new Uint8Array(65536).fill(3);
      for (let i = 0; i < 512; i++) b.store(0, i, page);
      b.submit();
      for (let i = 0; i < 64; i++) f.storeAsync(0, i, page);
      console.log('submitted', f.uringStats().pending);
      process.exit(0);
    `);
    clean(r);
    assert.match(r.stdout, /submitted [1-9]/);
  });

  it('a Worker terminate()d with a batch in flight goes cleanly; the parent goes on', () => {
    const p = tempFile('worker');
    const r = child(`
      const { Worker } = require('node:worker_threads');
      const w = new Worker(\`
        const { parentPort, workerData } = require('node:worker_threads');
        const { SwapDevice, Frontswap } = require(workerData.lib);
        const d = new SwapDevice({ path: workerData.path, pages: 512, pageSize: 65536 });
        const f = new Frontswap(d, { io: 'uring', queueDepth: 4 });
        f.init(0);
        const page = new Uint8Array(65536).fill(5);
        const b = f.batch();
        for (let i = 0; i < 512; i++) b.store(0, i, page);
        b.submit();
        parentPort.postMessage(f.uringStats().pending);
        setInterval(() => {}, 1000);
      \`, { eval: true, workerData: { lib: ${LIB}, path: ${JSON.stringify(p)} } });
      w.on('message', (n) => {
        console.log('pending', n);
        w.terminate().then(() => { console.log('terminated'); });
      });
      w.on('error', (e) => { console.log('error', e.message); process.exit(1); });
    `);
    clean(r);
    assert.match(r.stdout, /pending [1-9]/);
    assert.match(r.stdout, /terminated/);
  });

  it('an idle queue does not keep the process alive; a pending batch does until it settles', () => {
    const p = tempFile('alive');
    const r = child(`
      const d = new SwapDevice({ path: ${JSON.stringify(p)}, pages: 64 });
      const f = new Frontswap(d, { io: 'uring' });
      f.init(0);
      f.storeAsync(0, 1, new Uint8Array(4096).fill(1)).then((ok) => console.log('settled', ok));
    `);
    clean(r);
    assert.match(r.stdout, /settled true/);
  });
});

it('FrontswapError is what device refusals throw', () => {
  try {
    new SwapDevice({ path: '/dev/null', pages: 1 });
    assert.fail('no error');
  } catch (e) {
    assert.ok(e instanceof FrontswapError);
  }
});
