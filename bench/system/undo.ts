/**
 * Undoing one recorded change. Each undo first checks how far the change got
 * (a run may have been killed between recording it and making it), acts only on
 * what is provably this run's, and says what it did.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FrontswapError } from '../../lib/errors';
import { ZSWAP_PARAMS_DIR, canonicalPath, isSwapActive, listLoops, readZram, zramIds, zramSysDir } from './machine-probe';
import type { ChangeRecord } from './state-file';

/** What an undo ended with: done (restored), or a problem that retrying cannot fix. */
export type UndoOutcome = { restored: string } | { unfixable: string };

/**
 * Lifts the memory limit of every cgroup among `changes` that still exists.
 * Undo runs in reverse order, so a swap device made after a cgroup goes first;
 * swapoff must read back pages charged to that cgroup, and under its last, tight
 * limit it fails with ENOMEM (seen after the faults section's zswap runs).
 * Best effort: the cgroup's own undo reports what is wrong with it.
 */
export function liftCgroupLimits(changes: readonly ChangeRecord[]): void {
  for (const c of changes) {
    if (c.kind !== 'cgroup') continue;
    for (const [file, unlimited] of [['memory.limit_in_bytes', '-1'], ['memory.max', 'max']] as const) {
      const f = path.join(c.dir, file);
      try {
        if (fs.existsSync(f)) fs.writeFileSync(f, unlimited);
      } catch {
        // A cgroup gone meanwhile, or a file this hierarchy does not have.
      }
    }
  }
}

/** Runs a system tool; its failure is a FrontswapError with the tool's own words. */
export function runTool(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    const why = (err.stderr ?? '').trim() || err.message;
    throw new FrontswapError(`${cmd} ${args.join(' ')} failed: ${why}`, 'ERR_MACHINE_CHANGE');
  }
}

export function writeSysfs(file: string, value: string): void {
  try {
    fs.writeFileSync(file, value);
  } catch (e) {
    throw new FrontswapError(`writing '${value}' to ${file} failed: ${(e as Error).message}`, 'ERR_MACHINE_CHANGE');
  }
}

// Written back in this order: enabled last, so zswap is never on with a half-restored setup.
const ZSWAP_RESTORE_ORDER = ['compressor', 'max_pool_percent', 'accept_threshold_percent', 'shrinker_enabled', 'enabled'] as const;

export function undoChange(c: ChangeRecord): UndoOutcome {
  switch (c.kind) {
    case 'swap': {
      if (!isSwapActive(c.path)) return { restored: `swap ${c.path}: not active (nothing to undo)` };
      runTool('swapoff', [c.path]);
      return { restored: `swapoff ${c.path}` };
    }
    case 'zswap': {
      const put: string[] = [];
      for (const p of ZSWAP_RESTORE_ORDER) {
        const v = c.previous[p];
        if (v === undefined) continue;
        writeSysfs(`${ZSWAP_PARAMS_DIR}/${p}`, v);
        put.push(`${p}=${v}`);
      }
      return { restored: `zswap ${put.join(' ')}` };
    }
    case 'loop': {
      const file = canonicalPath(c.file);
      const mine = listLoops().filter((l) => (l.backingFile === file || l.backingFile === c.file)
        && (c.device === null ? !c.before.includes(l.device) : l.device === c.device));
      if (mine.length === 0) return { restored: `loop over ${c.file}: not attached (nothing to undo)` };
      for (const l of mine) runTool('losetup', ['-d', l.device]);
      return { restored: `losetup -d ${mine.map((l) => l.device).join(' ')}` };
    }
    case 'zram': {
      if (c.id === null) {
        // Killed around hot_add: a device that appeared since may be ours, or someone else's.
        const appeared = zramIds().filter((id) => !c.before.includes(id));
        if (appeared.length === 0) return { restored: 'zram: no device was added (nothing to undo)' };
        return { unfixable: `zram: a hot_add was interrupted before its id was recorded; zram${appeared.join(', zram')} appeared since and may be it: left alone` };
      }
      const z = readZram(c.id);
      if (z === null) return { restored: `zram${c.id}: already removed` };
      // The id could have been reused by someone else after our removal: only a device
      // with our disksize (or none yet) is ours.
      if (z.disksize !== 0 && z.disksize !== c.disksize) {
        return { unfixable: `zram${c.id}: disksize ${z.disksize} is not the ${c.disksize} this run set; left alone` };
      }
      if (isSwapActive(z.path)) throw new FrontswapError(`zram${c.id} is still an active swap device`, 'ERR_MACHINE_CHANGE');
      writeSysfs(`${zramSysDir(c.id)}/reset`, '1');
      writeSysfs('/sys/class/zram-control/hot_remove', String(c.id));
      return { restored: `zram${c.id} reset and removed` };
    }
    case 'file': {
      if (isSwapActive(c.path)) throw new FrontswapError(`${c.path} is still an active swap file`, 'ERR_MACHINE_CHANGE');
      if (!c.existed) {
        if (!fs.existsSync(c.path)) return { restored: `${c.path}: not created (nothing to undo)` };
        fs.rmSync(c.path, { force: true });
        return { restored: `removed ${c.path}` };
      }
      if (fs.existsSync(c.path) && fs.statSync(c.path).size > c.size) fs.truncateSync(c.path, c.size);
      return { restored: `${c.path} back to ${c.size} bytes` };
    }
    case 'cgroup': {
      if (!fs.existsSync(c.dir)) return { restored: `cgroup ${c.dir}: not created (nothing to undo)` };
      moveProcesses(c.dir, path.dirname(c.dir));
      try {
        fs.rmdirSync(c.dir);
      } catch (e) {
        throw new FrontswapError(`rmdir ${c.dir} failed: ${(e as Error).message}`, 'ERR_MACHINE_CHANGE');
      }
      return { restored: `removed cgroup ${c.dir}` };
    }
  }
}

/** Moves every process still in cgroup `from` to its parent, so `from` can go. */
function moveProcesses(from: string, to: string): void {
  const procs = fs.readFileSync(path.join(from, 'cgroup.procs'), 'utf8').split('\n').filter((l) => l !== '');
  for (const pid of procs) {
    try {
      fs.writeFileSync(path.join(to, 'cgroup.procs'), pid);
    } catch (e) {
      // A process that exited meanwhile is gone from the cgroup anyway.
      if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
    }
  }
}
