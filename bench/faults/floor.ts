/**
 * The userfaultfd floor beside a fault served from frontswap, in the same run:
 * two regions with the same fault thread, reclaimer and budget; one serves
 * every fault with one prepared page (no lookup, no map: the bare UFFDIO_COPY
 * cost), the other from its Frontswap. Faults are timed natively around the
 * faulting access (what the application sees: kernel entry, the fault
 * thread's wake-up and work, the return), and by the fault thread itself (fault
 * read to page in place). Repetitions alternate the two.
 */
import { preparedPageRegion, regionHandleOf, type SwapRegionHandle } from '../../lib/swap-region';
import { Frontswap, PagePool, SwapRegion } from '../../lib/index';
import { rng } from '../run/clock';

export interface FloorRep {
  /** App-side fault latency, median over the rep's touches, ns. */
  appP50: number;
  appP99: number;
  /** Fault-thread service time p50, ns. */
  serviceP50: number;
  /** Share of the faults whose fault thread served on another CPU than the application ran on (0..1). */
  crossShare: number;
  /** App-side p50 of the faults that stayed on one CPU, and of those that crossed, ns (0 when none). */
  sameCpuP50: number;
  crossCpuP50: number;
}

const PAGES = 4096;
const RESIDENT = 256;

function touchAll(h: SwapRegionHandle, buffer: ArrayBuffer, touches: number, seed: number): FloorRep {
  new Uint8Array(buffer).fill(1); // every page written once: stored (or given to the scratch page)
  const next = rng(seed);
  const order = new Uint32Array(touches);
  for (let i = 0; i < touches; i++) order[i] = next(PAGES);
  h.touch(order.subarray(0, 256), undefined, false); // warm the loop
  h.resetLatency();
  const ns = new Float64Array(touches);
  const crossed = new Uint8Array(touches);
  h.touch(order, ns, false, crossed);
  // Only touches that faulted: a resident page costs ~0.1 µs, a fault microseconds.
  const idx = Array.from(ns.keys()).filter((i) => ns[i]! > 600);
  const sorted = (keep: (i: number) => boolean) => idx.filter(keep).map((i) => ns[i]!).sort((a, b) => a - b);
  const q = (v: number[], p: number) => v[Math.min(v.length - 1, Math.floor(p * v.length))] ?? 0;
  const all = sorted(() => true);
  const cross = sorted((i) => crossed[i] === 1);
  return {
    appP50: q(all, 0.5),
    appP99: q(all, 0.99),
    serviceP50: h.stats().faultP50Ns,
    crossShare: all.length ? cross.length / all.length : 0,
    sameCpuP50: q(sorted((i) => crossed[i] === 0), 0.5),
    crossCpuP50: q(cross, 0.5),
  };
}

export function floorRep(which: 'bare' | 'frontswap', touches: number, seed: number): FloorRep {
  if (which === 'bare') {
    const { buffer, handle } = preparedPageRegion(PAGES * 4096, RESIDENT);
    try {
      return touchAll(handle, buffer, touches, seed);
    } finally {
      handle.close();
    }
  }
  const pool = new PagePool({ pageSize: 4096, pages: PAGES + 64, backing: 'normal' });
  const region = new SwapRegion({ frontswap: new Frontswap(pool), type: 0, bytes: PAGES * 4096, resident: RESIDENT });
  try {
    return touchAll(regionHandleOf(region), region.buffer, touches, seed);
  } finally {
    void region.close();
    pool.close();
  }
}

export const FLOOR_GEOMETRY = { pages: PAGES, resident: RESIDENT };
