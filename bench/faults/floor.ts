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
  h.touch(order, ns, false);
  // Only touches that faulted: a resident page costs ~0.1 µs, a fault microseconds.
  const faulted = Array.from(ns).filter((v) => v > 600).sort((a, b) => a - b);
  const q = (p: number) => faulted[Math.min(faulted.length - 1, Math.floor(p * faulted.length))] ?? 0;
  return { appP50: q(0.5), appP99: q(0.99), serviceP50: h.stats().faultP50Ns };
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
