/** The `frontswap` command line, run as a user runs it (a child process) and in-process via main(). */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { commands, main } from '../bench/cli/main';
import type { CliIo } from '../bench/cli/main';
import { machineInfo } from '../lib/machine-info';
import type { MachineInfo } from '../lib/machine-info';

const cliPath = path.join(__dirname, '..', 'bench', 'cli', 'main.js');
const packageJson = path.join(__dirname, '..', '..', 'package.json');

interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

function runCli(...args: string[]): CliRun {
  const r = spawnSync(process.execPath, [cliPath, ...args], { encoding: 'utf8', timeout: 30_000 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function capture(): CliIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: (text: string) => (err += text) },
    out: () => out,
    err: () => err,
  };
}

/** The fields that cannot change between two reads a moment apart (huge page counts can: other suites reserve some). */
function stableFields(info: MachineInfo): unknown {
  return {
    cpu: { ...info.cpu, mhz: undefined },
    numaNodes: info.numaNodes.map((n) => ({ id: n.id, cpuList: n.cpuList })),
    totalBytes: info.memory.totalBytes,
    kernel: info.kernel,
    pageSize: info.pageSize,
    hugePageSize: info.hugePages.sizeBytes,
    thp: info.thp,
    caches: info.caches,
    lastLevelCacheBytes: info.lastLevelCacheBytes,
    dmaEngines: info.dmaEngines,
    node: info.node,
    hostname: info.hostname,
    virtualized: info.virtualized,
    governor: info.governor,
    smt: info.smt,
  };
}

function assertUsageMistake(r: CliRun, mentions?: string): void {
  assert.equal(r.status, 2, `exit code; stderr: ${r.stderr}`);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /usage/i);
  assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
  assert.doesNotMatch(r.stderr, /TypeError|Error \[|ERR_/, 'no raw error');
  if (mentions !== undefined) assert.ok(r.stderr.includes(mentions), `stderr mentions ${mentions}: ${r.stderr}`);
}

describe('frontswap CLI (child process)', () => {
  it('is an executable script with a node shebang', () => {
    assert.ok(fs.readFileSync(cliPath, 'utf8').startsWith('#!/usr/bin/env node\n'));
  });

  it('info prints the machine for a person', () => {
    const r = runCli('info');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    const model = machineInfo().cpu.model;
    if (model !== null) assert.ok(r.stdout.includes(model), r.stdout);
    assert.ok(r.stdout.includes(os.release()));
    assert.match(r.stdout, /^CPU\n/);
  });

  it('info --json prints the same facts as machineInfo()', () => {
    const r = runCli('info', '--json');
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.stdout.endsWith('}\n'));
    const printed = JSON.parse(r.stdout) as MachineInfo;
    assert.deepEqual(stableFields(printed), stableFields(machineInfo()));
  });

  it('an unknown command is a usage mistake (exit 2)', () => {
    assertUsageMistake(runCli('bogus'), "'bogus'");
  });

  it('an unknown flag is a usage mistake (exit 2)', () => {
    assertUsageMistake(runCli('info', '--bogus'), '--bogus');
    assertUsageMistake(runCli('--bogus'), '--bogus');
  });

  it('an extra argument or a value on a boolean flag is a usage mistake (exit 2)', () => {
    assertUsageMistake(runCli('info', 'extra'), "'extra'");
    assertUsageMistake(runCli('info', '--json=yes'), '--json');
  });

  it('no command at all is a usage mistake (exit 2)', () => {
    assertUsageMistake(runCli());
  });

  it('--help, -h and help print usage on stdout (exit 0)', () => {
    for (const args of [['--help'], ['-h'], ['help']]) {
      const r = runCli(...args);
      assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr, '');
      assert.match(r.stdout, /^usage: frontswap <command>/);
      for (const command of commands) assert.ok(r.stdout.includes(command.name));
    }
  });

  it('info --help and help info describe the info command (exit 0)', () => {
    for (const args of [['info', '--help'], ['help', 'info']]) {
      const r = runCli(...args);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /^usage: frontswap info \[--json\]/);
      assert.ok(r.stdout.includes('--json'));
    }
    assertUsageMistake(runCli('help', 'bogus'), "'bogus'");
  });

  it('--version prints the package version', () => {
    const { version } = JSON.parse(fs.readFileSync(packageJson, 'utf8')) as { version: string };
    const r = runCli('--version');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `${version}\n`);
  });
});

describe('frontswap CLI main()', () => {
  it('returns 0 and writes JSON for info --json', async () => {
    const io = capture();
    assert.equal(await main(['info', '--json'], io), 0);
    assert.equal(io.err(), '');
    assert.equal((JSON.parse(io.out()) as MachineInfo).kernel.release, os.release());
  });

  it('returns 2 and writes only to stderr on a mistake', async () => {
    for (const argv of [[], ['nope'], ['info', '-x'], ['help', 'a', 'b']]) {
      const io = capture();
      assert.equal(await main(argv, io), 2, argv.join(' '));
      assert.equal(io.out(), '');
      assert.match(io.err(), /^frontswap[^\n]*: .+\nusage: /);
    }
  });

  it('treats --help after -- as an argument, not a flag', async () => {
    const io = capture();
    assert.equal(await main(['info', '--', '--help'], io), 2);
    assert.equal(io.out(), '');
  });

  it('has a table of uniquely named commands, each with summary and usage', () => {
    const names = commands.map((c) => c.name);
    assert.equal(new Set(names).size, names.length);
    for (const c of commands) {
      assert.ok(c.summary.length > 0 && c.usage.startsWith(`frontswap ${c.name}`), c.name);
    }
  });
});
