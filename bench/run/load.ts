/**
 * How busy the rest of the machine was during the run: CPU time every process
 * used (from /proc/stat) minus this process's own (from /proc/self/stat), as a
 * share of the CPUs. Another benchmark or a build running alongside disturbs
 * every figure, and the report should say so rather than hide it.
 */
import { readFileSync } from 'node:fs';

interface Snapshot {
  /** Busy jiffies of all CPUs together. */
  busy: number;
  /** Jiffies of this process (user + system, its threads included). */
  self: number;
  /** Wall time, ms. */
  at: number;
}

function read(): Snapshot | null {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal guest guest_nice; guest time is already in user.
    const busy = cpu[0]! + cpu[1]! + cpu[2]! + cpu[5]! + cpu[6]! + (cpu[7] ?? 0);
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const self = Number(fields[11]) + Number(fields[12]);  // utime, stime (fields 14 and 15)
    if (![busy, self].every(Number.isFinite)) return null;
    return { busy, self, at: Date.now() };
  } catch {
    return null;
  }
}

/** Jiffies per second: USER_HZ, 100 on every Linux architecture Node runs on. */
const USER_HZ = 100;

export class MachineLoad {
  private readonly start = read();

  /**
   * The share of all CPUs that other processes kept busy since construction,
   * 0..1; null where /proc does not say.
   */
  othersShare(cpus: number): number | null {
    const end = read();
    if (!this.start || !end || cpus <= 0) return null;
    const seconds = (end.at - this.start.at) / 1000;
    if (seconds <= 0.5) return null;
    const others = end.busy - this.start.busy - (end.self - this.start.self);
    return Math.max(0, Math.min(1, others / USER_HZ / (seconds * cpus)));
  }
}
