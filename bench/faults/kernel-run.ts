/**
 * The kernel on the same workload: a child process runs it on a plain
 * ArrayBuffer inside a memory cgroup whose limit is the child's own baseline
 * charge plus the resident budget, with a zram device of ours as the
 * highest-priority swap. Machine changes go through MachineChanges (state file
 * first, restored at the end, on a signal, or by the next run after a crash).
 * /proc/vmstat's pswpin/pswpout are machine-wide: they include anyone else's
 * swapping during the run.
 */
import { spawn } from 'node:child_process';
import * as nodeFs from 'node:fs';
import * as path from 'node:path';
import { MachineChanges, memoryCgroupRoot, refuseSwapInUse } from '../system/machine-changes';
import type { WorkloadName } from './workloads';

export interface KernelRun {
  wallMs: number;
  majorFaults: number;
  checksum: number;
  pswpin: number;
  pswpout: number;
}

export interface KernelRig {
  run(workload: WorkloadName, pages: number, residentPages: number, seed: number): Promise<KernelRun>;
  algorithm: string;
  cgroupVersion: 1 | 2;
  /** A second zram device of ours (not swap): a SwapDevice for the region runs. */
  devicePath: string;
  close(): string[];
}

function vmstat(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of nodeFs.readFileSync('/proc/vmstat', 'utf8').split('\n')) {
    const [k, v] = line.split(' ');
    if (k && v) out[k] = Number(v);
  }
  return out;
}

/** Sets up zram swap for the comparison (and a zram device for SwapRegion over a SwapDevice); throws (FrontswapError) when it cannot. */
export function kernelRig(maxBytes: number, allowSwapInUse: boolean): KernelRig {
  refuseSwapInUse(allowSwapInUse);
  const mc = MachineChanges.begin();
  try {
    const zram = mc.zramDevice({ disksize: Math.max(64 << 20, maxBytes * 2), algorithm: 'lzo-rle' });
    mc.swapOn(zram.path, 32767);
    const device = mc.zramDevice({ disksize: maxBytes + (16 << 20), algorithm: 'lzo-rle' });
    const { v2 } = memoryCgroupRoot();
    const dir = mc.memoryCgroup(`frontswap-faults-${process.pid}`, 1 << 30);
    const limitFile = path.join(dir, v2 ? 'memory.max' : 'memory.limit_in_bytes');
    const usageFile = path.join(dir, v2 ? 'memory.current' : 'memory.usage_in_bytes');
    const child = path.join(__dirname, 'kernel-child.js');
    return {
      algorithm: zram.algorithm,
      cgroupVersion: v2 ? 2 : 1,
      devicePath: device.path,
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
