/**
 * The device fixtures leave nothing on the machine: whatever they made (a file
 * device; as root a loop device and a zram device) is gone after a process
 * that used them ends — normally, by an uncaught exception, or by SIGTERM —
 * with its devices still open and an io_uring batch in flight, and after
 * cleanupDevices() in process. Only what the fixtures made is checked, so other
 * processes' devices on the machine do not matter.
 */
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { listLoops, readZram } from '../bench/system/machine-probe';
import { Frontswap, type SwapDevice } from '../lib/index';
import { addon } from '../lib/binding';
import { cleanupDevices, fileBackend, isRoot, leftovers, zramBackend } from './device-fixtures';

const CHILD = path.join(__dirname, 'fixtures', 'device-fixtures-child.js');
const ZRAM_BYTES = 64 << 20;  // the fixtures' zram disksize

/** What of `paths` (devices and files a process `pid` opened through the fixtures) is still there. */
function stillThere(paths: string[], pid: number): string[] {
  const left: string[] = [];
  const loops = listLoops();
  for (const p of paths) {
    const zram = /^\/dev\/zram(\d+)$/.exec(p);
    if (zram) {
      // An id someone else reuses has another disksize.
      if (readZram(Number(zram[1]))?.disksize === ZRAM_BYTES) left.push(p);
    } else if (p.startsWith('/dev/loop')) {
      const l = loops.find((x) => x.device === p);
      if (l && l.backingFile.includes(`frontswap-test-${pid}-`)) left.push(`${p} (over ${l.backingFile})`);
    } else if (fs.existsSync(p)) {
      left.push(p);
    }
  }
  return left;
}

const stateDirs: string[] = [];
after(() => {
  for (const d of stateDirs) fs.rmSync(d, { recursive: true, force: true });
});

describe('device fixtures leave nothing behind', () => {
  for (const mode of ['exit', 'throw', 'SIGTERM'] as const) {
    it(`when a process that uses them ${mode === 'exit' ? 'exits' : mode === 'throw' ? 'dies of an uncaught exception' : 'is sent SIGTERM'} with its devices open${isRoot() ? '' : ' (a file only: loop and zram need root)'}`, async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'frontswap-fixtures-'));
      stateDirs.push(dir);
      const stateFile = path.join(dir, 'machine-state.json');
      const child = spawn(process.execPath, [CHILD, mode === 'SIGTERM' ? 'wait' : mode, isRoot() ? 'root' : ''], {
        env: { ...process.env, FRONTSWAP_TEST_STATE_FILE: stateFile },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
      const lines = createInterface({ input: child.stdout });
      const first = await new Promise<string>((resolve, reject) => {
        lines.once('line', resolve);
        child.once('exit', () => reject(new Error(`the child ended before reporting: ${stderr}`)));
      });
      lines.close();
      const made = JSON.parse(first) as { paths: string[]; stateFile: string };
      assert.equal(made.stateFile, stateFile, 'the child kept the tests\' own state file');
      assert.equal(made.paths.length, isRoot() ? 3 : 1);
      if (mode === 'SIGTERM') child.kill('SIGTERM');
      const end = await ended;
      if (mode === 'exit') assert.deepEqual(end, { code: 0, signal: null }, stderr);
      if (mode === 'throw') assert.equal(end.code, 1, stderr);
      if (mode === 'SIGTERM') assert.deepEqual(end, { code: null, signal: 'SIGTERM' }, stderr);
      assert.doesNotMatch(stderr, /left .* behind|restore problems/);
      assert.deepEqual(stillThere(made.paths, child.pid!), [], stderr);
      assert.equal(fs.existsSync(stateFile), false, 'the state file is removed');
    });
  }

  it('cleanupDevices() closes open devices (I/O in flight), removes them, and the backends make new ones after', { skip: isRoot() ? false : 'needs root: makes a zram device' }, async () => {
    const z = zramBackend.open(4096, 64) as SwapDevice;
    const f = fileBackend.open(4096, 8) as SwapDevice;
    let inflight: Promise<boolean[]> | null = null;
    if (addon.wire.uring) {
      const fs0 = new Frontswap(z, { io: 'uring', queueDepth: 2 });
      fs0.init(0);
      const b = fs0.batch();
      for (let i = 0; i < 16; i++) b.store(0, i, new Uint8Array(4096).fill(i));
      inflight = b.submit();
    }
    assert.equal(leftovers().length >= 3, true, 'the zram device, the file and the state file are there');
    cleanupDevices();
    assert.equal(z.closed, true);
    assert.equal(f.closed, true);
    if (inflight) assert.deepEqual(await inflight, new Array(16).fill(true), 'I/O in flight completed before the close');
    assert.deepEqual(stillThere([z.path, f.path], process.pid), []);
    assert.deepEqual(leftovers(), []);
    const again = zramBackend.open(4096, 8) as SwapDevice;
    assert.equal(readZram(Number(/\d+$/.exec(again.path)![0]))?.disksize, ZRAM_BYTES, 'a new device of our own');
    cleanupDevices();
    assert.deepEqual(stillThere([again.path], process.pid), []);
  });
});
