/**
 * Where the pages went, from /proc/vmstat deltas around one pass, and whether
 * that matches the path the pass was meant to measure. A pass that does not
 * match is reported as such and left out of the figures, never averaged in.
 *
 * The counters are machine-wide: another process swapping at the same moment
 * shows up here, which is why a small slack is allowed and a larger difference
 * makes the pass a mismatch rather than a figure.
 */
import type { VmCounterSet } from '../../lib/binding';

export type KernelPath = 'zswap' | 'zram' | 'disk';

/** Pages out and in by destination, in 4 KiB pages. */
export interface PageFlow {
  /** zswpout / zswpin: stored in (loaded from) zswap's compressed pool. */
  zswap: number;
  /** pswpout / pswpin: written to (read from) a swap block device: zram or the disk. */
  device: number;
  /** swpout_zero / swpin_zero: zero-filled pages the swap core kept as one bit. */
  zero: number;
}

export interface FolioFate {
  /** thp_swpout: huge folios swapped out whole. */
  whole: number;
  /** thp_swpout_fallback: huge folios that had to be split first. */
  split: number;
}

export interface PassVerdict {
  out: PageFlow;
  in: PageFlow;
  folios: FolioFate;
  /** Pages the fault-in phase should have brought back (out of swap, not left resident). */
  expectedIn: number;
  match: boolean;
  /** Why not, in words, when match is false. */
  why: string | null;
}

export function delta(before: VmCounterSet, after: VmCounterSet, name: string): number {
  return (after[name] ?? 0) - (before[name] ?? 0);
}

/** Differences of a few pages are other processes (or the probe child's own stack): allowed. */
export function slackFor(pages: number): number {
  return 32 + Math.floor(pages / 200);
}

export interface PassCounters {
  pages: number;
  residentAfterFill: number;
  residentBeforeTouch: number;
  beforePageout: VmCounterSet;
  afterPageout: VmCounterSet;
  beforeTouch: VmCounterSet;
  afterTouch: VmCounterSet;
}

/** Judges one pass of `path`: every page out through the path's own route (or as a zero page), and back in. */
export function judgePass(path: KernelPath, p: PassCounters): PassVerdict {
  const out: PageFlow = {
    zswap: delta(p.beforePageout, p.afterPageout, 'zswpout'),
    device: delta(p.beforePageout, p.afterPageout, 'pswpout'),
    zero: delta(p.beforePageout, p.afterPageout, 'swpout_zero'),
  };
  const back: PageFlow = {
    zswap: delta(p.beforeTouch, p.afterTouch, 'zswpin'),
    device: delta(p.beforeTouch, p.afterTouch, 'pswpin'),
    zero: delta(p.beforeTouch, p.afterTouch, 'swpin_zero'),
  };
  const folios: FolioFate = {
    whole: delta(p.beforePageout, p.afterPageout, 'thp_swpout'),
    split: delta(p.beforePageout, p.afterPageout, 'thp_swpout_fallback'),
  };
  const slack = slackFor(p.pages);
  const expectedIn = p.residentAfterFill - p.residentBeforeTouch;
  const own = path === 'zswap' ? out.zswap : out.device;
  const foreign = path === 'zswap' ? 0 : out.zswap;
  const total = out.zswap + out.device + out.zero;
  const totalIn = back.zswap + back.device + back.zero;
  const problems: string[] = [];
  if (total <= slack && p.residentBeforeTouch >= p.pages - slack && folios.split > 0) {
    problems.push(`not swapped: the kernel split the ${folios.split} huge folios and kept all ${p.residentBeforeTouch} pages resident `
      + '(zero-filled subpages of a split huge page can be mapped to the shared zero page instead)');
  } else if (p.residentBeforeTouch > slack) {
    problems.push(`${p.residentBeforeTouch} of ${p.pages} pages were still resident when the touches began (not swapped out)`);
  }
  if (Math.abs(total - p.pages) > slack) problems.push(`${total} pages went out, not ${p.pages}`);
  if (own + out.zero < p.pages - slack) {
    problems.push(`only ${own + out.zero} of ${p.pages} went out through ${path === 'zswap' ? 'zswap' : 'the swap device'} or as zero pages`);
  }
  if (foreign > slack) problems.push(`${foreign} pages went to zswap, which this path has switched off`);
  if (Math.abs(totalIn - expectedIn) > slack) problems.push(`${totalIn} pages came back in, not ${expectedIn}`);
  return { out, in: back, folios, expectedIn, match: problems.length === 0, why: problems.length === 0 ? null : problems.join('; ') };
}
