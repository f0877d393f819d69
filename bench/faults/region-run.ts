/**
 * One run of a workload on a SwapRegion: a fresh pool, front-end and region
 * each time, wall time and the JavaScript thread's CPU around the workload, and
 * the region's own counters and fault latencies after it.
 */
import { Frontswap, PagePool, SwapDevice, SwapRegion, type SwapRegionStats } from '../../lib/index';
import { nowNs, threadCpuNs } from '../run/clock';
import { runWorkload, type WorkloadName } from './workloads';

export type ModeName = 'sync' | 'async' | 'async+readahead' | 'device' | 'device+async';
/** Over a PagePool; 'device' and 'device+async' evict to a SwapDevice on zram (when the run may make one): pwrite on the reclaimer, or io_uring in batches. */
export const MODES: readonly ModeName[] = ['sync', 'async', 'async+readahead', 'device', 'device+async'];
export const READAHEAD = 8;

export interface RegionRun {
  wallMs: number;
  /** CPU of the JavaScript thread that ran the workload (faulting included). */
  jsCpuMs: number;
  /** CPU of the region's reclaimer, its engine worker and its fault thread. */
  reclaimCpuMs: number;
  engineCpuMs: number;
  faultCpuMs: number;
  checksum: number;
  accesses: number;
  stats: SwapRegionStats;
}

export function regionRun(workload: WorkloadName, pages: number, residentPages: number, mode: ModeName, seed: number, devicePath?: string): RegionRun {
  const store = mode.startsWith('device') ? new SwapDevice({ path: devicePath!, pages: pages + 64 }) : new PagePool({ pageSize: 4096, pages: pages + 64, backing: 'normal' });
  const fs = new Frontswap(store);
  const region = new SwapRegion({
    frontswap: fs,
    type: 0,
    bytes: pages * 4096,
    resident: residentPages,
    evict: mode === 'sync' || mode === 'device' ? 'sync' : 'async',
    readahead: mode === 'async+readahead' ? READAHEAD : 0,
  });
  try {
    const t0 = nowNs();
    const c0 = threadCpuNs();
    const r = runWorkload(workload, region.buffer, seed);
    const c1 = threadCpuNs();
    const t1 = nowNs();
    const stats = region.stats();
    return {
      wallMs: (t1 - t0) / 1e6,
      jsCpuMs: (c1 - c0) / 1e6,
      reclaimCpuMs: stats.reclaimCpuNs / 1e6,
      engineCpuMs: stats.engineCpuNs / 1e6,
      faultCpuMs: stats.faultThreadCpuNs / 1e6,
      checksum: r.checksum,
      accesses: r.accesses,
      stats,
    };
  } finally {
    void region.close();
    store.close();
  }
}

/** The same workload on a plain ArrayBuffer: the expected checksum and the no-swap time. */
export function plainRun(workload: WorkloadName, pages: number, seed: number): { wallMs: number; checksum: number } {
  const buf = new ArrayBuffer(pages * 4096);
  const t0 = nowNs();
  const r = runWorkload(workload, buf, seed);
  return { wallMs: (nowNs() - t0) / 1e6, checksum: r.checksum };
}
