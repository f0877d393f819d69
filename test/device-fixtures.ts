/**
 * Backends for the suites that run over both a PagePool and a SwapDevice: a
 * file on the disk everywhere; as root also a loop device (over a file of its
 * own) and a zram device (hot_add'ed for the run), made through MachineChanges.
 *
 * Its state file is the tests' own ($FRONTSWAP_TEST_STATE_FILE, else
 * <tmpdir>/frontswap-test/machine-state.json), never the bench's
 * /var/lib/frontswap one: the next test run repairs what a killed one left.
 *
 * Every device the fixtures open is remembered, so cleanupDevices() (the
 * suites' after() hooks, process exit, SIGINT / SIGTERM / SIGHUP once there is
 * something to clean) can close
 * them before it resets zram and detaches loops — an open device would make the
 * kernel refuse both (EBUSY). It then checks that nothing it made is left and
 * throws, naming what is, if something is.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MachineChanges } from '../bench/system/machine-changes';
import { listLoops, readZram } from '../bench/system/machine-probe';
import { PagePool, SwapDevice, type DiscardPolicy } from '../lib/index';

export type DeviceKind = 'file' | 'loop' | 'zram';

export interface Backend {
  name: 'pool' | DeviceKind;
  /** Why the backend cannot run here, or null. */
  skip: string | null;
  /** A fresh pool, or a device (closing any device this backend opened before). */
  open(pageSize: number, pages: number, discard?: DiscardPolicy): PagePool | SwapDevice;
}

const DIR = process.env['FRONTSWAP_TEST_DIR'] ?? '/var/tmp';
/** The tests' machine-changes state file. */
export const TEST_STATE_FILE = process.env['FRONTSWAP_TEST_STATE_FILE'] ?? path.join(os.tmpdir(), 'frontswap-test', 'machine-state.json');
const BLOCK_BYTES = 64 << 20;
let counter = 0;
/** Files to remove, by path. */
const files = new Set<string>();
/** Devices opened through the fixtures and maybe still open. */
const opened = new Set<SwapDevice>();
/** What the fixtures made, to check that cleanup removed it. */
const made = { zram: [] as { id: number; disksize: number }[], loops: [] as { device: string; file: string }[] };
/** Called after a cleanup: backends forget their device paths, so none outlives its device. */
const forgetters: (() => void)[] = [];

export function tempFile(tag: string): string {
  const p = `${DIR}/frontswap-test-${process.pid}-${tag}-${counter++}.img`;
  armSignals();
  files.add(p);
  return p;
}

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

let machine: MachineChanges | null = null;
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function onSignal(sig: NodeJS.Signals): void {
  try {
    cleanupDevices();
  } catch (e) {
    console.error(`device fixtures: ${(e as Error).message}`);
  }
  for (const s of SIGNALS) process.removeListener(s, onSignal);
  // Die of the signal, as without a handler — unless someone else handles it too.
  if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
}

/** Cleans up on SIGINT / SIGTERM / SIGHUP too, once there is something to clean. */
function armSignals(): void {
  for (const s of SIGNALS) if (!process.listeners(s).includes(onSignal)) process.on(s, onSignal);
}

/** The run's machine changes (root only), begun on first use. */
export function machineChanges(): MachineChanges {
  if (!machine) {
    // Our own signal handlers close the devices first; MachineChanges' would restore with them still open.
    machine = MachineChanges.begin({ stateFile: TEST_STATE_FILE, installSignalHandlers: false });
    armSignals();
  }
  return machine;
}

/** Opens a SwapDevice that cleanupDevices() will close if the test does not. */
export function openDevice(options: ConstructorParameters<typeof SwapDevice>[0]): SwapDevice {
  armSignals();
  const d = new SwapDevice(options);
  opened.add(d);
  return d;
}

/** Closes `d` and removes its file when the fixtures made it (a file device). */
export function disposeDevice(d: SwapDevice): void {
  d.close();
  opened.delete(d);
  if (d.kind === 'file' && files.delete(d.path)) fs.rmSync(d.path, { force: true });
}

