/**
 * Machine changes with a state file, end to end as root: a child process makes
 * real changes (files, a loop device, a zram device, three swaps, zswap
 * parameters, a memory cgroup) and is killed at several points; afterwards
 * /proc/swaps, zswap's parameters, the zram and loop devices are exactly as
 * before (after `frontswap restore` for SIGKILL).
 */
import * as assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it, before, after } from 'node:test';
import { MachineChanges, refuseSwapInUse, restoreFromStateFile, swapInUse } from '../bench/system/machine-changes';
import { machineSnapshot, type MachineSnapshot } from '../bench/system/machine-probe';
import { throwsCode } from './helpers';
import { assertMachineAsBefore, cliRestore as restoreCli, comparable, diskTempDir, exited, isRoot, leftCgroups, startSwapHog, waitForLine } from './machine-helpers';

const skip = isRoot ? false : 'needs root: it adds swap devices, zram and loop devices, changes zswap';
const dist = path.join(__dirname, '..');
const CHILD = path.join(__dirname, 'fixtures', 'machine-changes-child.js');

let work = '';
let stateFile = '';
const env = (): NodeJS.ProcessEnv => ({ ...process.env, FRONTSWAP_STATE_FILE: stateFile });

function startChild(mode: string, n: number): ChildProcess {
  return spawn(process.execPath, [CHILD, work, mode, String(n)], { env: env(), stdio: ['pipe', 'pipe', 'inherit'] });
}

const cliRestore = (): ReturnType<typeof restoreCli> => restoreCli(stateFile);

function assertAsBefore(before: MachineSnapshot, what: string): void {
  assertMachineAsBefore(before, stateFile, what);
  assert.deepEqual(fs.readdirSync(work), [], `files left in ${work} ${what}`);
  assert.deepEqual(leftCgroups('frontswap-test-'), [], `cgroups left ${what}`);
}

