/**
 * What the device section runs on: a file on the disk always; as root also a
 * zram device of its own and a loop device over a tmpfs file, made through
 * MachineChanges (recorded in its state file before each change, undone by
 * teardown(), at exit, on SIGINT/SIGTERM, and by `frontswap restore` after a kill).
 */
import * as fs from 'node:fs';
import { MachineChanges } from '../system/machine-changes';

export interface Target {
  name: 'file' | 'zram' | 'loop';
  path: string;
}

let machine: MachineChanges | null = null;
const files: string[] = [];

export function teardown(): string[] {
  for (const f of files.splice(0)) fs.rmSync(f, { force: true });
  if (!machine) return [];
  const r = machine.restore();
  machine = null;
  return r.problems;
}
process.on('exit', () => void teardown());

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

export function setUp(bytes: number): { targets: Target[]; skipped: string[] } {
  const targets: Target[] = [];
  const skipped: string[] = [];
  const file = `/var/tmp/frontswap-bench-${process.pid}.img`;
  files.push(file);
  targets.push({ name: 'file', path: file });
  if (!isRoot()) {
    skipped.push('zram and loop devices need root: run `sudo frontswap bench --sections device`');
    return { targets, skipped };
  }
  machine = MachineChanges.begin();
  if (fs.existsSync('/sys/class/zram-control')) {
    targets.push({ name: 'zram', path: machine.zramDevice({ disksize: bytes }).path });
  } else {
    skipped.push('zram: the module is not loaded (modprobe zram)');
  }
  const backing = `/dev/shm/frontswap-bench-loop-${process.pid}.img`;
  machine.createFile(backing, bytes);
  targets.push({ name: 'loop', path: machine.loopDevice(backing) });
  return { targets, skipped };
}
