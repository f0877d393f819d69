/**
 * npm run bench:calls — what one call costs, the way node-addon-api's own
 * benchmark/ folder measures it: benchmark.js suites, ops/sec ± relative margin
 * of error. Per-call overhead only (benchmark.js measures neither thread CPU nor
 * paired repetitions, so the sweep does not use it):
 *  - a native no-op, as a raw napi_callback and through node-addon-api, bare and
 *    reading a store's arguments (type, offset, a 4 KiB page): the glue's own cost;
 *    the raw one also step by step (the result only, the key, the page);
 *  - Frontswap.store of a 4 KiB page on a hot pool (the packed-key path), the
 *    handle's three-argument store and its packed-key storeKey;
 *  - TypedArray.prototype.set of the same page, what a Node user would write.
 */
import Benchmark from 'benchmark';
import { addon } from '../../lib/binding';
import { Frontswap } from '../../lib/frontswap';
import { PagePool, handleOf } from '../../lib/page-pool';
import { machineInfo } from '../../lib/machine-info';

interface Probes {
  rawNoop(): void;
  napiNoop(): void;
  rawStoreArgs(type: number, offset: number, page: Uint8Array): boolean;
  rawResultOnly(type: number, offset: number, page: Uint8Array): boolean;
  rawKeyArgs(type: number, offset: number, page: Uint8Array): boolean;
  rawPageArg(type: number, offset: number, page: Uint8Array): boolean;
  napiStoreArgs(type: number, offset: number, page: Uint8Array): boolean;
}

const probes = (addon as unknown as { callProbes: Probes }).callProbes;
const PAGES = 1024;  // keys per front-end: 2 × 4 MiB, within the sweep's 8 MiB hot pool
const pool = new PagePool({ pageSize: 4096, pages: 2 * PAGES });
const fs = new Frontswap(pool);
fs.init(0);
const page = new Uint8Array(4096).fill(7);
// A second front-end on the same pool, as the raw handle, to time its two store entry points apart.
const h = addon.createFrontswap(handleOf(pool), false, undefined);
h.init(0);
for (let k = 0; k < PAGES; k++) {
  fs.store(0, k, page);
  h.store(0, k, page);
}
const big = new Uint8Array(PAGES * 4096);
let k = 0;
const next = (): number => (k = (k + 1) & (PAGES - 1));

const suite = new Benchmark.Suite('frontswap calls');
suite
  .add('native no-op, raw napi_callback', () => probes.rawNoop())
  .add('native no-op, node-addon-api', () => probes.napiNoop())
  .add('store arguments, none read, a boolean back (raw)', () => probes.rawResultOnly(7, next(), page))
  .add('store arguments, the key read (raw)', () => probes.rawKeyArgs(7, next(), page))
  .add('store arguments, the page read (raw)', () => probes.rawPageArg(7, next(), page))
  .add('store arguments read, raw napi_callback', () => probes.rawStoreArgs(7, next(), page))
  .add('store arguments read, node-addon-api', () => probes.napiStoreArgs(7, next(), page))
  .add('Frontswap.store, 4 KiB, hot pool', () => fs.store(0, next(), page))
  .add('handle.storeKey (packed key), 4 KiB', () => h.storeKey(next(), page))
  .add('handle.store (type, offset), 4 KiB', () => h.store(0, next(), page))
  .add('TypedArray.prototype.set, 4 KiB', () => big.set(page, next() * 4096))
  .on('cycle', (e: Benchmark.Event) => process.stdout.write(`${String(e.target)}\n`))
  .on('complete', () => {
    pool.close();
  });

const m = machineInfo();
process.stdout.write(`frontswap bench:calls — ${m.cpu.model ?? 'unknown CPU'}, ${m.cpu.cores} CPUs, Node ${process.version}, benchmark.js ${Benchmark.version}\n`);
suite.run({ async: false });
