/**
 * The state file of machine changes: a JSON record of every change a run makes,
 * written (and fsync'd, file and folder) before the change is made, so a run
 * killed at any point can be repaired from it. It names its owner by pid and
 * process start time, so a live run's file is never taken for a leftover.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { MachineSnapshot, ZswapParam } from './machine-probe';

/** One change, as recorded before it is made; the fields filled in after say how far it got. */
export type ChangeRecord =
  | { kind: 'file'; path: string; existed: boolean; size: number }
  | { kind: 'zram'; id: number | null; disksize: number; before: number[] }
  | { kind: 'loop'; file: string; before: string[]; device: string | null }
  | { kind: 'swap'; path: string; priority: number | null }
  | { kind: 'zswap'; previous: Partial<Record<ZswapParam, string>> }
  | { kind: 'cgroup'; dir: string };

export interface StateFileContents {
  version: 1;
  pid: number;
  /** Field 22 of /proc/<pid>/stat: with the pid, names one process for all time. */
  startTime: string;
  created: string;
  /** The machine as the run found it, for the record. */
  before: MachineSnapshot;
  changes: ChangeRecord[];
}

export function processStartTime(pid: number): string | null {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return rest[19] ?? null;
}

export function ownerAlive(state: Pick<StateFileContents, 'pid' | 'startTime'>): boolean {
  return processStartTime(state.pid) === state.startTime;
}

/** Writes the whole file atomically: a temporary beside it, fsync, rename, fsync of the folder. */
export function writeStateFile(file: string, state: StateFileContents): void {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = fs.openSync(tmp, 'w', 0o644);
  try {
    fs.writeSync(fd, `${JSON.stringify(state, null, 2)}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  const dfd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(dfd);
  } finally {
    fs.closeSync(dfd);
  }
}

export function readStateFile(file: string): StateFileContents | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  const state = JSON.parse(text) as StateFileContents;
  if (state.version !== 1 || !Array.isArray(state.changes)) throw new Error(`${file} is not a frontswap state file`);
  return state;
}

export function removeStateFile(file: string): void {
  fs.rmSync(file, { force: true });
}

/**
 * The files that may hold a run's state for `file`: itself and the per-process
 * siblings `<name>.<pid>.json` used while another live run holds `file`.
 */
export function stateFileFamily(file: string): string[] {
  const dir = path.dirname(file);
  const ext = path.extname(file);
  const stem = path.basename(file, ext);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const sibling = new RegExp(`^${stem.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.\\d+${ext.replace('.', '\\.')}$`);
  return names.filter((n) => n === path.basename(file) || sibling.test(n)).sort().map((n) => path.join(dir, n));
}

export function siblingStateFile(file: string, pid: number): string {
  const ext = path.extname(file);
  return path.join(path.dirname(file), `${path.basename(file, ext)}.${pid}${ext}`);
}

/**
 * Creates `file` holding `state` only if no file is there (link(2) fails with
 * EEXIST atomically): two runs starting at once never share one file.
 */
export function claimStateFile(file: string, state: StateFileContents): boolean {
  const tmp = `${file}.claim-${process.pid}`;
  writeStateFile(tmp, state);
  try {
    fs.linkSync(tmp, file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}
