import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { CliCommand, CliIo } from '../bench/cli/main';
import { compareCommand, reportCommand } from '../bench/cli/report';
import { sectionsFromJson } from '../bench/cli/sections';

const FIXTURE = join(__dirname, '..', '..', 'test', 'fixtures', 'report-v1.json');
/** What a live `--sections copy,device,kernel,faults` run kept in report.json of its sections, and the Markdown that run printed for them. */
// A live run's sections (data and the Markdown it printed), and an earlier version's data.
const SECTIONS_JSON = join(__dirname, '..', '..', 'test', 'fixtures', 'sections-v2.json');
const SECTIONS_MD = join(__dirname, '..', '..', 'test', 'fixtures', 'sections-v2.md');
const SECTIONS_V1_JSON = join(__dirname, '..', '..', 'test', 'fixtures', 'sections-v1.json');
const dir = mkdtempSync(join(tmpdir(), 'frontswap-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// process.stdout and process.stderr fit CliIo as they are.
const real: CliIo = { stdout: process.stdout, stderr: process.stderr };
void real;

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(cmd: CliCommand, args: string[]): Promise<Ran> {
  let stdout = '';
  let stderr = '';
  const code = await cmd.run(args, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
  });
  // User mistakes never show a stack trace.
  assert.doesNotMatch(stderr, /\n\s+at /, 'no stack frames on stderr');
  return { code, stdout, stderr };
}

let n = 0;
/** A fresh directory under the test's temp dir. */
function fresh(name: string): string {
  const d = join(dir, `${name}-${n++}`);
  mkdirSync(d, { recursive: true });
  return d;
}

function writeJson(name: string, value: unknown): string {
  const path = join(fresh(name), `${name}.json`);
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
  return path;
}

const fixture = (): Record<string, unknown> => JSON.parse(readFileSync(FIXTURE, 'utf8'));

/** `frontswap report` over the fixture report carrying the sections of `file`: its output folder and report.md. */
async function redrawSections(file: string, name: string): Promise<{ sections: Record<string, Record<string, unknown>>; out: string; md: string }> {
  const sections = JSON.parse(readFileSync(file, 'utf8')) as Record<string, Record<string, unknown>>;
  const path = writeJson(`with-${name}`, { ...fixture(), sections });
  const out = fresh(`${name}-out`);
  const r = await run(reportCommand, [path, '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  return { sections, out, md: readFileSync(join(out, 'report.md'), 'utf8') };
}

describe('frontswap report', () => {
  it('renders a good report into --out and prints report.md', async () => {
    const out = join(fresh('out'), 'deeper');
    const r = await run(reportCommand, [FIXTURE, '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.startsWith('# frontswap bench: sync vs async page copies on bench-epyc-01\n'));
    assert.equal(r.stdout, readFileSync(join(out, 'report.md'), 'utf8'));
    assert.deepEqual(readdirSync(out).sort(), [
      'answer-load-callercpu.svg',
      'answer-load-throughput.svg',
      'answer-store-callercpu.svg',
      'answer-store-throughput.svg',
      'caller-cpu-load-2097152.svg',
      'caller-cpu-load-4096.svg',
      'caller-cpu-store-2097152.svg',
      'caller-cpu-store-4096.svg',
      'crossover.svg',
      'report.html',
      'report.json',
      'report.md',
      'throughput-load.svg',
      'throughput-store.svg',
    ]);
    assert.match(r.stderr, /wrote 14 files/);
  });

  it('redraws the sections (device, kernel, faults) from the data report.json keeps of them', async () => {
    const { sections, out, md } = await redrawSections(SECTIONS_JSON, 'sections');
    // The very words and tables the live run printed, from its data alone.
    assert.ok(md.includes(readFileSync(SECTIONS_MD, 'utf8').trimEnd()), 'report.md holds the sections as measured');
    for (const name of ['device', 'kernel', 'faults']) {
      assert.ok(md.includes(String(sections[name]!['headline'])), `${name}: the headline the run wrote`);
    }
    for (const file of ['kernel-paths.svg', 'faults-uniform.svg']) {
      const svg = readFileSync(join(out, file), 'utf8');
      assert.match(svg, /^<svg [^>]*>[\s\S]*<(path|rect|circle|polygon)\b[\s\S]*<\/svg>\n$/, file);
      assert.ok(readFileSync(join(out, 'report.html'), 'utf8').includes(svg.replace(' xmlns="http://www.w3.org/2000/svg"', '').trimEnd()), `${file} inline in report.html`);
    }
    // Redrawing what it redrew changes nothing: the data survives the round trip through JSON.
    const once = sectionsFromJson(sections);
    const twice = sectionsFromJson(JSON.parse(JSON.stringify(Object.fromEntries(once.map((x) => [x.name, { headline: x.headline, ...x.data }])))));
    assert.deepEqual(twice.map((x) => x.markdown), once.map((x) => x.markdown));
    // A section that was skipped says why, and one this version does not know is left out.
    const skipped = sectionsFromJson({ kernel: { skipped: 'kernel section skipped: needs root' }, tape: { headline: 'x' } });
    assert.deepEqual(skipped.map((x) => [x.name, x.skipped]), [['kernel', 'kernel section skipped: needs root']]);
    assert.ok(skipped[0]!.markdown.includes('kernel section skipped: needs root'));
  });

  it("redraws an earlier version's sections (one kernel path, the device at 4 KiB only) from their data", async () => {
    const { sections, md } = await redrawSections(SECTIONS_V1_JSON, 'v1-sections');
    // The device and kernel headlines read as that run wrote them; the faults
    // headline is worded from the figures by today's renderer.
    for (const name of ['device', 'kernel']) {
      assert.ok(md.includes(String(sections[name]!['headline'])), `${name}: the headline the run wrote`);
    }
    assert.match(md, /## Real page faults \(SwapRegion over userfaultfd\)/);
    // What that version did not record is said, not made up.
    assert.match(md, /4 KiB random overwrites of stored keys and random loads, O_DIRECT, 16384 slots/);
    assert.match(md, /\| frontswap \(pool slot, sync eviction\) [^\n]*not recorded/);
    assert.match(md, /kernel, zram/);
  });

  it('writes next to the JSON by default, without rewriting the report it read', async () => {
    const d = fresh('inplace');
    const path = join(d, 'report.json');
    const compact = JSON.stringify(fixture());
    writeFileSync(path, compact);
    const r = await run(reportCommand, [path]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(existsSync(join(d, 'report.html')));
    assert.equal(readFileSync(path, 'utf8'), compact, 'report.json left as it was');
    // Another file name in that directory gets a report.json beside it.
    const d2 = fresh('beside');
    copyFileSync(FIXTURE, join(d2, 'run-1.json'));
    assert.equal((await run(reportCommand, [join(d2, 'run-1.json')])).code, 0);
    assert.ok(existsSync(join(d2, 'report.json')));
  });

  it('exit 1 for a missing file, naming it', async () => {
    const missing = join(dir, 'no-such-report.json');
    const r = await run(reportCommand, [missing]);
    assert.equal(r.code, 1);
    assert.ok(r.stderr.includes(missing));
    assert.match(r.stderr, /no such file/);
    assert.equal(r.stdout, '');
  });

  it('exit 1 for malformed JSON, saying where', async () => {
    const path = writeJson('broken', '{\n  "schema": "frontswap-bench",\n  "version": 1\n  "cells": []\n}');
    const r = await run(reportCommand, [path]);
    assert.equal(r.code, 1);
    assert.ok(r.stderr.includes(path));
    assert.match(r.stderr, /not valid JSON: .*line 4, column 3/);
  });

  it('exit 1 for a report from a newer frontswap, saying to upgrade', async () => {
    const path = writeJson('newer', { ...fixture(), version: 2, somethingNew: true });
    const r = await run(reportCommand, [path]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /newer frontswap \(schema v2\).*upgrade frontswap/);
  });

  it('exit 1 for JSON that is not a bench report', async () => {
    const path = writeJson('other', { name: 'some-package', version: '1.0.0' });
    const r = await run(reportCommand, [path]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /not a frontswap bench report/);
  });

  it('exit 2 for usage mistakes, with the usage', async () => {
    for (const args of [[], [FIXTURE, FIXTURE], [FIXTURE, '--bogus'], [FIXTURE, '--out'], [FIXTURE, '--out', ''], ['-x']]) {
      const r = await run(reportCommand, args);
      assert.equal(r.code, 2, `args ${JSON.stringify(args)}: ${r.stderr}`);
      assert.match(r.stderr, /^frontswap report: /);
      assert.match(r.stderr, /\nusage: frontswap report FILE\.json \[--out DIR\]\nrun 'frontswap report --help' for more\n$/);
      assert.equal(r.stdout, '');
    }
  });

  it('--help prints the usage and exits 0', async () => {
    const r = await run(reportCommand, ['--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^usage: frontswap report FILE\.json \[--out DIR\]\n\nrender a bench report/);
    assert.match(r.stdout, /-o, --out DIR/);
    assert.equal(reportCommand.name, 'report');
    assert.ok(reportCommand.summary.length > 0);
  });
});

describe('frontswap compare', () => {
  it('compares two reports into --out and prints compare.md', async () => {
    const d = fresh('cmp');
    const a = join(d, 'epyc.json');
    const b = join(d, 'xeon.json');
    copyFileSync(FIXTURE, a);
    const other = fixture();
    (other.machine as Record<string, unknown>).hostname = 'bench-xeon-02';
    writeFileSync(b, JSON.stringify(other));
    const out = join(d, 'out');
    const r = await run(compareCommand, [a, b, '--out', out, '--label', 'epyc', '--label', 'xeon']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.startsWith('# frontswap bench comparison: epyc vs xeon\n'));
    assert.deepEqual(readdirSync(out).sort(), ['compare.html', 'compare.md', 'compare.svg']);
    assert.equal(r.stdout, readFileSync(join(out, 'compare.md'), 'utf8'));
    assert.match(r.stdout, /\| Host\s+\| bench-epyc-01\s+\| bench-xeon-02\s+\|/);
  });

  it('labels reports by host, CPU and date, and writes to a folder of its own by default', async () => {
    const d = fresh('same');
    mkdirSync(join(d, 'a'));
    mkdirSync(join(d, 'b'));
    copyFileSync(FIXTURE, join(d, 'a', 'report.json'));
    copyFileSync(FIXTURE, join(d, 'b', 'report.json'));
    const cwd = process.cwd();
    process.chdir(d);
    try {
      const r = await run(compareCommand, [join('a', 'report.json'), join('b', 'report.json')]);
      assert.equal(r.code, 0, r.stderr);
      const label = 'bench-epyc-01 · AMD EPYC 9354 · 2026-03-02';
      assert.ok(r.stdout.startsWith(`# frontswap bench comparison: ${label} vs ${label} (2)\n`), r.stdout.slice(0, 200));
      assert.ok(existsSync(join(d, 'frontswap-compare', 'compare.md')));
      assert.ok(!existsSync(join(d, 'compare.md')), 'nothing written straight into the current directory');
      const three = await run(compareCommand, [join('a', 'report.json'), join('b', 'report.json'), '--label', 'x', '--label', 'y', '--label', 'z']);
      assert.equal(three.code, 2, 'more labels than reports is a usage error');
    } finally {
      process.chdir(cwd);
    }
  });

  it('exit 2 with fewer than two files or a bad flag', async () => {
    for (const args of [[], [FIXTURE], [FIXTURE, FIXTURE, '--nope'], [FIXTURE, FIXTURE, '--out']]) {
      const r = await run(compareCommand, args);
      assert.equal(r.code, 2, `args ${JSON.stringify(args)}: ${r.stderr}`);
      assert.match(r.stderr, /\nusage: frontswap compare A\.json B\.json/);
    }
  });

  it('exit 1 when any report is unreadable, naming it', async () => {
    const missing = join(dir, 'gone.json');
    const r = await run(compareCommand, [FIXTURE, missing, '--out', fresh('never')]);
    assert.equal(r.code, 1);
    assert.ok(r.stderr.includes(missing));
    const newer = writeJson('newer-cmp', { ...fixture(), version: 3 });
    const r2 = await run(compareCommand, [newer, FIXTURE, '--out', fresh('never')]);
    assert.equal(r2.code, 1);
    assert.match(r2.stderr, /schema v3.*upgrade frontswap/);
  });

  it('exit 1 without a stack when the output directory cannot be made', async () => {
    const file = join(fresh('blocker'), 'a-file');
    writeFileSync(file, 'x');
    const r = await run(compareCommand, [FIXTURE, FIXTURE, '--out', join(file, 'sub')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^frontswap compare: /);
  });
});
