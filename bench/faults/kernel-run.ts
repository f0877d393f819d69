/**
 * The kernel on the same workload: a child process runs it on a plain
 * ArrayBuffer inside a memory cgroup whose limit is the child's own baseline
 * charge plus the resident budget, swapping to one of the kernel's heirs of the
 * 2010 designs, set up exactly as the kernel section does (bench/kernel/paths):
 * zram (a RAM block device as the highest-priority swap, zswap off) or zswap
 * (the synchronous hook, in front of a swap file on disk, its shrinker off so
 * nothing is written back while we measure). Machine changes go through
 * MachineChanges (state file first, restored at the end, on a signal, or by the
 * next run after a crash). /proc/vmstat's counters are machine-wide: they
 * include anyone else's swapping during the run.
 */
import { spawn } from 'node:child_process';
import * as nodeFs from 'node:fs';
import * as path from 'node:path';
import { availablePaths, chooseCompressors, setUpPath } from '../kernel/paths';
import { MachineChanges, memoryCgroupRoot, refuseSwapInUse } from '../system/machine-changes';
import type { WorkloadName } from './workloads';

/** The kernel paths the faults section compares with. */
export type KernelSwap = 'zram' | 'zswap';
export const KERNEL_SWAPS: readonly KernelSwap[] = ['zram', 'zswap'];
const WORK_DIR = '/var/lib/frontswap';

export interface KernelRun {
  wallMs: number;
  majorFaults: number;
  checksum: number;
  /** Pages read from and written to a swap device (zram, the swap file). */
  pswpin: number;
  pswpout: number;
  /** Pages zswap took in and gave back (0 with zram). */
  zswpin: number;
  zswpout: number;
}

export interface KernelRig {
  swap: KernelSwap;
  run(workload: WorkloadName, pages: number, residentPages: number, seed: number): Promise<KernelRun>;
  /** One line: what the swap is made of (the kernel section's words). */
  description: string;
  cgroupVersion: 1 | 2;
  /** zram only: a second zram device of ours (not swap), for the SwapRegion-over-a-SwapDevice runs. */
  devicePath: string | null;
  close(): string[];
}

/** Why `swap` cannot be compared on this kernel, or null. */
export function kernelSwapMissing(swap: KernelSwap): string | null {
  return availablePaths().missing.find((m) => m.startsWith(`${swap}:`)) ?? null;
}

function vmstat(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of nodeFs.readFileSync('/proc/vmstat', 'utf8').split('\n')) {
    const [k, v] = line.split(' ');
    if (k && v) out[k] = Number(v);
  }
  return out;
}

/** Sets `swap` up for the comparison (and, with zram, a zram device for SwapRegion over a SwapDevice); throws (FrontswapError) when it cannot. */
export function kernelRig(swap: KernelSwap, maxBytes: number, allowSwapInUse: boolean): KernelRig {
  refuseSwapInUse(allowSwapInUse);
  const missing = kernelSwapMissing(swap);
  if (missing) throw new Error(missing);
  nodeFs.mkdirSync(WORK_DIR, { recursive: true });
  const mc = MachineChanges.begin();
  try {
    const setup = setUpPath(mc, swap, { regionBytes: maxBytes }, chooseCompressors(), WORK_DIR);
    const device = swap === 'zram' ? mc.zramDevice({ disksize: maxBytes + (16 << 20), algorithm: 'lzo-rle' }).path : null;
    const { v2 } = memoryCgroupRoot();
    const dir = setup.cgroupDir;
    const limitFile = path.join(dir, v2 ? 'memory.max' : 'memory.limit_in_bytes');
    const usageFile = path.join(dir, v2 ? 'memory.current' : 'memory.usage_in_bytes');
    const child = path.join(__dirname, 'kernel-child.js');
    return {
      swap,
      description: setup.description,
      cgroupVersion: v2 ? 2 : 1,
      devicePath: device,
      close: () => mc.restore().problems,
      run: (workload, pages, residentPages, seed) =>
        new Promise<KernelRun>((resolve, reject) => {
          nodeFs.writeFileSync(limitFile, String(1 << 30));
          const p = spawn(process.execPath, [child, workload, String(pages), String(seed)], { stdio: ['pipe', 'pipe', 'inherit'] });
          nodeFs.writeFileSync(path.join(dir, 'cgroup.procs'), String(p.pid));
          let buf = '';
          let before: Record<string, number> = {};
          p.stdout.setEncoding('utf8');
          p.stdout.on('data', (d: string) => {
            buf += d;
            let nl;
            while ((nl = buf.indexOf('\n')) >= 0) {
              const msg = JSON.parse(buf.slice(0, nl)) as Record<string, number | boolean>;
              buf = buf.slice(nl + 1);
              if (msg['ready']) {
                // The child's own charge now (heap, code) plus the budget for the workload's memory.
                const base = Number(nodeFs.readFileSync(usageFile, 'utf8').trim());
                nodeFs.writeFileSync(limitFile, String(base + residentPages * 4096));
                before = vmstat();
                p.stdin.write('go\n');
              } else {
                const after = vmstat();
                resolve({
                  wallMs: Number(msg['wallMs']),
                  majorFaults: Number(msg['majorFaults']),
                  checksum: Number(msg['checksum']),
                  pswpin: (after['pswpin'] ?? 0) - (before['pswpin'] ?? 0),
                  pswpout: (after['pswpout'] ?? 0) - (before['pswpout'] ?? 0),
                  zswpin: (after['zswpin'] ?? 0) - (before['zswpin'] ?? 0),
                  zswpout: (after['zswpout'] ?? 0) - (before['zswpout'] ?? 0),
                });
              }
            }
          });
          p.once('error', reject);
          p.once('exit', (code, signal) => {
            if (code !== 0) reject(new Error(`the cgroup child ended with ${signal ?? `exit code ${code}`} (an OOM kill means the budget was too tight)`));
          });
        }),
    };
  } catch (e) {
    mc.restore();
    throw e;
  }
}
