import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readReport } from '../bench/report/read';
import { README_BEGIN, README_END, currentReadmeFigures, readmeFigures, replaceReadmeFigures } from '../bench/report/readme-figures';
import type { Report } from '../bench/report/schema';

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
});
