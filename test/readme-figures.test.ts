import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readReport } from '../bench/report/read';
import { README_BEGIN, README_END, currentReadmeFigures, readmeFigures, replaceReadmeFigures } from '../bench/report/readme-figures';
import type { Report } from '../bench/report/schema';
import { SYNC_BEGIN, SYNC_END, readSyncRecord, syncLines, syncReadmeFigures, type SyncRecord } from '../bench/presets/sync-figures';

const ROOT = join(__dirname, '..', '..');
const committed = readReport(join(ROOT, 'docs', 'report', 'report.json'));
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

describe("README's figures", () => {
  it('are exactly what docs/report/report.json gives (run npm run readme:figures after a new report)', () => {
    const block = currentReadmeFigures(readme);
    assert.ok(block, 'README.md has the figures block');
    assert.equal(block, readmeFigures(committed));
  });

  it('the check can fail: one changed median changes the block', () => {
    const r = JSON.parse(JSON.stringify(committed)) as Report;
    const sync = r.cells.find((c) => c.path === 'sync' && c.op === 'store' && c.pageSize === 2097152 && c.temperature === 'cold')!;
    sync.metrics.gbps.median *= 1.5;
    assert.notEqual(readmeFigures(r), readmeFigures(committed));
    r.durationMs += 60_000;
    assert.match(readmeFigures(r), /It took \d+ min/);
  });

  it('name the machine and the run, and quote no figure from outside the report', () => {
    const block = readmeFigures(committed);
    assert.ok(block.startsWith(README_BEGIN) && block.endsWith(README_END));
    assert.match(block, /on a 2-CPU AMD EPYC virtual machine/);
    assert.match(block, /5 repetitions of 25 ms/);
    // Every number in the table of crossovers is a batch size the report measured.
    const batches = new Set(committed.options.batchSizes);
    for (const m of block.matchAll(/\| batch (\d+)/g)) assert.ok(batches.has(Number(m[1])), m[0]);
  });

  it('replaces only the block between the markers, and refuses a README without them', () => {
    const text = `intro\n${README_BEGIN}\nold\n${README_END}\nrest\n`;
    assert.equal(replaceReadmeFigures(text, `${README_BEGIN}\nnew\n${README_END}`), `intro\n${README_BEGIN}\nnew\n${README_END}\nrest\n`);
    assert.throws(() => replaceReadmeFigures('no markers', 'x'), /markers are missing/);
    assert.equal(currentReadmeFigures('no markers'), null);
  });

  it('bench:sync: the block is exactly what docs/sync/sync.json gives, and the check can fail', () => {
    const record = readSyncRecord(join(ROOT, 'docs', 'sync', 'sync.json'));
    const block = currentReadmeFigures(readme, SYNC_BEGIN, SYNC_END);
    assert.ok(block, 'README.md has the bench:sync block');
    assert.equal(block, syncReadmeFigures(record));
    // Every line bench:sync prints is in the block, and it names the run's repetitions.
    for (const l of syncLines(record)) assert.ok(block.includes(l.value.replace(/\|/g, '\\|')), l.what);
    assert.ok(block.includes(`${record.repetitions} repetitions`));
    const changed = JSON.parse(JSON.stringify(record)) as SyncRecord;
    changed.invalidate.nsPerCall.median += 50;
    assert.notEqual(syncReadmeFigures(changed), block);
    const cell = changed.sweeps.auto.cells.find((c) => c.path === 'sync' && c.pageSize === 2097152 && c.op === 'store' && c.temperature === 'cold')!;
    cell.metrics.gbps.values = cell.metrics.gbps.values.map((v) => v * 2);
    assert.notEqual(syncLines(changed).find((l) => l.what.startsWith('2 MiB store, cold'))!.value, syncLines(record).find((l) => l.what.startsWith('2 MiB store, cold'))!.value);
    assert.throws(() => readSyncRecord(join(ROOT, 'docs', 'report', 'report.json')), /not a bench:sync record/);
  });
});
