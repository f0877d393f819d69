/**
 * Changes to the machine a benchmark needs (swap devices and files, zswap
 * parameters, zram and loop devices, memory cgroups), each recorded in a state
 * file BEFORE it is made, and undone in reverse order on restore(), on SIGINT /
 * SIGTERM / SIGHUP and at process exit. After a SIGKILL the next begin() (or
 * `frontswap restore`) repairs from the file first.
 *
 * Synchronous, Linux only, root only. It only ever undoes what it did: swapOn
 * accepts only paths this object made, swapOff only swaps it added.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FrontswapError, invalidArg, outOfRange } from '../../lib/errors';
import {
  ZSWAP_PARAMS_DIR, canonicalPath, isSwapActive, listLoops, machineSnapshot, parseChoiceList, readZswap, swapInUse,
  zramIds, zramSysDir, type ZswapParam,
} from './machine-probe';
import {
  claimStateFile, ownerAlive, processStartTime, readStateFile, removeStateFile, siblingStateFile, stateFileFamily, writeStateFile,
  type ChangeRecord, type StateFileContents,
} from './state-file';
import { liftCgroupLimits, runTool, undoChange, writeSysfs } from './undo';

export { swapInUse };
export type { ChangeRecord };

/** /var/lib/frontswap/machine-state.json, or $FRONTSWAP_STATE_FILE as it is when asked (a test may set its own). */
export function defaultStateFile(): string {
  return process.env.FRONTSWAP_STATE_FILE ?? '/var/lib/frontswap/machine-state.json';
}

export interface RestoreReport { restored: string[]; problems: string[] }

export interface BeginOptions {
  stateFile?: string;
  /** Restore on SIGINT / SIGTERM / SIGHUP, then die of that signal (default true). */
  installSignalHandlers?: boolean;
  /**
   * Called after each change is recorded (and fsync'd) and before it is made:
   * lets crash-repair tests kill the process at exactly that point.
   */
  afterRecord?: (change: Readonly<ChangeRecord>) => void;
}

export interface ZswapSettings {
  enabled?: boolean;
  compressor?: string;
  max_pool_percent?: number;
  accept_threshold_percent?: number;
  shrinker_enabled?: boolean;
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function requireRoot(): void {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) {
    throw new FrontswapError('changing swap, zswap, zram, loop devices or cgroups needs root on Linux', 'ERR_NOT_ROOT');
  }
}

/** Undoes `state`'s changes newest first, rewriting the file after each; removes it when all are done. */
function undoAll(file: string, state: StateFileContents): RestoreReport {
  const report: RestoreReport = { restored: [], problems: [] };
  const kept: ChangeRecord[] = [];
  liftCgroupLimits(state.changes);
  while (state.changes.length > 0) {
    const c = state.changes[state.changes.length - 1]!;
    try {
      const outcome = undoChange(c);
      if ('restored' in outcome) report.restored.push(outcome.restored);
      else report.problems.push(outcome.unfixable);
    } catch (e) {
      report.problems.push((e as Error).message);
      kept.unshift(c);
    }
    state.changes.pop();
    // Rewritten after every step, so a kill during restore never repeats an undo that was done.
    writeStateFile(file, { ...state, changes: [...state.changes, ...kept] });
  }
  if (kept.length === 0) removeStateFile(file);
  else state.changes = kept;
  return report;
}

function mergeReports(into: RestoreReport, r: RestoreReport): void {
  into.restored.push(...r.restored);
  into.problems.push(...r.problems);
}

/**
 * `frontswap restore`: repairs the machine from a leftover state file (of a run
 * that died), or null when there is none. Files of live runs are left alone.
 */
export function restoreFromStateFile(stateFile: string = defaultStateFile()): RestoreReport | null {
  const files = stateFileFamily(stateFile);
  if (files.length === 0) return null;
  requireRoot();
  const report: RestoreReport = { restored: [], problems: [] };
  let found = false;
  for (const f of files) {
    let state: StateFileContents | null;
    try {
      state = readStateFile(f);
    } catch (e) {
      report.problems.push(`${f}: ${(e as Error).message}`);
      found = true;
      continue;
    }
    if (state === null) continue;
    found = true;
    if (ownerAlive(state)) {
      report.problems.push(`${f} belongs to running process ${state.pid}; left alone`);
      continue;
    }
    mergeReports(report, undoAll(f, state));
  }
  return found ? report : null;
}

