/**
 * What the device section runs on: a file on the disk always; as root also a
 * zram device of its own (hot_add) and a loop device over a tmpfs file. Each is
 * removed by teardown(), which also runs on exit and SIGINT.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';

export interface Target {
  name: 'file' | 'zram' | 'loop';
  path: string;
}

const undo: (() => void)[] = [];

export function teardown(): void {
  while (undo.length) {
    try {
      undo.pop()!();
    } catch {
      // the rest still goes
    }
  }
}
process.on('exit', teardown);
process.once('SIGINT', () => {
  teardown();
  process.exit(130);
});

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

export function setUp(bytes: number): { targets: Target[]; skipped: string[] } {
  const targets: Target[] = [];
  const skipped: string[] = [];
  const file = `/var/tmp/frontswap-bench-${process.pid}.img`;
  undo.push(() => fs.rmSync(file, { force: true }));
  targets.push({ name: 'file', path: file });
  if (!isRoot()) {
    skipped.push('zram and loop devices need root: run `sudo frontswap bench --sections device`');
    return { targets, skipped };
  }
  if (fs.existsSync('/sys/class/zram-control')) {
    const id = Number(fs.readFileSync('/sys/class/zram-control/hot_add', 'utf8').trim());
    undo.push(() => {
      fs.writeFileSync(`/sys/block/zram${id}/reset`, '1');
      fs.writeFileSync('/sys/class/zram-control/hot_remove', String(id));
    });
    fs.writeFileSync(`/sys/block/zram${id}/disksize`, String(bytes));
    targets.push({ name: 'zram', path: `/dev/zram${id}` });
  } else {
    skipped.push('zram: the module is not loaded (modprobe zram)');
  }
  const backing = `/dev/shm/frontswap-bench-loop-${process.pid}.img`;
  fs.writeFileSync(backing, '');
  undo.push(() => fs.rmSync(backing, { force: true }));
  fs.truncateSync(backing, bytes);
  const loop = execFileSync('losetup', ['-f', '--show', '--direct-io=on', backing], { encoding: 'utf8' }).trim();
  undo.push(() => execFileSync('losetup', ['-d', loop]));
  targets.push({ name: 'loop', path: loop });
  return { targets, skipped };
}
