import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { computeCrossovers } from '../bench/report/crossover';
import { describeMachine } from '../bench/report/machine';
import { renderHtml } from '../bench/report/html';
import { offscaleMarks, robustLogClip } from '../bench/report/chart-offscale';
import { lineChart } from '../bench/report/line-chart';
import { renderMarkdown } from '../bench/report/markdown';
import { readReport } from '../bench/report/read';
import type { Cell, Crossover, Report } from '../bench/report/schema';
import { formatNs, formatRatio, formatStat } from '../bench/report/stats';
import { callerCpuChart, crossoverChart, throughputChart } from '../bench/report/svg';
import { writeReportFiles } from '../bench/report/write';
import { makeFixtureReport } from './fixtures/make-fixture';

const FIXTURE = join(__dirname, '..', '..', 'test', 'fixtures', 'report-v1.json');
const report = readReport(FIXTURE);
const copy = (): Report => JSON.parse(JSON.stringify(report));

const VOID = new Set(['meta', 'br', 'hr', 'img', 'input', 'link']);

/** Every tag closed in order, no stray '&', no '<' in text: enough to parse as XML or HTML. */
function assertWellFormed(doc: string): void {
  const stack: string[] = [];
  for (const m of doc.matchAll(/<(\/?)([a-zA-Z][\w:-]*)\b[^<>]*?(\/?)>/g)) {
    const [, closing, name, selfClosing] = m;
    if (selfClosing || VOID.has(name!)) continue;
    if (closing) assert.equal(stack.pop(), name, `</${name}> closes <${stack[stack.length - 1] ?? 'nothing'}>`);
    else stack.push(name!);
  }
  assert.deepEqual(stack, [], 'unclosed tags');
  assert.doesNotMatch(doc, /&(?!amp;|lt;|gt;|quot;|#39;)/, 'a raw & in the text');
  // A '<' not starting a tag, a comment or the doctype would be text that was not escaped.
  assert.doesNotMatch(doc, /<(?![a-zA-Z/!])/, 'a raw < in the text');
}

function assertSvg(svg: string, seriesCount: number, legend: string[]): void {
  assert.ok(svg.startsWith('<svg'), 'starts with <svg');
  assert.ok(svg.trimEnd().endsWith('</svg>'), 'ends with </svg>');
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="\d+" height="[\d.]+" viewBox="0 0 [\d. ]+"/);
  assertWellFormed(svg);
  assert.equal((svg.match(/<path class="line" /g) ?? []).length, seriesCount, 'one line per series');
  for (const label of legend) assert.ok(svg.includes(`>${label}</text>`), `legend has "${label}"`);
}

function crossover(op: string, pageSize: number, temperature: string, waitMode: string, workers: number, metric: string): Crossover {
  const c = report.crossovers.find(
    (x) => x.op === op && x.pageSize === pageSize && x.temperature === temperature && x.waitMode === waitMode && x.workers === workers && x.metric === metric,
  );
  assert.ok(c, `crossover ${op} ${pageSize} ${temperature} ${waitMode}×${workers} ${metric}`);
  return c;
}

function cell(q: Partial<Cell>): Cell {
  const found = report.cells.filter((c) => Object.entries(q).every(([k, v]) => (c as unknown as Record<string, unknown>)[k] === v));
  assert.equal(found.length, 1, `one cell for ${JSON.stringify(q)}`);
  return found[0]!;
}

describe('the fixture', () => {
  it('is what make-fixture generates, with crossovers as computeCrossovers finds them', () => {
    assert.deepEqual(JSON.parse(JSON.stringify(makeFixtureReport())), JSON.parse(readFileSync(FIXTURE, 'utf8')));
    assert.deepEqual(report.crossovers, computeCrossovers(report.cells));
  });

  it('has the shape the tests below rely on', () => {
    assert.deepEqual([...new Set(report.cells.map((c) => c.pageSize))], [4096, 65536, 2097152]);
    assert.deepEqual([...new Set(report.cells.map((c) => c.batch))], [1, 4, 16, 64, 256]);
    assert.equal(report.crossovers.length, 2 * 3 * 2 * 4 * 2);
    // The model: two workers double 2 MiB throughput from batch 1; one worker never beats a 2 MiB memcpy.
    assert.equal(crossover('store', 2097152, 'cold', 'adaptive', 2, 'throughput').batch, 1);
    assert.equal(crossover('store', 2097152, 'cold', 'adaptive', 1, 'throughput').batch, null);
  });
});

describe('renderMarkdown', () => {
  const md = renderMarkdown(report);
  const headings = md.split('\n').filter((l) => l.startsWith('## '));

  it('reads top-down: title, crossovers first, then how to read, machine, pools, ops, baselines, notes, options', () => {
    assert.ok(md.startsWith('# frontswap bench: sync vs async page copies on bench-epyc-01\n'));
    assert.deepEqual(headings, [
      '## The answer: where does async beat sync?',
      '## Crossovers: from what batch does async beat sync?',
      '## How to read this',
      '## Machine',
      '## Pools',
      '## store: sync and async by batch size',
      '## load: sync and async by batch size',
      '## Baselines',
      '## Notes',
      '## Options',
    ]);
    const howTo = md.slice(md.indexOf('## How to read this'), md.indexOf('## Machine'));
    const sentences = howTo.split('\n').slice(1).join(' ').trim().split(/(?<=[.)])\s+(?=[A-Z"])/);
    assert.ok(sentences.length >= 3 && sentences.length <= 8, `3–5 sentences or so, got ${sentences.length}`);
  });

  it('summarizes crossovers in a table with batch and ratio for both metrics', () => {
    const summary = md.slice(0, md.indexOf('## How to read this'));
    const t = crossover('store', 4096, 'cold', 'adaptive', 1, 'throughput');
    const u = crossover('store', 4096, 'cold', 'adaptive', 1, 'callerCpu');
    assert.ok(t.batch !== null && u.batch !== null);
    const row = summary.split('\n').find((l) => /^\| store \|\s+4 KiB \| cold \| thp\s+\| adaptive ×1 /.test(l));
    assert.ok(row, 'a row for 4 KiB store, cold, adaptive ×1');
    assert.ok(row.includes(`**from ${t.batch}: async wins (${formatRatio(t.ratio)} throughput)**`), row);
    assert.ok(row.includes(`**from ${u.batch}: async wins (${formatRatio(u.ratio)} caller CPU)**`), row);
    const never = crossover('store', 2097152, 'cold', 'adaptive', 1, 'throughput');
    const neverRow = summary.split('\n').find((l) => /^\| store \|\s+2 MiB \| cold \| thp\s+\| adaptive ×1 /.test(l));
    // "never" says what the test found at the largest batch, in words that cannot read as a win.
    assert.match(neverRow ?? '', new RegExp(`never; at 256: (sync wins|no significant difference) \\(${formatRatio(never.ratio).replace('.', '\\.')} throughput\\)`));
    // One row per engine setting, both metrics on it.
    assert.equal(summary.split('\n').filter((l) => /^\| (store|load) /.test(l)).length, report.crossovers.length / 2);
    assert.match(summary, /- Async beats sync in throughput in \d+ of 48 settings/);
  });

  it('shows each op, page size and pool as batch rows with sync and every async mode as columns', () => {
    const at = md.indexOf('### 4 KiB store, cold thp pool');
    assert.ok(at > 0);
    const table = md.slice(at, md.indexOf('###', at + 4)).split('\n');
    const header = table.find((l) => l.startsWith('| Batch'));
    assert.match(header ?? '', /\| Batch \| Figure\s+\|\s+sync \|\s+adaptive ×1 \|\s+spin ×1 \|\s+sleep ×1 \|\s+adaptive ×2 \|/);
    const sync16 = cell({ op: 'store', pageSize: 4096, temperature: 'cold', path: 'sync', batch: 16 });
    const spin16 = cell({ op: 'store', pageSize: 4096, temperature: 'cold', path: 'async', waitMode: 'spin', workers: 1, batch: 16 });
    const gbpsRow = table.findIndex((l) => /^\|\s+16 \| GB\/s /.test(l));
    assert.ok(gbpsRow > 0);
    assert.ok(table[gbpsRow]!.includes(formatStat(sync16.metrics.gbps)));
    assert.ok(table[gbpsRow]!.includes(formatStat(spin16.metrics.gbps)));
    assert.match(table[gbpsRow + 1]!, /^\|\s+\| CPU\/page /);
    assert.ok(table[gbpsRow + 1]!.includes(formatNs(sync16.metrics.callerCpuNsPerPage.median)));
    // Five batches, two lines each.
    assert.equal(table.filter((l) => /^\|\s+\d+ \| GB\/s /.test(l)).length, 5);
    // A win outside the spread is bold; sync itself never is.
    const two256 = cell({ op: 'store', pageSize: 4096, temperature: 'cold', path: 'async', waitMode: 'adaptive', workers: 2, batch: 256 });
    const row256 = table.find((l) => /^\|\s+256 \| GB\/s /.test(l));
    assert.ok(row256?.includes(`**${formatStat(two256.metrics.gbps)}**`), row256);
    assert.ok(!row256?.includes(`**${formatStat(cell({ op: 'store', pageSize: 4096, temperature: 'cold', path: 'sync', batch: 256 }).metrics.gbps)}**`));
    // 2 ops × 3 page sizes × 2 pools.
    assert.equal((md.match(/^### /gm) ?? []).length, 12);
  });

  it('has the machine, pools, baselines, notes and exact options', () => {
    assert.match(md, /\| CPU\s+\| AMD EPYC 9354 32-Core Processor \(AuthenticAMD\)/);
    assert.match(md, /\| NUMA nodes\s+\| 2 /);
    assert.match(md, /\| Cores\s+\| 128 logical, 64 physical /);
    assert.match(md, /\| Transparent huge pages \| madvise \(defrag: madvise\) /);
    assert.match(md, /\| Huge pages\s+\| 0 reserved, 0 free × 2 MiB/);
    assert.match(md, /\| DMA engines\s+\| present: dma0chan0 \(ptdma\), dma1chan0 \(ptdma\)/);
    assert.match(md, /\| cold \|\s+4 KiB \| 1048576 \|\s+4 GiB \| auto\s+\| thp\s+\| 3\.91 GiB \(98%\)/);
    const baselines = md.slice(md.indexOf('## Baselines'), md.indexOf('## Notes'));
    assert.equal(baselines.split('\n').filter((l) => /^\| (memcpy|typedarray-set|buffer-copy|naive-async|js-worker) /.test(l)).length, 60);
    assert.match(baselines, /\| naive-async\s+\| store \|\s+4 KiB \| cold thp \|\s+64 \|/);
    assert.ok(md.includes('- Synthetic fixture for tests'));
    const json = /## Options\n\n```json\n([\s\S]*?)\n```/.exec(md);
    assert.ok(json);
    assert.deepEqual(JSON.parse(json[1]!), report.options);
  });

  it('links the chart files only when asked', () => {
    assert.ok(!md.includes('.svg)'));
    const linked = renderMarkdown(report, { linkCharts: true });
    for (const f of ['answer-store-throughput.svg', 'answer-load-callercpu.svg', 'throughput-store.svg', 'throughput-load.svg', 'caller-cpu-store-4096.svg', 'caller-cpu-load-2097152.svg']) {
      assert.ok(linked.includes(`](${f})`), f);
    }
  });

  it('escapes Markdown in text from the report and survives a thin machine object', () => {
    const r = copy();
    r.notes = ['a | pipe and <b>tag</b> and *stars*'];
    r.machine = { cpu: 'not an object', numaNodes: 'two' };
    const out = renderMarkdown(r);
    assert.ok(out.includes('- a | pipe and \\<b\\>tag\\</b\\> and \\*stars\\*'));
    assert.ok(renderMarkdown({ ...r, notes: ['nr_hugepages is _0_'] }).includes('- nr_hugepages is \\_0\\_'));
    assert.match(out, /\| Kernel\s+\| unknown /);
    assert.match(out, /\| CPU\s+\| not an object /);
  });

  it('computes crossovers when the report carries none', () => {
    const r = copy();
    r.crossovers = [];
    assert.equal(renderMarkdown(r), md);
  });
});

describe('sparse reports', () => {
  const variants: Record<string, (r: Report) => void> = {
    empty: (r) => {
      r.cells = [];
      r.baselines = [];
      r.pools = [];
      r.crossovers = [];
      r.notes = [];
      r.machine = {};
    },
    'async only': (r) => {
      r.cells = r.cells.filter((c) => c.path === 'async');
      r.crossovers = [];
    },
    'one batch, one page size': (r) => {
      r.cells = r.cells.filter((c) => c.batch === 64 && c.pageSize === 65536);
      r.crossovers = [];
    },
    'zero caller CPU': (r) => {
      for (const c of r.cells) c.metrics.callerCpuNsPerPage = { median: 0, q1: 0, q3: 0, min: 0, max: 0, values: [0] };
      r.crossovers = [];
    },
    'two backings': (r) => {
      r.cells = r.cells.concat(r.cells.map((c) => ({ ...c, backing: 'normal' as const })));
      r.crossovers = [];
    },
  };
  for (const [name, change] of Object.entries(variants)) {
    it(`renders "${name}" without NaN or undefined`, () => {
      const r = copy();
      change(r);
      const out = [
        renderMarkdown(r),
        renderHtml(r),
        throughputChart(r, 'store'),
        callerCpuChart(r, 'store', 4096),
        crossoverChart(r),
      ];
      for (const text of out) assert.doesNotMatch(text, /NaN|undefined|Infinity/);
      for (const svg of out.slice(2)) assertWellFormed(svg);
    });
  }

  it('says so when nothing was measured', () => {
    const r = copy();
    variants['empty']!(r);
    const md = renderMarkdown(r);
    assert.match(md, /No crossovers: the report has no async cells with a sync reference\./);
    assert.match(md, /\| Kernel\s+\| unknown \|/);
    assert.match(md, /No baselines measured\./);
    assert.ok(crossoverChart(r).includes('>no data</text>'));
  });
});

describe('describeMachine', () => {
  const row = (m: unknown, label: string): string | undefined => describeMachine(m).find((r) => r.label === label)?.value;

  it('reads other spellings of the same facts', () => {
    const m = {
      cpu: { model: 'Xeon', cores: 8, threads: 16 },
      numaNodes: 2,
      thp: { enabled: 'always [madvise] never' },
      dmaEngines: { any: true, devices: ['ioat0', { name: 'dsa0' }] },
      virtualization: 'kvm',
      node: 'v22.1.0',
    };
    assert.equal(row(m, 'Cores'), '8 (16 threads)');
    assert.equal(row(m, 'NUMA nodes'), '2');
    assert.equal(row(m, 'Transparent huge pages'), 'madvise');
    assert.equal(row(m, 'DMA engines'), 'present: ioat0, dsa0');
    assert.equal(row(m, 'Virtualized'), 'kvm');
    assert.equal(row(m, 'Node.js'), 'v22.1.0');
  });

  it('says unknown for what is missing or shaped oddly, and never throws', () => {
    for (const m of [null, undefined, 42, 'text', [], {}, { cpu: [], hugePages: { pools: 'x' }, dmaEngines: { channels: [null, 3] } }]) {
      const rows = describeMachine(m);
      assert.equal(rows.length, 16);
      assert.ok(rows.every((r) => typeof r.value === 'string' && r.value.length > 0));
    }
    assert.equal(row({}, 'Kernel'), 'unknown');
    assert.equal(row({ dmaEngines: { any: false } }, 'DMA engines'), 'none found');
    assert.equal(
      row({ hugePages: { total: 4, free: 2, sizeBytes: 2097152, pools: [{ sizeBytes: 1073741824, total: 1 }] } }, 'Huge pages'),
      '4 reserved, 2 free × 2 MiB; 1 × 1 GiB',
    );
  });
});

describe('SVG charts', () => {
  it('throughputChart: a series per mode plus the memcpy and TypedArray.set baselines', () => {
    const svg = throughputChart(report, 'store');
    assertSvg(svg, 7, ['sync', 'adaptive ×1', 'spin ×1', 'sleep ×1', 'adaptive ×2', 'memcpy (baseline)', 'typedarray-set (baseline)']);
    assert.match(svg, /cold pool \(thp\)/);
    for (const tick of ['4K', '64K', '2M']) assert.ok(svg.includes(`>${tick}</text>`), tick);
    // IQR error bars: one per point whose spread is visible.
    assert.ok((svg.match(/<path d="M[\d.]+ [\d.]+V/g) ?? []).length > 0);
  });

  it('callerCpuChart: one series per mode including sync, batch on the x axis', () => {
    const svg = callerCpuChart(report, 'load', 4096);
    assertSvg(svg, 5, ['sync', 'adaptive ×1', 'spin ×1', 'sleep ×1', 'adaptive ×2']);
    for (const tick of ['1', '4', '16', '64', '256']) assert.ok(svg.includes(`>${tick}</text>`), tick);
    assert.ok(svg.includes('log scale'), 'sleep ×1 at batch 1 is far above the rest: log scale');
  });

  it('crossoverChart: small multiples, one panel per op and figure, each mode its own colour and marker; never in the top band', () => {
    const svg = crossoverChart(report);
    // 2 ops × 2 figures, 4 engine modes each.
    assertSvg(svg, 16, ['adaptive ×1', 'spin ×1', 'sleep ×1', 'adaptive ×2']);
    const panels = svg.split('<svg class="panel"').slice(1);
    assert.equal(panels.length, 4);
    for (const title of ['store, throughput', 'store, caller CPU', 'load, throughput', 'load, caller CPU']) {
      assert.ok(svg.includes(`>${title}</text>`), title);
    }
    for (const panel of panels) {
      // Within a panel no two series share a colour or a marker shape.
      const series = panel.split('<g class="series"').slice(1).map((b) => b.slice(0, b.indexOf('</g>')));
      const colours = series.map((b) => /stroke="(#[0-9A-Fa-f]{6})"/.exec(b)![1]);
      assert.equal(new Set(colours).size, series.length, 'distinct colours');
      const legend = panel.slice(panel.indexOf('<g class="legend"'));
      const geometry = legend.match(/<(circle|rect|polygon) [^>]*>/g)!.map((m) => {
        // A shape's outline relative to its own centre: the same shape anywhere gives the same string.
        const pts = /points="([^"]*)"/.exec(m)?.[1];
        if (!pts) return m.slice(1, m.indexOf(' '));
        const xy = pts.split(' ').map((p) => p.split(',').map(Number));
        return xy.map(([x, y]) => `${Math.round(x! - xy[0]![0]!)},${Math.round(y! - xy[0]![1]!)}`).join(' ');
      });
      assert.equal(new Set(geometry).size, series.length, 'distinct markers');
    }
    assert.ok(svg.includes('>never</text>'));
    const nevers = report.crossovers.filter((c) => c.temperature === 'cold' && c.batch === null).length;
    assert.ok(nevers > 0);
    assert.equal((svg.match(/stroke-width="2\.2"/g) ?? []).length, 2 * nevers, 'a cross (two strokes) per never');
    // No line runs into the never band: every line's points lie below it.
    for (const panel of panels) {
      const bandBottom = Number(/<rect x="[\d.]+" y="([\d.]+)" width="[\d.]+" height="24" fill="#f2f2f2"/.exec(panel)?.[1] ?? 0) + 24;
      // ("M0 0": a series with no point below the band draws no line.)
      for (const d of (panel.match(/<path class="line" d="([^"]*)"/g) ?? []).filter((x) => !x.includes('d="M0 0"'))) {
        for (const m of d.matchAll(/[ML]([\d.]+) ([\d.]+)/g)) assert.ok(Number(m[2]) > bandBottom, `line point at y ${m[2]} below the band (${bandBottom})`);
      }
    }
    const storeOnly = crossoverChart(report, 'store');
    assertSvg(storeOnly, 8, ['adaptive ×1', 'spin ×1']);
    assert.equal(storeOnly.split('<svg class="panel"').length - 1, 2);
  });

  it('a chart with more series than colours and markers becomes small multiples, sync and baselines in every panel', () => {
    const big = copy();
    // As on a machine with more cores: the same async cells again with 4 and 8 workers.
    const async = big.cells.filter((c) => c.path === 'async');
    for (const workers of [4, 8]) big.cells.push(...async.map((c) => ({ ...JSON.parse(JSON.stringify(c)), workers }) as Cell));
    const svg = throughputChart(big, 'store');
    const panels = svg.split('<svg class="panel"').slice(1);
    assert.ok(panels.length >= 2, `${panels.length} panels`);
    for (const panel of panels) {
      const series = panel.split('<g class="series"').slice(1).map((b) => b.slice(0, b.indexOf('</g>')));
      assert.ok(series.length <= 10);
      const colours = series.map((b) => /stroke="(#[0-9A-Fa-f]{6})"/.exec(b)![1]);
      assert.equal(new Set(colours).size, series.length, 'distinct colours within a panel');
      for (const ref of ['sync', 'memcpy (baseline)', 'typedarray-set (baseline)']) assert.ok(panel.includes(`>${ref}</text>`), ref);
    }
    for (const mode of ['adaptive ×4', 'sleep ×8']) assert.ok(svg.includes(`>${mode}</text>`), mode);
    // One y axis for all panels.
    const ticks = panels.map((p) => /<g class="ticks"[^>]*>([\s\S]*?)<\/g>/.exec(p)![1]!.match(/text-anchor="end">[^<]*/g)!.join());
    assert.equal(new Set(ticks).size, 1, 'the same y ticks in every panel');
  });

  it('lines join only neighbouring page sizes: a page size a series lacks breaks it, dotted and said', () => {
    // The fixture measured 4 KiB, 64 KiB and 2 MiB: nothing between them.
    const svg = throughputChart(report, 'store');
    for (const d of svg.match(/<path class="line" d="([^"]*)"/g) ?? []) assert.doesNotMatch(d, /L/, 'no solid segment between page sizes that are not neighbours');
    assert.ok((svg.match(/<path class="gap" /g) ?? []).length > 0, 'dotted connectors');
    assert.ok(svg.includes('Dotted: page sizes between were not measured (16K, 256K, 1M)'));
    // Neighbours are joined: every page size of the sweep measured.
    const full = lineChart({
      title: 't', xLabel: 'x', yLabel: 'y', xScale: 'log2',
      xGrid: [1, 4, 16, 64], series: [{ label: 'a', points: [1, 4, 16, 64].map((x) => ({ x, y: x })) }, { label: 'b', points: [1, 16, 64].map((x) => ({ x, y: 2 * x })) }],
    });
    const lines = full.match(/<path class="line" d="([^"]*)"/g)!;
    assert.equal((lines[0]!.match(/L/g) ?? []).length, 3, 'a: three solid segments');
    assert.equal((lines[1]!.match(/L/g) ?? []).length, 1, 'b: 16 → 64 solid, 1 → 16 skips 4');
    assert.equal((full.match(/<path class="gap" /g) ?? []).length, 1);
  });

  it('a clipped y axis draws an outlier as a labelled arrow at the edge, and keeps the rest apart', () => {
    const spec = {
      title: 't', xLabel: 'x', yLabel: 'ratio', xScale: 'log2' as const, yScale: 'log10' as const, yFormat: formatRatio,
      series: [{ label: 'a', points: [{ x: 1, y: 1.1 }, { x: 2, y: 0.9 }, { x: 4, y: 1.05 }, { x: 8, y: 50 }, { x: 16, y: 0.95 }] }],
    };
    const clip = robustLogClip(spec.series[0]!.points.map((p) => p.y), [1]);
    assert.ok(clip.max !== undefined && clip.max < 50 && clip.max >= 4, `clip max ${clip.max}`);
    assert.equal(clip.min, undefined, 'nothing far below');
    assert.deepEqual(robustLogClip([0.9, 1, 1.5, 1.1, 0.8], [1]), {}, 'a 1.5× difference stays on the axis');
    const svg = lineChart({ ...spec, yClip: clip });
    assertSvg(svg, 1, ['a']);
    assert.equal((svg.match(/<polygon class="offscale" /g) ?? []).length, 1);
    assert.ok(svg.includes('>50×</text>'), 'the value beside its arrow');
    assert.ok(svg.includes('beyond the axis'), 'the note says what the arrow means');
    // Without the clip the outlier sets the axis: the top tick is at least 50.
    assert.ok(lineChart(spec).includes('>50×</text>'));
    // Labels of off-scale points close together stack instead of overlapping.
    const marks = offscaleMarks([{ x: 100, edge: 'above', label: '50×', color: '#000000' }, { x: 104, edge: 'above', label: '60×', color: '#000000' }], 50, 300);
    const ys = [...marks.matchAll(/<text x="[\d.]+" y="([\d.]+)"/g)].map((m) => Number(m[1]));
    assert.equal(ys.length, 2);
    assert.notEqual(ys[0], ys[1]);
  });

  it('lineChart escapes text, draws log axes and hollow markers, and stays well-formed without data', () => {
    const svg = lineChart({
      title: 'A <b>"title"</b> & more',
      xLabel: 'x',
      yLabel: 'y',
      xScale: 'log2',
      yScale: 'log10',
      series: [
        { label: 'a<b>', points: [{ x: 4096, y: 10, lo: 8, hi: 12 }, { x: 2097152, y: 1000, hollow: true }] },
        { label: "it's", points: [{ x: 65536, y: 100 }] },
      ],
    });
    assertSvg(svg, 2, ['a&lt;b&gt;', 'it&#39;s']);
    assert.ok(svg.includes('A &lt;b&gt;&quot;title&quot;&lt;/b&gt; &amp; more'));
    assert.ok(svg.includes('fill="#ffffff" stroke="#0072B2"'), 'hollow marker');
    assert.ok(svg.includes('>100</text>') && svg.includes('>1000</text>'), 'log10 ticks');
    const empty = lineChart({ title: 't', xLabel: 'x', yLabel: 'y', series: [] });
    assertSvg(empty, 0, []);
    assert.ok(empty.includes('>no data</text>'));
  });
});

describe('renderHtml', () => {
  const html = renderHtml(report);

  it('is one self-contained page with the charts inline and no external references', () => {
    assert.ok(html.startsWith('<!DOCTYPE html>'));
    assertWellFormed(html);
    // 4 answer grids + 2 throughput + caller CPU for 4 KiB and 2 MiB of both ops.
    assert.equal((html.match(/<svg /g) ?? []).length, 10);
    assert.doesNotMatch(html, /https?:\/\//);
    assert.doesNotMatch(html, /<(script|link|img|iframe)\b/i);
    assert.doesNotMatch(html, /url\(|@import/);
  });

  it('has the same tables as the Markdown page', () => {
    assert.ok(html.includes('<th>Op</th><th class="num">Page</th>'));
    assert.equal((html.match(/<h3>/g) ?? []).length, 12);
    const two256 = cell({ op: 'store', pageSize: 4096, temperature: 'cold', path: 'async', waitMode: 'adaptive', workers: 2, batch: 256 });
    assert.ok(html.includes(`<strong>${formatStat(two256.metrics.gbps)}</strong>`));
    assert.ok(html.includes('AMD EPYC 9354 32-Core Processor (AuthenticAMD)'));
    assert.ok(html.includes('&quot;repetitions&quot;: 5'));
    assert.ok(html.includes('&quot;batchSizes&quot;: [1, 4, 16, 64, 256]'));
  });

  it('escapes whatever the report says', () => {
    const r = copy();
    r.notes = ['<script>alert(1)</script> & "quotes"'];
    (r.machine as Record<string, unknown>).hostname = '<img src=x onerror=alert(1)>';
    const out = renderHtml(r);
    assert.ok(!out.includes('<script>alert'));
    assert.ok(out.includes('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;'));
    assert.doesNotMatch(out, /<img/);
    assertWellFormed(out);
  });
});

describe('writeReportFiles', () => {
  const dir = mkdtempSync(join(tmpdir(), 'frontswap-write-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes every file into a directory it creates, and returns the paths', () => {
    const out = join(dir, 'nested', 'out');
    const paths = writeReportFiles(report, out);
    const names = paths.map((p) => p.slice(out.length + 1));
    assert.deepEqual(names, [
      'report.json',
      'report.md',
      'answer-store-throughput.svg',
      'answer-store-callercpu.svg',
      'answer-load-throughput.svg',
      'answer-load-callercpu.svg',
      'throughput-store.svg',
      'throughput-load.svg',
      'caller-cpu-store-4096.svg',
      'caller-cpu-store-2097152.svg',
      'caller-cpu-load-4096.svg',
      'caller-cpu-load-2097152.svg',
      'crossover.svg',
      'report.html',
    ]);
    for (const p of paths) assert.ok(existsSync(p), p);
    assert.deepEqual(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')), JSON.parse(JSON.stringify(report)));
    assert.equal(readFileSync(join(out, 'report.md'), 'utf8'), renderMarkdown(report, { linkCharts: true }));
    assert.equal(readFileSync(join(out, 'throughput-load.svg'), 'utf8'), throughputChart(report, 'load'));
  });

  it('draws only the ops and named page sizes that were measured, and can leave report.json alone', () => {
    const r = copy();
    r.cells = r.cells.filter((c) => c.op === 'store' && c.pageSize !== 2097152);
    r.crossovers = computeCrossovers(r.cells);
    const out = join(dir, 'store-only');
    const names = writeReportFiles(r, out, { json: false }).map((p) => p.slice(out.length + 1));
    assert.deepEqual(names, ['report.md', 'answer-store-throughput.svg', 'answer-store-callercpu.svg', 'throughput-store.svg', 'caller-cpu-store-4096.svg', 'crossover.svg', 'report.html']);
  });
});

describe('queue depth and NUMA in the rendered report', () => {
  it('cells at another depth are their own modes: crossover rows and table columns say QD', () => {
    const r = copy();
    const deeper = r.cells.filter((c) => c.path === 'async' && c.op === 'store' && c.workers === 1 && c.waitMode === 'adaptive').map((c) => ({ ...c, depth: 8 }));
    r.cells.push(...deeper);
    const md = renderMarkdown(r);
    assert.ok(md.split('\n').some((l) => /^\| store \|\s+4 KiB \| cold \| thp\s+\| adaptive ×1 QD 8 /.test(l)), 'a crossover row at QD 8');
    assert.ok(md.includes('| adaptive ×1 QD 8 |'), 'a table column at QD 8');
    const atQd8 = computeCrossovers(r.cells).filter((c) => c.depth === 8);
    assert.equal(atQd8.length, deeper.length / 5 * 2, 'two metrics per setting at depth 8');
  });

  it('one node: the sentence and no table; several: the pairs table, local pairs first', () => {
    const r = copy();
    r.placement = { allowedCpus: 2, numaNodes: 1, cpulessNodes: [], numaCrossing: 'one NUMA node: no crossing measured (x)', numaPairs: [], workerCpus: {} };
    const one = renderMarkdown(r);
    assert.ok(one.includes('## NUMA: pool node × worker node\n\nOne NUMA node: no crossing measured (x).\n\n##'), 'the sentence, no table');
    const cell = r.cells.find((c) => c.path === 'async' && c.pageSize === 4096 && c.temperature === 'cold' && c.batch === 64)!;
    r.placement = { ...r.placement, numaNodes: 2, numaCrossing: '2 NUMA nodes: crossed' };
    r.numa = [
      { ...cell, poolNode: 1, workerNode: 0 },
      { ...cell, poolNode: 0, workerNode: 0 },
    ];
    const two = renderMarkdown(r);
    const rows = two.slice(two.indexOf('## NUMA')).split('\n').filter((l) => /^\| store \|/.test(l));
    assert.equal(rows.length, 2);
    assert.match(rows[0]!, /\|\s+0 \|\s+0 \|/);
    assert.match(rows[1]!, /\|\s+1 \|\s+0 \|/);
    assert.ok(renderHtml(r).includes('NUMA: pool node × worker node'));
  });
});
