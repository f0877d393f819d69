import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { compareChart, compareReports, renderCompareHtml, renderCompareMarkdown, type Comparison } from '../bench/report/compare';
import { cellKeyId, baselineKeyId } from '../bench/report/keys';
import { parseReport, readReport } from '../bench/report/read';
import type { Cell, Report, Stat } from '../bench/report/schema';

const FIXTURE = join(__dirname, '..', '..', 'test', 'fixtures', 'report-v1.json');
const reference = readReport(FIXTURE);
const copy = (): Report => JSON.parse(JSON.stringify(reference));

function scale(s: Stat, f: number): void {
  for (const k of ['median', 'q1', 'q3', 'min', 'max'] as const) s[k] *= f;
  s.values = s.values.map((v) => v * f);
}

const isCell = (c: Cell, op: string, pageSize: number, temperature: string, path: string, batch: number, waitMode?: string, workers?: number): boolean =>
  c.op === op && c.pageSize === pageSize && c.temperature === temperature && c.path === path && c.batch === batch && c.waitMode === waitMode && c.workers === workers;

/** The other report: one cell 1.5× faster, one 0.3% faster (noise), one using half the caller CPU, one cell and one baseline missing, one cell extra. */
function other(): Report {
  const r = copy();
  const faster = r.cells.find((c) => isCell(c, 'store', 4096, 'cold', 'async', 256, 'adaptive', 2))!;
  scale(faster.metrics.gbps, 1.5);
  const noisy = r.cells.find((c) => isCell(c, 'store', 4096, 'cold', 'sync', 256))!;
  scale(noisy.metrics.gbps, 1.003);
  const thrifty = r.cells.find((c) => isCell(c, 'load', 65536, 'hot', 'async', 16, 'spin', 1))!;
  scale(thrifty.metrics.callerCpuNsPerPage, 0.5);
  r.cells = r.cells.filter((c) => !isCell(c, 'load', 2097152, 'hot', 'async', 1, 'sleep', 1));
  r.baselines = r.baselines.filter((b) => !(b.name === 'js-worker' && b.op === 'load' && b.pageSize === 4096 && b.temperature === 'hot'));
  const extra: Cell = JSON.parse(JSON.stringify(r.cells[0]));
  extra.batch = 1024;
  r.cells.push(extra);
  (r.machine as Record<string, unknown>).hostname = 'bench-xeon-02';
  return r;
}

function entry(c: Comparison, id: string): Comparison['cells'][number] {
  const e = [...c.cells, ...c.baselines].find((x) => x.id === id);
  assert.ok(e, id);
  return e;
}

