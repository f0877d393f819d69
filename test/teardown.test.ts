/**
 * Endings that must be clean: process.exit() and worker terminate() with copies
 * in flight, a pending wake-up keeping the process alive, an idle engine not
 * doing so, and engines collected without close(). Each runs in a child process,
 * so a crash shows up as a signal or an exit code, not as a dead test runner.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, it } from 'node:test';

const LIB = JSON.stringify(path.join(__dirname, '..', 'lib', 'index.js'));

function run(body: string, args: string[] = []): { code: number | null; signal: string | null; stdout: string; stderr: string } {
  const script = `const { PagePool, Frontswap, CopyEngine } = require(${LIB});\n${body}`;
  const r = spawnSync(process.execPath, [...args, '-e', script], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

function clean(r: ReturnType<typeof run>, code = 0): void {
  assert.equal(r.signal, null, `killed by ${r.signal}: ${r.stderr}`);
  assert.equal(r.code, code, r.stderr);
  assert.doesNotMatch(r.stderr, /FATAL|Abort|Segmentation|ThreadSanitizer|AddressSanitizer/);
}

describe('teardown', () => {
  for (const waitMode of ['sleep', 'spin', 'adaptive']) {
    it(`process.exit() with copies in flight (${waitMode} workers)`, () => {
      const r = run(`
        const engine = new CopyEngine({ workers: 2, waitMode: '${waitMode}', ringSize: 16 });
        const pool = new PagePool({ pageSize: '2m', pages: 64 });
        const fs = new Frontswap(pool, { engine });
        fs.init(0);
        const page = new Uint8Array(2 << 20).fill(1);
        for (let i = 0; i < 64; i++) fs.storeAsync(0, i, page);
        const b = fs.batch();
        for (let i = 0; i < 256; i++) b.store(0, i % 64, page);
        b.submit();
        console.log('submitted', engine.inFlight);
        process.exit(0);
      `);
      clean(r);
      assert.match(r.stdout, /submitted [1-9]/);
    });
  }

  it('worker_threads terminate() in the middle of batches, again and again', () => {
    const r = run(`
      const { Worker } = require('node:worker_threads');
      const code = \`
        const { parentPort } = require('node:worker_threads');
        const { PagePool, Frontswap, CopyEngine } = require(${LIB.replace(/"/g, "'")});
        const engine = new CopyEngine({ workers: 2, waitMode: process.env.MODE, ringSize: 32 });
        const pool = new PagePool({ pageSize: 65536, pages: 256 });
        const fs = new Frontswap(pool, { engine });
        fs.init(0);
        const page = new Uint8Array(65536).fill(7);
        let n = 0;
        (async () => {
          for (;;) {
            const b = fs.batch();
            for (let i = 0; i < 128; i++) b.store(0, (n + i) % 256, page);
            const p = b.submit();
            if (n++ === 3) parentPort.postMessage('busy');
            await p;
          }
        })();
      \`;
      (async () => {
        for (let i = 0; i < 12; i++) {
          const w = new Worker(code, { eval: true, execArgv: [], env: { ...process.env, MODE: ['sleep', 'spin', 'adaptive'][i % 3] } });
          await new Promise((resolve, reject) => { w.once('message', resolve); w.once('error', reject); });
          const exit = new Promise((resolve) => w.once('exit', resolve));
          await w.terminate();
          await exit;
        }
        console.log('all terminated');
      })().catch((e) => { console.error(e); process.exit(3); });
    `);
    clean(r);
    assert.match(r.stdout, /all terminated/);
  });

  it("closing a pool while the naive baseline's copies are queued on libuv's pool", () => {
    const r = run(`
      const { addon } = require(${JSON.stringify(path.join(__dirname, '..', 'lib', 'binding.js'))});
      const { handleOf } = require(${JSON.stringify(path.join(__dirname, '..', 'lib', 'page-pool.js'))});
      (async () => {
        for (let k = 0; k < 100; k++) {
          const pool = new PagePool({ pageSize: '2m', pages: 8 });
          const slots = pool.reserve(8);
          const page = new Uint8Array(2 << 20).fill(k & 255);
          const copies = [];
          for (let i = 0; i < 8; i++) copies.push(addon.baselines.naiveStoreAsync(handleOf(pool), slots[i], page));
          pool.close();
          await Promise.all(copies);
        }
        console.log('all landed');
      })();
    `);
    clean(r);
    assert.match(r.stdout, /all landed/);
  });

  it('a pending wake-up keeps the process alive until the copy lands (sleep workers)', () => {
    const r = run(`
      const engine = new CopyEngine({ workers: 1, waitMode: 'sleep' });
      const pool = new PagePool({ pageSize: '2m', pages: 4 });
      const fs = new Frontswap(pool, { engine });
      fs.init(0);
      fs.storeAsync(0, 1, new Uint8Array(2 << 20).fill(9)).then((ok) => {
        const out = new Uint8Array(2 << 20);
        fs.load(0, 1, out);
        console.log('landed', ok, out[12345]);
      });
    `);
    clean(r);
    assert.match(r.stdout, /landed true 9/);
  });

  it('an idle engine, even a spinning one, does not keep the process alive', () => {
    const r = run(`
      const engine = new CopyEngine({ workers: 2, waitMode: 'spin' });
      console.log('end of script');
    `);
    clean(r);
    assert.match(r.stdout, /end of script/);
  });

  it('engines dropped without close() are collected: threads joined', () => {
    const r = run(
      `
      const fsys = require('node:fs');
      const threads = () => fsys.readdirSync('/proc/self/task').length;
      const base = threads();
      (() => { for (let i = 0; i < 20; i++) new CopyEngine({ workers: 2, waitMode: 'sleep' }); })();
      const peak = threads();
      (async () => {
        for (let i = 0; i < 50 && threads() > base; i++) { gc(); await new Promise((r) => setImmediate(r)); }
        console.log(JSON.stringify({ base, peak, after: threads() }));
      })();
    `,
      ['--expose-gc'],
    );
    clean(r);
    const { base, peak, after } = JSON.parse(r.stdout) as { base: number; peak: number; after: number };
    assert.equal(peak - base, 40);
    assert.equal(after, base);
  });
});
