/**
 * The kernel section end to end, as root: a quick run measures every path with
 * counters that match and leaves the machine as it found it; killed with
 * SIGINT at several points it restores itself, killed with SIGKILL it is
 * repaired by `frontswap restore`; with swap in use by others it refuses.
 */
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MachineChanges, restoreFromStateFile } from '../bench/system/machine-changes';
import { machineSnapshot } from '../bench/system/machine-probe';
import { assertMachineAsBefore, cliRestore, exited, isRoot, leftCgroups, startSwapHog, waitForLine } from './machine-helpers';

const MAIN = path.join(__dirname, '..', 'bench', 'kernel', 'main.js');
let stateFile = '';
const env = (): NodeJS.ProcessEnv => ({ ...process.env, FRONTSWAP_STATE_FILE: stateFile });

function assertClean(before: ReturnType<typeof machineSnapshot>, what: string): void {
  assertMachineAsBefore(before, stateFile, what);
  assert.deepEqual(fs.readdirSync('/var/lib/frontswap').filter((n) => n.startsWith('swapfile-')), [], `swap files left ${what}`);
  assert.deepEqual(leftCgroups('frontswap-kernel-'), [], `cgroups left ${what}`);
}

describe('kernel section without root', () => {
  it('prints one line saying why and how to run it, and exits 0', { skip: !isRoot && 'needs root to start a process as another user' }, () => {
    const r = spawnSync(process.execPath, [MAIN, '--quick'], { uid: 65534, gid: 65534, encoding: 'utf8', env: { ...process.env, FRONTSWAP_STATE_FILE: '/nonexistent/s.json' } });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /kernel section skipped: .*needs root; run it as root: sudo npx frontswap bench --sections kernel/);
  });
});

describe('kernel section as root', { skip: isRoot ? false : 'needs root: it adds swap devices and zram and changes zswap' }, () => {
  before(() => {
    stateFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'frontswap-kstate-')), 'machine-state.json');
  });
  after(() => {
    restoreFromStateFile(stateFile);
  });

  it('a quick run measures every path with matching counters and leaves the machine as before', () => {
    const before = machineSnapshot();
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'frontswap-kout-'));
    const r = spawnSync(process.execPath, [MAIN, '--quick', '--reps', '1', '--out', out, '--allow-swap-in-use'], { env: env(), encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^## The kernel's own answers/);
    assert.ok(fs.existsSync(path.join(out, 'kernel-paths.svg')));
    const data = JSON.parse(fs.readFileSync(path.join(out, 'kernel.json'), 'utf8')) as {
      cells: { path: string; fill: string; huge: boolean; passes: { intact: boolean; verdict: { match: boolean; why: string | null } }[] }[];
      frontswap: { how: string }[];
    };
    const paths = new Set(data.cells.map((c) => c.path));
    assert.deepEqual([...paths].sort(), ['disk', 'zram', 'zswap'].filter((p) => p !== 'zswap' || fs.existsSync('/sys/module/zswap')).sort());
    assert.equal(data.cells.length, paths.size * 6);
    for (const c of data.cells) {
      for (const p of c.passes) assert.equal(p.intact, true, `${c.path} ${c.fill}: contents changed`);
      // 4 KiB pages of every content go out and come back through the path's own route.
      if (!c.huge) for (const p of c.passes) assert.equal(p.verdict.match, true, `${c.path} ${c.fill} 4 KiB: ${p.verdict.why}`);
    }
    assert.deepEqual(new Set(data.frontswap.map((f) => f.how)), new Set(['sync', 'engine']));
    assertClean(before, 'after a quick run');
    fs.rmSync(out, { recursive: true, force: true });
  });

  const points: [NodeJS.Signals, RegExp][] = [
    ['SIGINT', /^kernel: zswap set up/],
    ['SIGINT', /^kernel: zram pass 1\/2 done/],
    ['SIGTERM', /^kernel: disk set up/],
    ['SIGKILL', /^kernel: zram set up/],
    ['SIGKILL', /^kernel: disk pass 1\/2 done/],
    ['SIGKILL', /^kernel: zswap pass 1\/2 done/],
  ];
  for (const [sig, at] of points) {
    it(`${sig} at '${at.source.slice(1)}': the machine comes back as it was${sig === 'SIGKILL' ? ' after frontswap restore' : ''}`, async () => {
      const before = machineSnapshot();
      const child = spawn(process.execPath, [MAIN, '--quick', '--reps', '2', '--allow-swap-in-use'], { env: env(), stdio: ['ignore', 'ignore', 'pipe'] });
      await waitForLine(child, at, 'stderr');
      child.kill(sig);
      const end = await exited(child);
      assert.equal(end.signal, sig);
      if (sig === 'SIGKILL') {
        assert.ok(fs.existsSync(stateFile), 'a killed run leaves its state file');
        const r = cliRestore(stateFile);
        assert.equal(r.status, 0, r.stderr);
      }
      assertClean(before, `after ${sig} at ${at.source}`);
    });
  }

  it('refuses to run while swap is in use by others, changing nothing', async () => {
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'frontswap-hogstate-'));
    const mc = MachineChanges.begin({ stateFile: path.join(stateDir, 's.json'), installSignalHandlers: false });
    try {
      const hog = await startSwapHog(mc);
      try {
        const before = machineSnapshot();
        const r = spawnSync(process.execPath, [MAIN, '--quick'], { env: env(), encoding: 'utf8' });
        assert.equal(r.status, 1, r.stderr);
        assert.match(r.stdout, /kernel section refused: swap is in use: \d+ KiB on .*pass --allow-swap-in-use/);
        assert.deepEqual(machineSnapshot().zswap, before.zswap);
        assert.deepEqual(machineSnapshot().swaps.map((s) => s.path), before.swaps.map((s) => s.path));
        assert.ok(!fs.existsSync(stateFile));
      } finally {
        hog.kill('SIGKILL');
        await exited(hog);
      }
    } finally {
      assert.deepEqual(mc.restore().problems, []);
      fs.rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