describe('compareReports', () => {
  const c = compareReports([
    { label: 'epyc', report: reference },
    { label: 'xeon', report: other() },
  ]);

  it('gives each report median / reference median, matched by the whole key', () => {
    assert.deepEqual(c.labels, ['epyc', 'xeon']);
    assert.equal(c.reference, 'epyc');
    const id = cellKeyId({ op: 'store', pageSize: 4096, temperature: 'cold', backing: 'thp', path: 'async', waitMode: 'adaptive', workers: 2, batch: 256 });
    const e = entry(c, id);
    assert.equal(e.gbps[0]!.ratio, 1);
    assert.equal(e.gbps[0]!.outsideSpread, false);
    assert.ok(Math.abs(e.gbps[1]!.ratio - 1.5) < 1e-9);
    assert.equal(e.gbps[1]!.outsideSpread, true);
    assert.ok(Math.abs(e.callerCpuNsPerPage[1]!.ratio - 1) < 1e-12);
    assert.equal(e.callerCpuNsPerPage[1]!.outsideSpread, false);
    assert.equal(e.label, '4 KiB store, cold thp pool, adaptive ×2, batch 256');
  });

  it('marks a difference inside the spread as such', () => {
    const e = entry(c, cellKeyId({ op: 'store', pageSize: 4096, temperature: 'cold', backing: 'thp', path: 'sync', batch: 256 }));
    assert.ok(Math.abs(e.gbps[1]!.ratio - 1.003) < 1e-9);
    assert.equal(e.gbps[1]!.outsideSpread, false);
  });

  it('compares caller CPU the same way (lower here)', () => {
    const e = entry(c, cellKeyId({ op: 'load', pageSize: 65536, temperature: 'hot', backing: 'thp', path: 'async', waitMode: 'spin', workers: 1, batch: 16 }));
    assert.ok(Math.abs(e.callerCpuNsPerPage[1]!.ratio - 0.5) < 1e-9);
    assert.equal(e.callerCpuNsPerPage[1]!.outsideSpread, true);
    assert.deepEqual(c.summary, [
      {
        label: 'xeon',
        compared: reference.cells.length - 1 + reference.baselines.length - 1,
        gbps: { higher: 1, lower: 0, within: reference.cells.length - 1 + reference.baselines.length - 1 - 1 },
        callerCpuNsPerPage: { higher: 0, lower: 1, within: reference.cells.length - 1 + reference.baselines.length - 1 - 1 },
      },
    ]);
  });

  it('lists keys present in only some reports', () => {
    const missingCell = cellKeyId({ op: 'load', pageSize: 2097152, temperature: 'hot', backing: 'thp', path: 'async', waitMode: 'sleep', workers: 1, batch: 1 });
    const missingBaseline = baselineKeyId({ name: 'js-worker', op: 'load', pageSize: 4096, temperature: 'hot', backing: 'thp', batch: 64 });
    const extraCell = cellKeyId({ ...reference.cells[0]!, batch: 1024 });
    const byId = (a: unknown[], b: unknown[]): number => String(a[0]).localeCompare(String(b[0]));
    assert.deepEqual(
      c.partial.map((p) => [p.id, p.kind, p.presentIn, p.missingFrom]).sort(byId),
      [
        [missingBaseline, 'baseline', ['epyc'], ['xeon']],
        [missingCell, 'cell', ['epyc'], ['xeon']],
        [extraCell, 'cell', ['xeon'], ['epyc']],
      ].sort(byId),
    );
    assert.equal(c.partial.length, 3);
    // Only-in-the-other-report keys have no ratio; only-in-the-reference keys are not compared.
    assert.ok(!c.cells.some((e) => e.id === extraCell || e.id === missingCell));
  });

  it('puts the machines side by side', () => {
    const host = c.machines.find((m) => m.label === 'Host');
    assert.deepEqual(host?.values, ['bench-epyc-01', 'bench-xeon-02']);
    assert.deepEqual(c.machines.find((m) => m.label === 'CPU')?.values, [
      'AMD EPYC 9354 32-Core Processor (AuthenticAMD)',
      'AMD EPYC 9354 32-Core Processor (AuthenticAMD)',
    ]);
  });

  it('keeps null for a report that lacks a key among three, and makes labels unique', () => {
    const third = copy();
    third.cells = third.cells.filter((x) => !isCell(x, 'store', 4096, 'cold', 'sync', 256));
    const c3 = compareReports([
      { label: 'run', report: reference },
      { label: 'run', report: other() },
      { label: 'run', report: third },
    ]);
    assert.deepEqual(c3.labels, ['run', 'run (2)', 'run (3)']);
    const e = entry(c3, cellKeyId({ op: 'store', pageSize: 4096, temperature: 'cold', backing: 'thp', path: 'sync', batch: 256 }));
    assert.equal(e.gbps[2], null);
    assert.ok(e.gbps[1] !== null);
    assert.equal(c3.summary.length, 2);
  });

  it('needs at least two reports', () => {
    assert.throws(() => compareReports([{ label: 'a', report: reference }]), RangeError);
  });
});

describe('compare: queue depth and page source are part of the key', () => {
  const asyncOf = (r: Report): Cell[] => r.cells.filter((c) => c.path === 'async');
  const reread = (r: Report): Report => parseReport(JSON.stringify(r), 'report.json');

  it('an old report without depths is depth 1: it matches a new one whose async cells say depth 1', () => {
    const fresh = copy();
    for (const c of asyncOf(fresh)) c.depth = 1;
    const c = compareReports([
      { label: 'old', report: reference },
      { label: 'new', report: reread(fresh) },
    ]);
    assert.equal(c.partial.length, 0);
    assert.equal(c.cells.length, reference.cells.length);
  });

  it('cells at depth 8 and from plain views match only their own kind; an old report run at --depth 8 reads as depth 8', () => {
    const deep = copy();
    const extra: Cell[] = asyncOf(deep).map((x) => ({ ...JSON.parse(JSON.stringify(x)), depth: 8 }));
    for (const x of extra) scale(x.metrics.gbps, 2);
    const views: Cell[] = asyncOf(deep).map((x) => ({ ...JSON.parse(JSON.stringify(x)), source: 'views' }));
    deep.cells.push(...extra, ...views);
    const oldDeep = copy();
    oldDeep.options = { ...oldDeep.options, depth: 8 };
    for (const x of asyncOf(oldDeep)) scale(x.metrics.gbps, 2);
    const read = reread(oldDeep);
    assert.ok(asyncOf(read).every((x) => x.depth === 8), 'the reader fills depth in from the options');
    assert.ok(read.cells.filter((x) => x.path === 'sync').every((x) => x.depth === undefined));
    const c = compareReports([
      { label: 'new', report: reread(deep) },
      { label: 'old-qd8', report: read },
    ]);
    const one = asyncOf(reference)[0]!;
    const at8 = entry(c, cellKeyId({ ...one, depth: 8 }));
    assert.ok(Math.abs(at8.gbps[1]!.ratio - 1) < 1e-9, 'depth 8 against depth 8: the same figures');
    assert.match(at8.label, /QD 8/);
    const viewsId = cellKeyId({ ...one, source: 'views' });
    assert.notEqual(viewsId, cellKeyId(one));
    assert.ok(c.partial.some((p) => p.id === viewsId && p.missingFrom.includes('old-qd8')));
    assert.ok(c.partial.some((p) => p.id === cellKeyId(one) && p.missingFrom.includes('old-qd8')), 'depth 1 is not in the old depth-8 report');
  });

  it('a bad depth or source is refused by the reader', () => {
    const bad = copy();
    (asyncOf(bad)[0] as unknown as Record<string, unknown>).depth = 0;
    (asyncOf(bad)[1] as unknown as Record<string, unknown>).source = 'dma';
    assert.throws(() => reread(bad), (e: Error & { code?: string }) => e.code === 'ERR_REPORT_SCHEMA' && /\.depth/.test(e.message) && /\.source/.test(e.message));
  });
});

