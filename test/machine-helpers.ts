/** Helpers for the root tests that change the machine: child processes, their lines, and "as before" checks. */
import * as assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { memoryCgroupRoot } from '../bench/system/machine-changes';
import { machineSnapshot, type MachineSnapshot } from '../bench/system/machine-probe';

export const isRoot = process.platform === 'linux' && process.getuid?.() === 0;
export const CLI = path.join(__dirname, '..', 'bench', 'cli', 'main.js');

/** Resolves with the first line of `stream` matching `re`, or rejects when the child exits first. */
export function waitForLine(child: ChildProcess, re: RegExp, stream: 'stdout' | 'stderr' = 'stdout'): Promise<string> {
  const s = child[stream]!;
  return new Promise((resolve, reject) => {
    let buf = '';
    const onExit = (code: number | null, sig: string | null): void => reject(new Error(`child exited (${code ?? sig}) before '${re.source}'; ${stream}: ${buf}`));
    const onData = (d: Buffer): void => {
      buf += d.toString();
      const line = buf.split('\n').find((l) => re.test(l));
      if (line !== undefined) {
        s.off('data', onData);
        child.off('exit', onExit);
        resolve(line);
      }
    };
    s.on('data', onData);
    child.once('exit', onExit);
  });
}

export function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/** `frontswap restore` with the state file `stateFile`. */
export function cliRestore(stateFile: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, 'restore'], { env: { ...process.env, FRONTSWAP_STATE_FILE: stateFile }, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Our test cgroups (named frontswap-…-<suffix>) that are left. */
export function leftCgroups(prefix: string): string[] {
  return fs.readdirSync(memoryCgroupRoot().root).filter((n) => n.startsWith(prefix));
}

/**
 * The snapshot with what others may change while we run left out: the pages in
 * use on their swap devices. Devices, sizes, priorities, zswap, zram, loops stay.
 */
export function comparable(s: MachineSnapshot): MachineSnapshot {
  return { ...s, swaps: s.swaps.map((x) => ({ ...x, usedKiB: 0 })) };
}

/** The machine's swap state equals `before`, and the state file is gone. */
export function assertMachineAsBefore(before: MachineSnapshot, stateFile: string, what: string): void {
  assert.deepEqual(comparable(machineSnapshot()), comparable(before), `machine not as before ${what}`);
  assert.ok(!fs.existsSync(stateFile), `state file left ${what}`);
}

/** A folder on a disk filesystem (swap files cannot live on tmpfs, which /tmp may be). */
export function diskTempDir(prefix: string): string {
  fs.mkdirSync('/var/lib/frontswap', { recursive: true });
  return fs.mkdtempSync(path.join('/var/lib/frontswap', prefix));
}

/**
 * Makes swap in use, as another user of the machine would: a process filling
 * 160 MiB inside a 64 MiB memory cgroup, with a zram swap device to take the
 * overflow. Resolves once the process has filled its memory; kill it after.
 */
export async function startSwapHog(mc: import('../bench/system/machine-changes').MachineChanges): Promise<ChildProcess> {
  const z = mc.zramDevice({ disksize: 256 << 20 });
  mc.swapOn(z.path, 5);
  const cg = mc.memoryCgroup(`frontswap-test-hog-${process.pid}`, 64 << 20);
  const fill = 'const b=Buffer.alloc(160<<20);for(let i=0;i<b.length;i+=4096)b.writeUInt32LE(i*2654435761>>>0,i);'
    + 'process.stdout.write("filled\\n");process.stdin.resume();';
  const hog = spawn('/bin/sh', ['-c', `echo $$ > ${cg}/cgroup.procs && exec ${process.execPath} -e '${fill}'`], { stdio: ['pipe', 'pipe', 'inherit'] });
  await waitForLine(hog, /^filled$/);
  return hog;
}
