/**
 * npm run bench:sync [-- --quick] [-- --out DIR] — the synchronous path against
 * what a Node user would write and against the native limit: a preset of the
 * sweep runner (`frontswap bench --modes sync --batches 1 ...`), read back from
 * its reports:
 *  - 4 KiB store and load to random pages vs TypedArray.prototype.set to the
 *    same random page positions of an equally large ArrayBuffer (hot and cold
 *    pool, the kernel's choice of backing and plain pages);
 *  - 2 MiB store and load vs the addon's native memcpy loop into the same pool;
 *  - invalidatePage, and memory per stored page (sync-extras.ts).
 * With --out DIR it writes DIR/sync.json (sync-figures.ts): README's bench:sync
 * figures are generated from that file.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatJson } from '../report/json-format';
import { runPreset, sweep } from './preset';
import { measureInvalidate, measureMemory } from './sync-extras';
import { SYNC_SCHEMA, syncLines, type SyncRecord } from './sync-figures';

const PAGES = 65536;
const reps = process.argv.includes('--quick') ? 7 : 15;
const outAt = process.argv.indexOf('--out');
const outDir = outAt >= 0 ? process.argv[outAt + 1] : undefined;
if (outAt >= 0 && !outDir) {
  process.stderr.write('bench:sync: --out needs a directory\n');
  process.exit(2);
}

runPreset('bench:sync', reps, async (m, quick) => {
  const started = Date.now();
  const common = ['--modes', 'sync', '--batches', '1', '--ops', 'store,load', '--reps', String(reps), '--sample-ms', quick ? '5' : '10'];
  const auto = await sweep([...common, '--page-sizes', '4k,2m', '--temps', 'hot,cold', '--backings', 'auto',
    '--baselines', 'typedarray-set,memcpy'], m);
  const normal = await sweep([...common, '--page-sizes', '4k', '--temps', 'cold', '--backings', 'normal', '--baselines', 'typedarray-set'], m);
  const record: SyncRecord = {
    schema: SYNC_SCHEMA,
    createdAt: new Date().toISOString(),
    repetitions: reps,
    quick,
    tookMs: 0,
    sweeps: { auto, normal },
    invalidate: { pages: PAGES, nsPerCall: measureInvalidate(PAGES, reps) },
    memory: measureMemory(PAGES),
  };
  record.tookMs = Date.now() - started;
  if (outDir) {
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, 'sync.json'), formatJson(record));
    process.stderr.write(`bench:sync: wrote ${join(outDir, 'sync.json')}\n`);
  }
  return syncLines(record);
});
