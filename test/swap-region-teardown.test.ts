/**
 * SwapRegion endings, each in a child process so a hang, a crash or a thread
 * left behind shows as a timeout, a signal or an exit code: process.exit() with
 * reclaim busy and another thread mid-fault, worker_threads terminate() of a
 * thread faulting in a loop (over a pool, and over a SwapDevice with io_uring
 * evictions in flight), and a region collected without close() giving its pool
 * back.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as nodeFs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { userfaultfdAvailable } from '../lib/index';

const LIB = JSON.stringify(path.join(__dirname, '..', 'lib', 'index.js'));
const uffd = userfaultfdAvailable();

function run(body: string, args: string[] = []): { code: number | null; signal: string | null; stdout: string; stderr: string } {
  const script = `const { PagePool, Frontswap, SwapRegion, SwapDevice } = require(${LIB});\n${body}`;
  const r = spawnSync(process.execPath, [...args, '-e', script], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

function clean(r: ReturnType<typeof run>): void {
  assert.equal(r.signal, null, `killed by ${r.signal} (a timeout is a hang): ${r.stderr}`);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /FATAL|Abort|Segmentation|Sanitizer/);
}

/** A worker that makes a region of its own and faults through it until stopped. */
const FAULTING_WORKER = `
  const { parentPort, workerData } = require('node:worker_threads');
  const { PagePool, Frontswap, SwapRegion, SwapDevice } = require(${LIB.replace(/"/g, "'")});
  // workerData.device: a file path, for a SwapDevice (async eviction then writes through io_uring).
  // No discards: on a filesystem mounted with 'discard' each freed slot would be a synchronous block discard.
  const store = workerData.device ? new SwapDevice({ path: workerData.device, pages: 1024, discard: 'none' }) : new PagePool({ pageSize: 4096, pages: 1024 });
  const fs = new Frontswap(store);
  const r = new SwapRegion({ frontswap: fs, type: 0, bytes: 4096 * 512, resident: 32, evict: workerData.evict });
  const a = new Uint32Array(r.buffer);
  let i = 0, told = false;
  for (;;) {
    a[(i * 1031) % a.length] += 1;
    if (++i === 20000 && !told) { told = true; parentPort.postMessage('faulting'); }
  }
`;

describe('SwapRegion teardown', () => {
  it('process.exit() with reclaim busy and a worker mid-fault', (t) => {
    if (!uffd.available) return t.skip(`needs userfaultfd: ${uffd.reason}`);
    const r = run(`
      const { Worker } = require('node:worker_threads');
      const fs = new Frontswap(new PagePool({ pageSize: 4096, pages: 2048 }));
      const region = new SwapRegion({ frontswap: fs, type: 0, bytes: 4096 * 1024, resident: 64, evict: 'async' });
      const w = new Worker(${JSON.stringify(FAULTING_WORKER)}, { eval: true, workerData: { evict: 'sync' } });
      w.once('message', () => {
        const a = new Uint8Array(region.buffer);
        for (let i = 0; i < a.length; i += 4096) a[i] = 1;   // reclaim has work now
        console.log('exiting', region.stats().evictions > 0);
        process.exit(0);
      });
    `);
    clean(r);
    assert.match(r.stdout, /exiting true/);
  });

  it('over a SwapDevice: terminate() of workers faulting with io_uring evictions in flight, then process.exit() mid-reclaim', (t) => {
    if (!uffd.available) return t.skip(`needs userfaultfd: ${uffd.reason}`);
    const file = `${process.env['FRONTSWAP_TEST_DIR'] ?? '/var/tmp'}/frontswap-teardown-${process.pid}`;
    try {
      const r = run(`
        const { Worker } = require('node:worker_threads');
        const { once } = require('node:events');
        (async () => {
          for (let i = 0; i < 4; i++) {
            const w = new Worker(${JSON.stringify(FAULTING_WORKER)}, { eval: true, workerData: { evict: 'async', device: ${JSON.stringify(file)} + '-w' + i } });
            await once(w, 'message');
            await Promise.all([once(w, 'exit'), w.terminate()]);
          }
          const fs = new Frontswap(new SwapDevice({ path: ${JSON.stringify(file)}, pages: 2048, discard: 'none' }));
          const region = new SwapRegion({ frontswap: fs, type: 0, bytes: 4096 * 1024, resident: 64, evict: 'async' });
          const a = new Uint8Array(region.buffer);
          for (let i = 0; i < a.length; i += 4096) a[i] = 1;   // reclaim has io_uring writes to issue now
          console.log('exiting', region.stats().evictions > 0);
          process.exit(0);
        })().catch((e) => { console.error(e); process.exit(3); });
      `);
      clean(r);
      assert.match(r.stdout, /exiting true/);
    } finally {
      for (const f of [file, ...[0, 1, 2, 3].map((i) => `${file}-w${i}`)]) nodeFs.rmSync(f, { force: true });
    }
  });

  it('worker_threads terminate() of threads faulting in a loop, again and again', (t) => {
    if (!uffd.available) return t.skip(`needs userfaultfd: ${uffd.reason}`);
    const r = run(`
      const { Worker } = require('node:worker_threads');
      const { once } = require('node:events');
      const modes = ['sync', 'async', 'sync', 'async', 'sync', 'async', 'sync', 'async'];
      (async () => {
        for (const evict of modes) {
          const w = new Worker(${JSON.stringify(FAULTING_WORKER)}, { eval: true, workerData: { evict } });
          await once(w, 'message');
          await Promise.all([once(w, 'exit'), w.terminate()]);
        }
        console.log('all terminated');
      })().catch((e) => { console.error(e); process.exit(3); });
    `);
    clean(r);
    assert.match(r.stdout, /all terminated/);
  });

  it('a region collected without close() stops its threads and gives the pool back', (t) => {
    if (!uffd.available) return t.skip(`needs userfaultfd: ${uffd.reason}`);
    const r = run(
      `
      const fs = new Frontswap(new PagePool({ pageSize: 4096, pages: 256 }));
      (function () {
        const region = new SwapRegion({ frontswap: fs, type: 0, bytes: 4096 * 128, resident: 16, evict: 'async' });
        new Uint8Array(region.buffer).fill(3);
      })();
      (async () => {
        for (let i = 0; i < 50; i++) {
          global.gc();
          await new Promise((r) => setImmediate(r));
          try { fs.init(1); break; } catch (e) { if (e.code !== 'ERR_REGION_ATTACHED') throw e; }
        }
        fs.init(0);  // the region's type was closed too
        console.log('pool back', fs.stats().storedPages);
      })().catch((e) => { console.error(e); process.exit(3); });
    `,
      ['--expose-gc'],
    );
    clean(r);
    assert.match(r.stdout, /pool back 0/);
  });
});