export class MachineChanges {
  readonly stateFile: string;
  private readonly state: StateFileContents;
  private readonly afterRecord: ((c: Readonly<ChangeRecord>) => void) | undefined;
  private readonly signalHandlers = new Map<string, () => void>();
  private readonly onExit = (): void => { this.restore(); };
  private restored = false;
  /** The leftover repaired by begin(), or null. */
  readonly repaired: RestoreReport | null;

  private constructor(file: string, state: StateFileContents, options: BeginOptions, repaired: RestoreReport | null) {
    this.stateFile = file;
    this.state = state;
    this.afterRecord = options.afterRecord;
    this.repaired = repaired;
  }

  /** Repairs a leftover state file first (a previous run was killed), then starts a new one. Throws FrontswapError ERR_NOT_ROOT when not root. */
  static begin(options: BeginOptions = {}): MachineChanges {
    requireRoot();
    const requested = options.stateFile ?? defaultStateFile();
    const repaired = restoreFromStateFile(requested);
    const left = stateFileFamily(requested).map((f) => ({ f, s: safeRead(f) })).filter((x) => x.s !== null && !ownerAlive(x.s));
    if (left.length > 0) {
      throw new FrontswapError(
        `a previous run's changes could not all be undone (${left.map((x) => x.f).join(', ')}): ${repaired?.problems.join('; ') ?? ''}; fix them, then run 'frontswap restore'`,
        'ERR_RESTORE_FAILED');
    }
    const state: StateFileContents = {
      version: 1,
      pid: process.pid,
      startTime: processStartTime(process.pid) ?? '',
      created: new Date().toISOString(),
      before: machineSnapshot(),
      changes: [],
    };
    // Another live run holds the requested file: this run keeps its own beside it.
    let file = requested;
    if (!claimStateFile(requested, state)) {
      file = siblingStateFile(requested, process.pid);
      writeStateFile(file, state);
    }
    const mc = new MachineChanges(file, state, options, repaired);
    mc.installHandlers(options.installSignalHandlers ?? true);
    return mc;
  }

  private installHandlers(signals: boolean): void {
    process.on('exit', this.onExit);
    if (!signals) return;
    for (const sig of SIGNALS) {
      const h = (): void => {
        this.restore();
        // Die of the signal, as without a handler (exit status 128 + n) — unless someone else handles it too.
        if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
      };
      this.signalHandlers.set(sig, h);
      process.on(sig, h);
    }
  }

  private removeHandlers(): void {
    process.removeListener('exit', this.onExit);
    for (const [sig, h] of this.signalHandlers) process.removeListener(sig, h);
    this.signalHandlers.clear();
  }

  private assertOpen(): void {
    if (this.restored) throw new FrontswapError('these machine changes were already restored', 'ERR_RESTORE_FAILED');
  }

  /** Appends `c` to the state file (fsync'd) before the change is made; returns its index. */
  private record(c: ChangeRecord): number {
    this.assertOpen();
    this.state.changes.push(c);
    writeStateFile(this.stateFile, this.state);
    this.afterRecord?.(c);
    return this.state.changes.length - 1;
  }

  private update(): void {
    writeStateFile(this.stateFile, this.state);
  }

  private owns(kind: ChangeRecord['kind'], p: string): boolean {
    const want = canonicalPath(p);
    return this.state.changes.some((c) => (c.kind === kind)
      && ((c.kind === 'file' && canonicalPath(c.path) === want)
        || (c.kind === 'loop' && c.device === p)
        || (c.kind === 'zram' && c.id !== null && `/dev/zram${c.id}` === p)
        || (c.kind === 'swap' && canonicalPath(c.path) === want)));
  }

  /** The changes made so far, oldest first (a copy). */
  changes(): ChangeRecord[] {
    return structuredClone(this.state.changes);
  }

