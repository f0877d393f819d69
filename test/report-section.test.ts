import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { renderHtml } from '../bench/report/html';
import { renderMarkdown } from '../bench/report/markdown';
import { readReport } from '../bench/report/read';
import { compareWords, sectionResult, skippedSection } from '../bench/report/section-render';

const FIXTURE = join(__dirname, '..', '..', 'test', 'fixtures', 'report-v1.json');

const spec = {
  name: 'device' as const,
  title: 'The ordinary swap device',
  headline: 'io_uring wins from queue depth 4 <b>',
  chart: { file: 'device-iops.svg', svg: '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>', alt: 'IOPS by depth' },
  tables: [{ title: 'IOPS', table: { columns: [{ label: 'depth' }, { label: 'IOPS', align: 'right' as const }], rows: [['1', '12.3 k']] } }],
  notes: ['4 KiB random writes.'],
  data: { iops: [1] },
};

describe('bench sections in the report language', () => {
  it('headline first, then one picture, then the tables', () => {
    const r = sectionResult(spec);
    const lines = r.markdown.split('\n').filter((l) => l);
    assert.equal(lines[0], '## The ordinary swap device');
    assert.equal(lines[1], '**io_uring wins from queue depth 4 \\<b\\>**');
    assert.equal(lines[2], '![IOPS by depth](device-iops.svg)');
    assert.equal(lines[3], '### IOPS');
    assert.ok(lines[4]!.startsWith('| depth'));
    assert.equal(r.charts.length, 1);
    assert.equal(r.skipped, null);
    assert.ok(r.html!.includes('<strong>io_uring wins from queue depth 4 &lt;b&gt;</strong>'));
  });

  it('plugs into report.md and report.html after the copy sweep answer', () => {
    const report = readReport(FIXTURE);
    const sections = [sectionResult(spec), skippedSection('kernel', 'The kernel swap paths', 'needs root: run as root')];
    const md = renderMarkdown(report, { sections });
    const at = md.indexOf('## The ordinary swap device');
    assert.ok(at > md.indexOf('## The answer') && at < md.indexOf('## How to read this'));
    assert.ok(md.includes('## The kernel swap paths\n\nneeds root: run as root'));
    const html = renderHtml(report, sections);
    assert.ok(html.indexOf('<h2>The ordinary swap device</h2>') < html.indexOf('<h2>How to read this</h2>'));
    assert.ok(html.includes('<rect width="10" height="10"/>'));
  });

  it('compares two ways in words, by the test', () => {
    const a = { name: 'io_uring', values: [20, 20.5, 19.5, 20.2, 19.8] };
    const b = { name: 'pwrite', values: [10, 10.2, 9.9, 10.1, 9.8] };
    assert.equal(compareWords(a, b, 'IOPS', true), 'io_uring wins (2.00× IOPS)');
    assert.equal(compareWords(a, b, 'latency', false), 'pwrite wins (2.00× latency)');
    const noisy = { name: 'x', values: [10, 12, 9, 11, 13] };
    const noisy2 = { name: 'y', values: [11, 10.5, 12.5, 13.5, 9.5] };
    assert.match(compareWords(noisy, noisy2, 'IOPS', true), /^no significant difference \(/);
    assert.match(compareWords({ name: 'x', values: [1, 2] }, { name: 'y', values: [3, 4] }, 'IOPS', true), /^too few repetitions to tell/);
  });
});
