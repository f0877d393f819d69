/**
 * The CLI against hostile files and flags: reports that are FIFOs, devices or
 * too big; --out where nothing can be created; negative flag values; page sizes
 * spelled as the API spells them. Each run is a child process with a timeout,
 * so a hang fails the test instead of stalling the suite.
 */
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { PagePool } from '../lib/index';
import { parsePageSize } from '../lib/page-size';
import { BenchUsageError, parseBenchArgs } from '../bench/run/options';
import { MAX_REPORT_BYTES } from '../bench/report/read';

const CLI = path.join(__dirname, '..', 'bench', 'cli', 'main.js');
const FIXTURE = path.join(__dirname, '..', '..', 'test', 'fixtures', 'report-v1.json');

/** Runs the CLI; a hang past 15 s fails as a hang. */
function cli(...args: string[]): { status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 15_000 });
  assert.equal(r.signal, null, `frontswap ${args.join(' ')} hung or died (${r.signal})`);
  return { status: r.status, stderr: r.stderr };
}

/** One line on stderr, exit `status` (1: an unreadable report; 2: an unusable --out), naming `mentions`. */
function refusedInOneLine(r: { status: number | null; stderr: string }, mentions: RegExp, status = 1): void {
  assert.equal(r.status, status, r.stderr);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line, got:\n${r.stderr}`);
  assert.match(lines[0]!, mentions);
}

describe('frontswap report / compare read reports from regular files only', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'frontswap-hostile-cli-'));
  const fifo = path.join(dir, 'report.fifo');
  execFileSync('mkfifo', [fifo]);
  const huge = path.join(dir, 'huge.json');
  fs.closeSync(fs.openSync(huge, 'w'));
  fs.truncateSync(huge, MAX_REPORT_BYTES + 1);  // sparse: no disk used

  it('a FIFO is refused at once instead of hanging', () => {
    refusedInOneLine(cli('report', fifo, '--out', dir), /not a regular file/);
    refusedInOneLine(cli('compare', FIXTURE, fifo, '--out', dir), /report\.fifo: is not a regular file/);
  });

  it('/dev/zero is refused before a byte is read (no unbounded read)', () => {
    refusedInOneLine(cli('report', '/dev/zero', '--out', dir), /\/dev\/zero: is not a regular file/);
    refusedInOneLine(cli('compare', '/dev/zero', FIXTURE, '--out', dir), /\/dev\/zero/);
  });

  it('a file over the size limit is refused with the limit named', () => {
    refusedInOneLine(cli('report', huge, '--out', dir), new RegExp(`over the ${MAX_REPORT_BYTES}-byte limit`));
  });

  it('a regular report still renders', () => {
    const r = cli('report', FIXTURE, '--out', path.join(dir, 'fresh', 'deeper'));
    assert.equal(r.status, 0, r.stderr);
    assert.ok(fs.existsSync(path.join(dir, 'fresh', 'deeper', 'report.md')));
  });
});

describe('--out that cannot be created fails in one line', () => {
  for (const [status, args] of [
    [1, ['report', FIXTURE, '--out', '/proc/frontswap-test/out']],
    [1, ['compare', FIXTURE, FIXTURE, '--out', '/proc/frontswap-test']],
    [2, ['bench', '--quick', '--out', '/proc/frontswap-test/out']],
  ] as const) {
    it(`frontswap ${args.join(' ')}`, () => {
      refusedInOneLine(cli(...args), /--out \/proc\/frontswap-test.*: cannot write there \(cannot create \/proc\/frontswap-test/, status);
    });
  }

  it('a file in the way', () => {
    refusedInOneLine(cli('report', FIXTURE, '--out', path.join(FIXTURE, 'sub')), /--out .*cannot write there \((a file is in the way|.* is a file)/);
  });
});

describe('numeric flags with bad values get their own one-line message', () => {
  const ctx = { lastLevelCacheBytes: null };
  for (const [flag, value, message] of [
    ['--sample-ms', '-1', /^--sample-ms must be a whole number from 1 to 60000, got '-1'$/],
    ['--reps', '-5', /^--reps must be a whole number/],
    ['--batches', '-4', /^--batches: '-4' is not a batch size/],
    ['--sample-ms', '-0.5', /^--sample-ms must be a whole number/],
  ] as const) {
    it(`${flag} ${value}`, () => {
      assert.throws(() => parseBenchArgs([flag, value], ctx), (e: unknown) => {
        assert.ok(e instanceof BenchUsageError);
        assert.match(e.message, message);
        assert.ok(!e.message.includes('\n'), e.message);
        return true;
      });
    });
  }
});

describe('page sizes are spelled alike in the API and the CLI', () => {
  const ctx = { lastLevelCacheBytes: null };
  const spellings: [string, number][] = [
    ['4k', 4096], ['4K', 4096], ['64k', 65536], ['64K', 65536], ['2m', 2 << 20], ['2M', 2 << 20], ['2MiB', 2 << 20], ['16kb', 16384], ['4096', 4096],
  ];
  for (const [text, bytes] of spellings) {
    it(`'${text}' is ${bytes} bytes for PagePool and for --page-sizes`, () => {
      assert.equal(parsePageSize(text), bytes);
      const pool = new PagePool({ pageSize: text, pages: 1, prefault: false });
      assert.equal(pool.pageSize, bytes);
      pool.close();
      const parsed = parseBenchArgs(['--page-sizes', text], ctx);
      assert.ok(!parsed.help);
      if (!parsed.help) assert.deepEqual(parsed.options.pageSizes, [bytes]);
    });
  }
  for (const text of ['3k', '8191', '4m', '1k', 'k', '4 k b', '-4k', '0x1000']) {
    it(`'${text}' is refused by both`, () => {
      assert.throws(() => new PagePool({ pageSize: text, pages: 1 }), (e: unknown) => (e as { code?: string }).code === 'ERR_OUT_OF_RANGE');
      assert.throws(() => parseBenchArgs(['--page-sizes', text], ctx), BenchUsageError);
    });
  }
});