describe('machine changes: restore after signals and crashes', { skip }, () => {
  before(() => {
    work = diskTempDir('test-mc-');
    stateFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'frontswap-state-')), 'machine-state.json');
  });
  after(() => {
    restoreFromStateFile(stateFile);
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('a run that finishes undoes all it did, newest first', () => {
    const before = machineSnapshot();
    const r = spawnSync(process.execPath, [CHILD, work, 'finish', '0'], { env: env(), encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(r.stdout.trim().split('\n').pop()!) as { restored: string[]; problems: string[] };
    assert.deepEqual(report.problems, []);
    assert.match(report.restored[0]!, /removed cgroup/);
    assert.match(report.restored.at(-1)!, /removed .*swap-on-loop/);
    assertAsBefore(before, 'after a finished run');
  });

  for (const [sig, steps] of [['SIGINT', [1, 3, 4, 6, 7, 8]], ['SIGTERM', [5]]] as const) {
    for (const n of steps) {
      it(`${sig} after step ${n}: the child restores and dies of the signal`, async () => {
        const before = machineSnapshot();
        const child = startChild('pause', n);
        await waitForLine(child, new RegExp(`^paused ${n}$`));
        assert.ok(fs.existsSync(stateFile), 'the state file exists while changes are in place');
        child.kill(sig);
        const end = await exited(child);
        assert.equal(end.signal, sig);
        assertAsBefore(before, `after ${sig} at step ${n}`);
      });
    }
  }

  for (const n of [2, 5, 8]) {
    it(`SIGKILL after step ${n}: frontswap restore repairs from the state file`, async () => {
      const before = machineSnapshot();
      const child = startChild('pause', n);
      await waitForLine(child, new RegExp(`^paused ${n}$`));
      child.kill('SIGKILL');
      assert.equal((await exited(child)).signal, 'SIGKILL');
      assert.notDeepEqual(comparable(machineSnapshot()), comparable(before), 'the killed child left changes to repair');
      const r = cliRestore();
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /restored: /);
      assertAsBefore(before, `after SIGKILL at step ${n} and frontswap restore`);
      assert.equal(cliRestore().stdout, 'nothing to restore: no state file left by a previous run\n');
    });
  }

  // Records: 1 file, 2 loop, 3 zram, 4 swap zram, 5 swap loop, 6 file, 7 swap file, 8 zswap, 9 cgroup.
  for (const n of [1, 2, 3, 4, 5, 7, 8, 9]) {
    it(`SIGKILL between recording change ${n} and making it: repaired`, async () => {
      const before = machineSnapshot();
      const child = startChild('killrec', n);
      assert.equal((await exited(child)).signal, 'SIGKILL');
      const r = cliRestore();
      assert.equal(r.status, 0, r.stderr);
      assertAsBefore(before, `after SIGKILL inside change ${n} and frontswap restore`);
    });
  }

  it('the next begin() repairs a killed run before it starts', async () => {
    const before = machineSnapshot();
    const child = startChild('pause', 5);
    await waitForLine(child, /^paused 5$/);
    child.kill('SIGKILL');
    await exited(child);
    const mc = MachineChanges.begin({ stateFile, installSignalHandlers: false });
    try {
      assert.ok(mc.repaired !== null && mc.repaired.restored.some((l) => /swapoff \/dev\/zram/.test(l)));
      assert.deepEqual(mc.repaired.problems, []);
      assert.deepEqual(comparable(machineSnapshot()).swaps, comparable(before).swaps);
    } finally {
      mc.restore();
    }
    assertAsBefore(before, 'after begin() repaired and the new run restored');
  });

  it("a live run's state file is left alone; a second run keeps its own beside it", async () => {
    const child = startChild('pause', 3);
    try {
      await waitForLine(child, /^paused 3$/);
      const r = restoreFromStateFile(stateFile);
      assert.ok(r !== null);
      assert.deepEqual(r.restored, []);
      assert.match(r.problems[0]!, new RegExp(`running process ${child.pid}`));
      const mc = MachineChanges.begin({ stateFile, installSignalHandlers: false });
      assert.equal(mc.stateFile, stateFile.replace(/\.json$/, `.${process.pid}.json`));
      assert.deepEqual(mc.restore(), { restored: [], problems: [] });
      assert.ok(!fs.existsSync(mc.stateFile));
      assert.ok(fs.existsSync(stateFile), "the live run's file is still there");
    } finally {
      child.kill('SIGINT');
      await exited(child);
    }
  });

  it('refuses to touch what it did not make', () => {
    const mc = MachineChanges.begin({ stateFile, installSignalHandlers: false });
    try {
      const f = path.join(work, 'not-made-here');
      fs.writeFileSync(f, Buffer.alloc(1 << 20));
      throwsCode(() => mc.swapOn(f), 'ERR_NOT_OURS', 'FrontswapError');
      throwsCode(() => mc.swapOff('/dev/zram0'), 'ERR_NOT_OURS', 'FrontswapError');
      throwsCode(() => mc.zramDevice({ disksize: 10 }), 'ERR_OUT_OF_RANGE', 'RangeError');
      throwsCode(() => mc.setZswap({ compressor: 'lz4; rm' }), 'ERR_INVALID_ARG', 'TypeError');
      throwsCode(() => mc.memoryCgroup('../escape', 1 << 20), 'ERR_INVALID_ARG', 'TypeError');
      fs.rmSync(f);
      assert.deepEqual(mc.changes(), []);
    } finally {
      mc.restore();
    }
    throwsCode(() => mc.createFile(path.join(work, 'x'), 1), 'ERR_RESTORE_FAILED', 'FrontswapError');
  });

  it('without root: ERR_NOT_ROOT, and nothing changes', () => {
    const code = `try { require(${JSON.stringify(path.join(dist, 'bench', 'system', 'machine-changes.js'))}).MachineChanges.begin({ stateFile: '/nonexistent/x.json' }); } catch (e) { process.stdout.write(e.code); }`;
    const r = spawnSync(process.execPath, ['-e', code], { uid: 65534, gid: 65534, encoding: 'utf8' });
    assert.equal(r.stdout, 'ERR_NOT_ROOT', r.stderr);
  });
});

describe('swap in use by others', { skip }, () => {
  it('is detected, and refused unless allowed', async () => {
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'frontswap-state-'));
    const mc = MachineChanges.begin({ stateFile: path.join(stateDir, 's.json'), installSignalHandlers: false });
    let hog: ChildProcess | null = null;
    try {
      hog = await startSwapHog(mc);
      const used = swapInUse();
      assert.ok(used.usedKiB > 0, `nothing swapped out: ${fs.readFileSync('/proc/swaps', 'utf8')}`);
      assert.ok(used.devices.length > 0);
      throwsCode(() => refuseSwapInUse(false), 'ERR_SWAP_IN_USE', 'FrontswapError');
      refuseSwapInUse(true);
    } finally {
      if (hog !== null) {
        hog.kill('SIGKILL');
        await exited(hog);
      }
      const r = mc.restore();
      assert.deepEqual(r.problems, []);
      fs.rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