describe('comparison renderers', () => {
  const c = compareReports([
    { label: 'epyc', report: reference },
    { label: 'xeon', report: other() },
  ]);

  it('Markdown: the summary first, bold for differences outside the spread, the partial keys at the end', () => {
    const md = renderCompareMarkdown(c);
    assert.ok(md.startsWith('# frontswap bench comparison: epyc vs xeon\n'));
    const headings = md.split('\n').filter((l) => l.startsWith('## '));
    assert.equal(headings[0], '## Summary');
    assert.equal(headings[headings.length - 1], '## Only in some reports');
    assert.match(md, /- xeon vs epyc: 358 measurements in both\. Throughput higher in 1, lower in 0/);
    // The first such rows are in the 4 KiB store table.
    const row = md.split('\n').find((l) => /^\| cold thp \| adaptive ×2 \|\s+256 \|/.test(l));
    assert.ok(row?.includes('(1.50×)**'), row);
    const syncRow = md.split('\n').find((l) => /^\| cold thp \| sync\s+\|\s+256 \|/.test(l));
    assert.ok(syncRow?.includes('(1.00×)') && !syncRow.includes('**'), syncRow);
    // One line, not a row per measurement.
    const tail = md.slice(md.indexOf('## Only in some reports'));
    assert.match(tail, /\n3 measurements are in only some of the reports \(2 missing from xeon, 1 missing from epyc\); they are not compared\.\n/);
    assert.match(md, /\| Host\s+\| bench-epyc-01\s+\| bench-xeon-02\s+\|/);
  });

  it('SVG: ratios by page size, outside-spread points filled, the rest hollow, a reference line at 1', () => {
    const svg = compareChart(c);
    assert.ok(svg.startsWith('<svg'));
    // store and load × sync and four async modes.
    assert.equal((svg.match(/<path class="line" /g) ?? []).length, 10);
    assert.ok(svg.includes('>epyc (reference)</text>'));
    assert.ok(svg.includes('>store adaptive ×2</text>'));
    // Only the 4 KiB store adaptive ×2 point (batch 256, cold) differs outside the spread: one filled data marker.
    const seriesBlocks = svg.split('<g class="series"').slice(1).map((b) => b.slice(0, b.indexOf('</g>')));
    const filled = seriesBlocks.flatMap((b) => b.match(/<(circle|rect|polygon) [^>]*fill="#(?!ffffff)[0-9A-Fa-f]{6}"/g) ?? []);
    const hollow = seriesBlocks.flatMap((b) => b.match(/<(circle|rect|polygon) [^>]*fill="#ffffff"/g) ?? []);
    assert.equal(filled.length, 1);
    assert.equal(hollow.length, 10 * 3 - 1);
  });

  it('HTML: self-contained, with the chart inline and the same tables', () => {
    const html = renderCompareHtml(c);
    assert.ok(html.startsWith('<!DOCTYPE html>'));
    assert.equal((html.match(/<svg /g) ?? []).length, 1);
    assert.doesNotMatch(html, /https?:\/\//);
    assert.doesNotMatch(html, /<(script|link|img)\b/i);
    assert.ok(html.includes('(1.50×)</strong>'));
    assert.ok(html.includes('<td>bench-xeon-02</td>'));
  });
});

describe('compare: comparability and what differs', () => {
  it('a cold pool of another size is not comparable: shown as ≠ pool, not counted, and said in the summary', () => {
    const big = copy();
    for (const p of big.pools) if (p.temperature === 'cold') p.byteLength *= 8;
    const faster = big.cells.find((c) => isCell(c, 'store', 4096, 'cold', 'async', 256, 'adaptive', 2))!;
    scale(faster.metrics.gbps, 1.5);
    const c = compareReports([
      { label: 'small', report: reference },
      { label: 'big', report: big },
    ]);
    const e = entry(c, cellKeyId(faster));
    assert.equal(e.gbps[1]!.comparable, false);
    const hot = c.cells.find((x) => x.cell!.temperature === 'hot')!;
    assert.equal(hot.gbps[1]!.comparable, undefined, 'hot pools are alike');
    const s = c.summary[0]!;
    assert.equal(s.gbps.higher, 0, 'the 1.5× cell on another pool is not counted as faster');
    assert.equal(s.incomparable, c.cells.filter((x) => x.cell!.temperature === 'cold').length + c.baselines.filter((b) => b.baseline!.temperature === 'cold').length);
    const md = renderCompareMarkdown(c);
    assert.match(md, /ran on a pool unlike small's/);
    assert.match(md, /\(≠ pool\)/);
    assert.match(md, /\*\*cold pool\*\*\s+\|\s+\*\*4 GiB\*\*\s+\|\s+\*\*32 GiB\*\*/);
    // The chart draws no ratio between unlike pools: it shows the hot pools, which are alike, and says why.
    const svg = compareChart(c);
    assert.match(svg, />hot pool \(/);
    assert.match(svg, /Not drawn: the cold pools, unlike the reference&#39;s/);
    assert.ok((svg.match(/<g class="series"/g) ?? []).length > 0);
  });

  it('the cache method is read from the evidence a report records: a flushed window is not comparable with a cold-by-size pool', () => {
    const flushed = copy();
    flushed.cache = { method: 'every cold repetition walks a fixed window, flushed first', flush: 'clflushopt', sysfsLastLevelBytes: 32 << 20, measuredLastLevelBytes: 4 << 20, probe: [] } as unknown as NonNullable<Report['cache']>;
    const c = compareReports([
      { label: 'by-size', report: reference },
      { label: 'flushed', report: flushed },
    ]);
    const method = c.differs!.find((d) => d.label === 'cache method')!;
    assert.deepEqual(method, { label: 'cache method', values: ['by size (pool ≥ 4× last-level cache)', 'flushed window (clflushopt)'], differs: true });
    const cold = c.cells.find((x) => x.cell!.temperature === 'cold')!;
    assert.equal(cold.gbps[1]!.comparable, false, 'cold pools made cold in other ways');
    const hot = c.cells.find((x) => x.cell!.temperature === 'hot')!;
    assert.equal(hot.gbps[1]!.comparable, undefined, 'hot pools are alike whatever makes a cold one cold');
    const same = compareReports([
      { label: 'a', report: flushed },
      { label: 'b', report: JSON.parse(JSON.stringify(flushed)) as Report },
    ]);
    assert.equal(same.differs!.find((d) => d.label === 'cache method')!.differs, false);
    assert.equal(same.cells.find((x) => x.cell!.temperature === 'cold')!.gbps[1]!.comparable, undefined);
  });

  it('a quick run against a full one is said first, with repetitions and run kind in What differs', () => {
    const quick = copy();
    quick.options.quick = true;
    quick.options.repetitions = 3;
    const c = compareReports([
      { label: 'full', report: reference },
      { label: 'quick', report: quick },
    ]);
    const kind = c.differs!.find((d) => d.label === 'run kind')!;
    assert.deepEqual(kind, { label: 'run kind', values: ['full', 'quick'], differs: true });
    assert.equal(c.differs!.find((d) => d.label === 'Node')!.differs, false);
    assert.ok(c.summary.length === 1);
    const md = renderCompareMarkdown(c);
    assert.match(md, /The runs differ in run kind \(full vs quick\); repetitions \(5 vs 3\)/);
  });

  it('crossovers side by side: the same report agrees with itself; a changed answer is marked', () => {
    const same = compareReports([
      { label: 'a', report: reference },
      { label: 'b', report: copy() },
    ]);
    assert.ok(same.crossovers!.length > 0);
    assert.ok(same.crossovers!.every((x) => !x.differs && x.values[0] === x.values[1]));
    const slower = copy();
    // Async store throughput at 2 MiB halved: its crossover there moves or disappears.
    for (const c of slower.cells) if (c.path === 'async' && c.op === 'store' && c.pageSize === 2097152) scale(c.metrics.gbps, 0.5);
    const changed = compareReports([
      { label: 'a', report: reference },
      { label: 'b', report: slower },
    ]);
    const row = changed.crossovers!.find((x) => x.op === 'store' && x.metric === 'throughput' && x.pageSize === 2097152 && x.temperature === 'cold')!;
    assert.equal(row.values[0], 'batch 1');
    assert.notEqual(row.values[1], 'batch 1');
    assert.equal(row.differs, true);
  });
});