/** What the fixtures made and is still there: zram devices, loop devices, files, the state file. */
export function leftovers(): string[] {
  const left: string[] = [];
  for (const z of made.zram) {
    const info = readZram(z.id);
    // An id reused by someone else since ours went has another disksize (or is unset).
    if (info !== null && info.disksize === z.disksize) left.push(`zram${z.id}`);
  }
  if (made.loops.length) {
    const loops = listLoops();
    for (const l of made.loops) if (loops.some((x) => x.device === l.device && x.backingFile === l.file)) left.push(`${l.device} (over ${l.file})`);
  }
  for (const l of made.loops) if (fs.existsSync(l.file)) left.push(l.file);
  for (const f of files) if (fs.existsSync(f)) left.push(f);
  if (machine && fs.existsSync(machine.stateFile)) left.push(machine.stateFile);
  return left;
}

/**
 * Everything the fixtures created, closed and removed in reverse order;
 * idempotent. Throws when something it made is still there afterwards.
 */
export function cleanupDevices(): void {
  const problems: string[] = [];
  for (const d of opened) {
    try {
      d.close();
    } catch (e) {
      problems.push(`closing ${d.path}: ${(e as Error).message}`);
    }
  }
  opened.clear();
  let stateFile: string | null = null;
  if (machine) {
    stateFile = machine.stateFile;
    const r = machine.restore();
    machine = null;
    problems.push(...r.problems);
  }
  for (const s of SIGNALS) process.removeListener(s, onSignal);
  for (const f of files) fs.rmSync(f, { force: true });
  const left = leftovers();
  files.clear();
  for (const forget of forgetters) forget();
  if (stateFile !== null && fs.existsSync(stateFile)) left.push(stateFile);
  made.zram.length = 0;
  made.loops.length = 0;
  if (left.length || problems.length) {
    throw new Error(`device fixtures left ${left.length ? left.join(', ') : 'nothing'} behind${problems.length ? `; restore problems: ${problems.join('; ')}` : ''}`);
  }
}

process.on('exit', () => {
  try {
    cleanupDevices();
  } catch (e) {
    console.error(`device fixtures: ${(e as Error).message}`);
    process.exitCode = 1;
  }
});

/** A loop device over a file of `bytes`, detached by cleanupDevices(). */
export function makeLoop(bytes = BLOCK_BYTES): string {
  const mc = machineChanges();
  const file = `${DIR}/frontswap-test-${process.pid}-loop-${counter++}.img`;
  mc.createFile(file, bytes);
  const device = mc.loopDevice(file);
  made.loops.push({ device, file: fs.realpathSync(file) });
  return device;
}

/** A zram device of our own (hot_add), of `bytes`; reset and hot_removed by cleanupDevices(). */
export function makeZram(bytes = BLOCK_BYTES): string {
  const z = machineChanges().zramDevice({ disksize: bytes });
  made.zram.push({ id: z.id, disksize: bytes });
  return z.path;
}

function blockBackend(name: 'loop' | 'zram', make: () => string): Backend {
  let where: string | null = null;
  let last: SwapDevice | null = null;
  forgetters.push(() => {
    where = null;
    last = null;
  });
  const skip = !isRoot()
    ? `needs root: ${name} devices are set up and removed by the test`
    : name === 'zram' && !fs.existsSync('/sys/class/zram-control')
      ? 'needs the zram module (modprobe zram)'
      : null;
  return {
    name,
    skip,
    open(pageSize, pages, discard) {
      if (last) disposeDevice(last);
      where ??= make();
      last = openDevice({ path: where, pageSize, pages, discard: discard ?? 'immediate' });
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
  open: (pageSize, pages, discard) => openDevice({ path: tempFile('dev'), pageSize, pages, discard: discard ?? 'immediate' }),
};

export const loopBackend = blockBackend('loop', () => makeLoop());
export const zramBackend = blockBackend('zram', () => makeZram());

/** The device backends only. */
export const DEVICE_BACKENDS: Backend[] = [fileBackend, loopBackend, zramBackend];
/** A pool and every device backend. */
export const BACKENDS: Backend[] = [poolBackend, ...DEVICE_BACKENDS];

/** The device backend of `kind`. */
export function deviceBackend(kind: DeviceKind): Backend {
  return DEVICE_BACKENDS.find((b) => b.name === kind)!;
}
