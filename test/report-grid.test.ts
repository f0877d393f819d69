import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { answerGrids, gridFile } from '../bench/report/answer-grid';
import { computeCrossovers } from '../bench/report/crossover';
import { gridChart } from '../bench/report/grid-chart';
import { readReport } from '../bench/report/read';
import type { Report } from '../bench/report/schema';

const FIXTURE = join(__dirname, '..', '..', 'test', 'fixtures', 'report-v1.json');
const report = readReport(FIXTURE);
const copy = (): Report => JSON.parse(JSON.stringify(report)) as Report;

describe('answer grids', () => {
  it('one grid per op and metric at depth 1, page size × batch, only what was measured', () => {
    const grids = answerGrids(report);
    assert.deepEqual(grids.map(gridFile), [
      'answer-store-throughput.svg',
      'answer-store-callercpu.svg',
      'answer-load-throughput.svg',
      'answer-load-callercpu.svg',
    ]);
    const g = grids[0]!;
    assert.deepEqual(g.pageSizes, [4096, 65536, 2097152]);
    assert.deepEqual(g.batches, [1, 4, 16, 64, 256]);
    assert.equal(g.cells.length, 15);
    assert.equal(g.temperature, 'cold');
    // The fixture's model: two workers double 2 MiB throughput from batch 1.
    assert.equal(g.crossover.get(2097152), 1);
    for (const c of g.cells) assert.ok(c.verdict.nAsync === 5 && c.verdict.nSync === 5 && c.verdict.by === 'u-test');
  });

  it('the grid crossover agrees with the best crossover of any mode', () => {
    const g = answerGrids(report).find((x) => x.op === 'store' && x.metric === 'callerCpu')!;
    for (const size of g.pageSizes) {
      const mine = computeCrossovers(report.cells).filter(
        (c) => c.op === 'store' && c.metric === 'callerCpu' && c.pageSize === size && c.temperature === 'cold' && c.batch !== null,
      );
      const best = mine.length ? Math.min(...mine.map((c) => c.batch!)) : null;
      const got = g.crossover.get(size) ?? null;
      // The grid takes the best mode per cell, so it crosses over no later than the best single mode.
      if (best !== null) assert.ok(got !== null && got <= best, `${size}: grid ${got}, best mode ${best}`);
    }
  });

  it('takes a queue-depth dimension: cells at another depth get their own grids', () => {
    const r = copy();
    const deeper = r.cells.filter((c) => c.path === 'async' && c.op === 'store').map((c) => ({ ...c, depth: 4 }));
    r.cells.push(...deeper);
    const files = answerGrids(r).map(gridFile);
    assert.ok(files.includes('answer-store-throughput.svg') && files.includes('answer-store-throughput-qd4.svg'), files.join(' '));
    assert.ok(!files.includes('answer-load-throughput-qd4.svg'));
  });

  it('draws a well-formed SVG with a cell per measurement, a boundary, and a legend below the cells', () => {
    const g = answerGrids(report)[0]!;
    const svg = gridChart(g);
    assert.ok(svg.startsWith('<svg ') && svg.trimEnd().endsWith('</svg>'));
    assert.equal((svg.match(/<rect [^>]*width="72"/g) ?? []).length, g.cells.length);
    assert.ok(svg.includes('stroke-width="3"'), 'the crossover line');
    const lastCellBottom = 74 + g.pageSizes.length * 42;
    const legendY = Number(/<rect x="12" y="([\d.]+)"/.exec(svg.slice(svg.indexOf('async ≥2×') - 200))?.[1]);
    assert.ok(legendY > lastCellBottom, 'legend off the data');
    const r = copy();
    r.cells = r.cells.filter((c) => !(c.path === 'async' && c.pageSize === 65536 && c.batch === 16));
    const holed = answerGrids(r)[0]!;
    assert.equal(holed.cells.length, 14, 'an unmeasured cell is not drawn');
  });
});