  /** A new zram device (hot_add), comp_algorithm set (falls back to what the kernel has; the result says which), disksize set. */
  zramDevice(options: { disksize: number; algorithm?: string }): { path: string; id: number; algorithm: string } {
    const { disksize } = options;
    if (!Number.isSafeInteger(disksize) || disksize < 4096) throw outOfRange(`disksize must be an integer of at least 4096 bytes, got ${disksize}`);
    if (!fs.existsSync('/sys/class/zram-control/hot_add')) throw new FrontswapError('this kernel has no zram (no /sys/class/zram-control)', 'ERR_MACHINE_CHANGE');
    const c: ChangeRecord & { kind: 'zram' } = { kind: 'zram', id: null, disksize, before: zramIds() };
    this.record(c);
    c.id = Number(fs.readFileSync('/sys/class/zram-control/hot_add', 'utf8').trim());
    this.update();
    const dir = zramSysDir(c.id);
    const offered = parseChoiceList(fs.readFileSync(`${dir}/comp_algorithm`, 'utf8'));
    let algorithm = offered.selected ?? '';
    if (options.algorithm !== undefined && offered.choices.includes(options.algorithm)) {
      writeSysfs(`${dir}/comp_algorithm`, options.algorithm);
      algorithm = options.algorithm;
    }
    writeSysfs(`${dir}/disksize`, String(disksize));
    return { path: `/dev/zram${c.id}`, id: c.id, algorithm };
  }

  /** losetup -f over `file`; returns /dev/loopN. */
  loopDevice(file: string): string {
    if (!fs.existsSync(file)) throw new FrontswapError(`no such file: ${file}`, 'ERR_INVALID_ARG');
    const c: ChangeRecord & { kind: 'loop' } = { kind: 'loop', file: canonicalPath(file), before: listLoops().map((l) => l.device), device: null };
    this.record(c);
    c.device = runTool('losetup', ['-f', '--show', c.file]).trim();
    this.update();
    return c.device;
  }

