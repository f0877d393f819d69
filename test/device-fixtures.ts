/**
 * Backends for the suites that run over both a PagePool and a SwapDevice: a
 * file on the disk everywhere; as root also a loop device (over a file of its
 * own) and a zram device (hot_add'ed for the run), made through MachineChanges
 * (recorded in a state file first, so even a killed run is repaired). Each is
 * created on first use and removed by cleanupDevices() (called from the suites'
 * after() hooks and at exit), so nothing is left on the machine.
 */
import * as fs from 'node:fs';
import { MachineChanges } from '../bench/system/machine-changes';
import { PagePool, SwapDevice, type DiscardPolicy } from '../lib/index';

export interface Backend {
  name: 'pool' | 'file' | 'loop' | 'zram';
  /** Why the backend cannot run here, or null. */
  skip: string | null;
  /** A fresh pool, or a device (closing any device this backend opened before). */
  open(pageSize: number, pages: number, discard?: DiscardPolicy): PagePool | SwapDevice;
}

const DIR = process.env['FRONTSWAP_TEST_DIR'] ?? '/var/tmp';
const BLOCK_BYTES = 64 << 20;
let counter = 0;
const undo: (() => void)[] = [];

export function tempFile(tag: string): string {
  const p = `${DIR}/frontswap-test-${process.pid}-${tag}-${counter++}.img`;
  undo.push(() => fs.rmSync(p, { force: true }));
  return p;
}

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

let machine: MachineChanges | null = null;

/** The run's machine changes (root only), begun on first use. */
export function machineChanges(): MachineChanges {
  machine ??= MachineChanges.begin();
  return machine;
}

/** Everything the fixtures created, removed in reverse order; idempotent. */
export function cleanupDevices(): void {
  if (machine) {
    const r = machine.restore();
    machine = null;
    if (r.problems.length) console.error(`device fixtures: restore problems: ${r.problems.join('; ')}`);
  }
  while (undo.length) {
    try {
      undo.pop()!();
    } catch {
      // best effort: the rest still goes
    }
  }
}
process.on('exit', cleanupDevices);

/** A loop device over a sparse file of `bytes`, detached by cleanupDevices(). */
export function makeLoop(bytes = BLOCK_BYTES): string {
  const mc = machineChanges();
  const file = `${DIR}/frontswap-test-${process.pid}-loop-${counter++}.img`;
  mc.createFile(file, bytes);
  return mc.loopDevice(file);
}

/** A zram device of our own (hot_add), of `bytes`; reset and hot_removed by cleanupDevices(). */
export function makeZram(bytes = BLOCK_BYTES): string {
  return machineChanges().zramDevice({ disksize: bytes }).path;
}

function blockBackend(name: 'loop' | 'zram', make: () => string): Backend {
  let path: string | null = null;
  let last: SwapDevice | null = null;
  const skip = !isRoot()
    ? `needs root: ${name} devices are set up and removed by the test`
    : name === 'zram' && !fs.existsSync('/sys/class/zram-control')
      ? 'needs the zram module (modprobe zram)'
      : null;
  return {
    name,
    skip,
    open(pageSize, pages, discard) {
      last?.close();
      path ??= make();
      last = new SwapDevice({ path, pageSize, pages, discard: discard ?? 'immediate' });
      return last;
    },
  };
}

export const poolBackend: Backend = {
  name: 'pool',
  skip: null,
  open: (pageSize, pages) => new PagePool({ pageSize, pages, prefault: pageSize === 4096 }),
};

export const fileBackend: Backend = {
  name: 'file',
  skip: null,
  open: (pageSize, pages, discard) => new SwapDevice({ path: tempFile('dev'), pageSize, pages, discard: discard ?? 'immediate' }),
};

export const loopBackend = blockBackend('loop', () => makeLoop());
export const zramBackend = blockBackend('zram', () => makeZram());

/** The device backends only. */
export const DEVICE_BACKENDS: Backend[] = [fileBackend, loopBackend, zramBackend];
/** A pool and every device backend. */
export const BACKENDS: Backend[] = [poolBackend, ...DEVICE_BACKENDS];
