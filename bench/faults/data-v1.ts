/**
 * The faults section's data as reports before the zswap comparison recorded it
 * (one kernel path, zram: `kernel: { swap, cgroupVersion, device } | null`,
 * per cell `kernel | null` and `kernelError`), brought to today's shape so
 * `frontswap report` redraws such a report with the same renderer.
 */
import type { Stat } from '../report/schema';
import type { CellData, FaultsData, KernelCell } from './render';

interface V1Kernel {
  swap: string;
  cgroupVersion: 1 | 2;
}

interface V1Cell {
  kernel: Omit<KernelCell, 'zswpin' | 'zswpout' | 'error' | 'kills'> | null;
  kernelError?: string | null;
  kernelKills?: number;
}

/** True for data written before the kernel comparison had a path per swap kind. */
export function isFaultsV1(d: Record<string, unknown>): boolean {
  const k = d['kernel'];
  return k === null || (typeof k === 'object' && typeof (k as { swap?: unknown }).swap === 'string');
}

const zero = (n: number): Stat => ({ median: 0, q1: 0, q3: 0, min: 0, max: 0, values: new Array<number>(n).fill(0) });

export function upgradeFaultsV1(d: Record<string, unknown>): FaultsData {
  const kernel = d['kernel'] as V1Kernel | null;
  const skipped = d['kernelSkipped'] as string | null;
  const cells = (d['cells'] as (Omit<CellData, 'kernel'> & V1Cell)[]).map((c): CellData => {
    const { kernel: k, kernelError, kernelKills, ...rest } = c;
    const runs = k?.wallMs.values.length ?? 0;
    return {
      ...rest,
      kernel: k || kernelError
        ? { zram: { ...(k ?? { wallMs: zero(0), majorFaults: zero(0), pswpin: zero(0), pswpout: zero(0), checksumsOk: true }), zswpin: zero(runs), zswpout: zero(runs), error: kernelError ?? null, kills: kernelKills ?? 0 } }
        : {},
    };
  });
  return {
    ...(d as unknown as FaultsData),
    cells,
    kernel: kernel ? { zram: { description: kernel.swap, cgroupVersion: kernel.cgroupVersion } } : {},
    kernelSkipped: skipped ? { zram: skipped } : {},
  };
}