  /** Creates (or extends) a regular file of `bytes`, written out in full (a swap file may have no holes); removed (or cut back) on restore. */
  createFile(p: string, bytes: number): void {
    if (!Number.isSafeInteger(bytes) || bytes < 0) throw outOfRange(`bytes must be a non-negative integer, got ${bytes}`);
    const abs = path.resolve(p);
    let existed = false;
    let size = 0;
    try {
      const st = fs.statSync(abs);
      if (!st.isFile()) throw new FrontswapError(`${abs} exists and is not a regular file`, 'ERR_INVALID_ARG');
      existed = true;
      size = st.size;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    this.record({ kind: 'file', path: abs, existed, size });
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    const fd = fs.openSync(abs, existed ? 'r+' : 'w', 0o600);
    try {
      const chunk = Buffer.alloc(1 << 20);
      for (let at = size; at < bytes; at += chunk.length) fs.writeSync(fd, chunk, 0, Math.min(chunk.length, bytes - at), at);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }

  /** mkswap + swapon with a priority; swapoff on restore. Only on a file or device this object made. */
  swapOn(p: string, priority?: number): void {
    if (priority !== undefined && (!Number.isInteger(priority) || priority < -1 || priority > 32767)) {
      throw outOfRange(`priority must be an integer in -1..32767, got ${priority}`);
    }
    if (!this.owns('file', p) && !this.owns('loop', p) && !this.owns('zram', p)) {
      throw new FrontswapError(`${p} was not made by these machine changes; swapOn only uses its own files and devices`, 'ERR_NOT_OURS');
    }
    if (isSwapActive(p)) throw new FrontswapError(`${p} is already an active swap`, 'ERR_NOT_OURS');
    runTool('mkswap', ['-f', p]);
    this.record({ kind: 'swap', path: canonicalPath(p), priority: priority ?? null });
    runTool('swapon', priority === undefined ? [p] : ['-p', String(priority), p]);
  }

  /** swapoff of a swap this object added (and still holds). */
  swapOff(p: string): void {
    this.assertOpen();
    const want = canonicalPath(p);
    const i = this.state.changes.findIndex((c) => c.kind === 'swap' && c.path === want);
    if (i === -1) throw new FrontswapError(`${p} was not swapped on by these machine changes; refusing to swap it off`, 'ERR_NOT_OURS');
    if (isSwapActive(p)) runTool('swapoff', [p]);
    this.state.changes.splice(i, 1);
    this.update();
  }

  /** zswap parameters; the originals come back on restore. */
  setZswap(params: ZswapSettings): void {
    const values: Partial<Record<ZswapParam, string>> = {};
    for (const [k, v] of Object.entries(params) as [ZswapParam, unknown][]) {
      if (v === undefined) continue;
      if (k === 'enabled' || k === 'shrinker_enabled') {
        if (typeof v !== 'boolean') throw invalidArg(`${k} must be a boolean`);
        values[k] = v ? 'Y' : 'N';
      } else if (k === 'compressor') {
        if (typeof v !== 'string' || !/^[\w()-]+$/.test(v)) throw invalidArg('compressor must be an algorithm name');
        values[k] = v;
      } else if (k === 'max_pool_percent' || k === 'accept_threshold_percent') {
        if (!Number.isInteger(v) || (v as number) < 0 || (v as number) > 100) throw outOfRange(`${k} must be an integer in 0..100`);
        values[k] = String(v);
      } else {
        throw invalidArg(`unknown zswap parameter ${String(k)}`);
      }
    }
    const now = readZswap();
    const previous: Partial<Record<ZswapParam, string>> = {};
    for (const k of Object.keys(values) as ZswapParam[]) {
      if (now[k] === undefined) throw new FrontswapError(`this kernel's zswap has no ${k} parameter`, 'ERR_MACHINE_CHANGE');
      previous[k] = now[k];
    }
    this.record({ kind: 'zswap', previous });
    // enabled last when switching on, first when switching off: never on with a half-made setup.
    const order = (Object.keys(values) as ZswapParam[]).sort((a, b) => (a === 'enabled' ? 1 : 0) - (b === 'enabled' ? 1 : 0));
    if (values.enabled === 'N') order.unshift(...order.splice(order.indexOf('enabled'), 1));
    for (const k of order) writeSysfs(`${ZSWAP_PARAMS_DIR}/${k}`, values[k]!);
  }

  /** A cgroup v1 memory cgroup (or v2 where the memory controller is enabled); removed on restore. Returns its directory. */
  memoryCgroup(name: string, limitBytes: number): string {
    if (typeof name !== 'string' || !/^[\w.-]+$/.test(name) || name.startsWith('.')) throw invalidArg(`cgroup name must be a plain name, got ${JSON.stringify(name)}`);
    if (!Number.isSafeInteger(limitBytes) || limitBytes < 4096) throw outOfRange(`limitBytes must be an integer of at least 4096, got ${limitBytes}`);
    const where = memoryCgroupRoot();
    const dir = path.join(where.root, name);
    if (fs.existsSync(dir)) throw new FrontswapError(`${dir} already exists; not ours to reuse`, 'ERR_NOT_OURS');
    this.record({ kind: 'cgroup', dir });
    fs.mkdirSync(dir);
    writeSysfs(path.join(dir, where.v2 ? 'memory.max' : 'memory.limit_in_bytes'), String(limitBytes));
    return dir;
  }

  /** Undoes everything in reverse order; idempotent; removes the state file. */
  restore(): RestoreReport {
    if (this.restored) return { restored: [], problems: [] };
    this.restored = true;
    this.removeHandlers();
    return undoAll(this.stateFile, this.state);
  }
}

function safeRead(f: string): StateFileContents | null {
  try {
    return readStateFile(f);
  } catch {
    return null;
  }
}

/** Where memory cgroups are made: the v1 memory hierarchy, else a v2 hierarchy whose children get the memory controller. */
export function memoryCgroupRoot(): { root: string; v2: boolean } {
  if (fs.existsSync('/sys/fs/cgroup/memory/memory.limit_in_bytes')) return { root: '/sys/fs/cgroup/memory', v2: false };
  for (const root of ['/sys/fs/cgroup', '/sys/fs/cgroup/unified']) {
    try {
      if (fs.readFileSync(path.join(root, 'cgroup.subtree_control'), 'utf8').split(/\s+/).includes('memory')) return { root, v2: true };
    } catch {
      // not a v2 hierarchy
    }
  }
  throw new FrontswapError('no memory cgroup controller is available (neither v1 nor v2 with memory enabled)', 'ERR_MACHINE_CHANGE');
}

/** Refuses a machine whose swap already holds pages (others'), unless `allow`. */
export function refuseSwapInUse(allow: boolean): void {
  const used = swapInUse();
  if (used.usedKiB > 0 && !allow) {
    throw new FrontswapError(
      `swap is in use: ${used.usedKiB} KiB on ${used.devices.join(', ')}; measuring would mix those pages in (pass --allow-swap-in-use to run anyway)`,
      'ERR_SWAP_IN_USE');
  }
}
