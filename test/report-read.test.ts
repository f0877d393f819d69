import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { findJsonError } from '../bench/report/json-error';
import { formatJson } from '../bench/report/json-format';
import { ReportError, parseReport, readReport } from '../bench/report/read';

const FIXTURE = join(__dirname, '..', '..', 'test', 'fixtures', 'report-v1.json');
const fixtureText = readFileSync(FIXTURE, 'utf8');
const fixture = (): Record<string, any> => JSON.parse(fixtureText);

function rejects(text: string, code: string, pattern: RegExp): void {
  assert.throws(
    () => parseReport(text, 'r.json'),
    (e: unknown) => {
      assert.ok(e instanceof ReportError, 'a ReportError');
      assert.equal(e.code, code);
      assert.equal(e.source, 'r.json');
      assert.match(e.message, pattern);
      return true;
    },
  );
}

describe('parseReport', () => {
  it('reads the fixture', () => {
    const r = parseReport(fixtureText, 'fixture');
    assert.equal(r.schema, 'frontswap-bench');
    assert.equal(r.cells.length, 300);
    assert.equal(r.baselines.length, 60);
  });

  it('says where invalid JSON breaks, by line and column', () => {
    rejects('{\n  "schema": "frontswap-bench",\n  "version": 1,,\n}', 'ERR_REPORT_JSON', /r\.json: not valid JSON: .*line 3, column 16/);
    rejects('{"a": [1, 2', 'ERR_REPORT_JSON', /unexpected end of input at line 1, column 12/);
    rejects('', 'ERR_REPORT_JSON', /empty/);
    rejects('{"a": 1} trailing', 'ERR_REPORT_JSON', /after the JSON value at line 1, column 10/);
  });

  it('refuses what is not a frontswap bench report', () => {
    rejects('[1, 2]', 'ERR_REPORT_SCHEMA', /not a frontswap bench report/);
    rejects('{"schema": "something-else", "version": 1}', 'ERR_REPORT_SCHEMA', /schema is the string "something-else"/);
    rejects('{"schema": "frontswap-bench", "version": "1"}', 'ERR_REPORT_SCHEMA', /bad report version/);
  });

  it('refuses a newer schema version before looking further, and says to upgrade', () => {
    rejects('{"schema": "frontswap-bench", "version": 2}', 'ERR_REPORT_VERSION', /newer frontswap \(schema v2\); this one reads v1: upgrade frontswap/);
  });

  it('names the JSON path of wrong or missing fields', () => {
    const r = fixture();
    r.cells[3].metrics.gbps.q1 = null;
    delete r.cells[7].metrics.callerCpuNsPerPage;
    r.cells[9].path = 'sideways';
    r.baselines[0].pageSize = -4096;
    delete r.pools;
    const text = JSON.stringify(r);
    rejects(text, 'ERR_REPORT_SCHEMA', /\$\.cells\[3\]\.metrics\.gbps\.q1: expected a number, got null/);
    rejects(text, 'ERR_REPORT_SCHEMA', /\$\.cells\[7\]\.metrics\.callerCpuNsPerPage: expected a Stat object, got nothing \(the field is missing\)/);
    rejects(text, 'ERR_REPORT_SCHEMA', /\$\.cells\[9\]\.path: expected one of 'sync', 'async'/);
    rejects(text, 'ERR_REPORT_SCHEMA', /\$\.baselines\[0\]\.pageSize: expected a positive number, got -4096/);
    rejects(text, 'ERR_REPORT_SCHEMA', /\$\.pools: expected an array, got nothing/);
  });

  it('requires wait mode and workers on async cells only', () => {
    const r = fixture();
    const asyncCell = r.cells.find((c: { path: string }) => c.path === 'async');
    delete asyncCell.waitMode;
    rejects(JSON.stringify(r), 'ERR_REPORT_SCHEMA', /\.waitMode: expected one of/);
    const ok = fixture();
    assert.equal(ok.cells[0].path, 'sync');
    assert.equal(ok.cells[0].waitMode, undefined);
    assert.doesNotThrow(() => parseReport(JSON.stringify(ok), 'ok'));
  });

  it('accepts a byte-order mark, an older-but-same-major report and a null crossover ratio', () => {
    const r = fixture();
    r.crossovers[0].ratio = null;
    const parsed = parseReport(`\uFEFF${JSON.stringify(r)}`, 'bom');
    assert.ok(Number.isNaN(parsed.crossovers[0]!.ratio));
  });
});

describe('readReport', () => {
  const dir = mkdtempSync(join(tmpdir(), 'frontswap-read-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('ERR_REPORT_MISSING names the missing path', () => {
    const path = join(dir, 'nope.json');
    assert.throws(() => readReport(path), (e: unknown) => e instanceof ReportError && e.code === 'ERR_REPORT_MISSING' && e.message.includes(path));
  });

  it('ERR_REPORT_UNREADABLE for a directory', () => {
    assert.throws(() => readReport(dir), (e: unknown) => e instanceof ReportError && e.code === 'ERR_REPORT_UNREADABLE' && /directory/.test(e.message));
  });
});

describe('findJsonError and formatJson', () => {
  it('finds nothing wrong in valid JSON, and the first problem otherwise', () => {
    assert.equal(findJsonError('{"a": [1, -2.5e3, true, null, "x\\u00e9"]}'), undefined);
    assert.deepEqual(findJsonError('{"a": tru}'), { offset: 9, line: 1, column: 10, problem: 'unexpected "}"' });
    assert.equal(findJsonError("{'a': 1}")?.problem, 'expected a property name in double quotes');
    assert.equal(findJsonError('[1,\n 2,\n 03]')?.line, 3);
  });

  it('formatJson writes the same value, short things on one line', () => {
    const value = { a: [1, 2, 3], nested: { s: 'x', list: Array.from({ length: 40 }, (_, i) => i * 1000) }, skip: undefined };
    const text = formatJson(value, 60);
    assert.deepEqual(JSON.parse(text), JSON.parse(JSON.stringify(value)));
    assert.match(text, /"a": \[1, 2, 3\]/);
    assert.ok(text.split('\n').length > 5, 'long things wrap');
    assert.equal(formatJson(fixture()).length > 0, true);
    assert.deepEqual(JSON.parse(formatJson(fixture())), fixture());
  });
});
