/**
 * Identity of a measurement across runs and machines: two reports measured the
 * same thing when these strings are equal. Every field of the key takes part,
 * so a cell never matches one measured under another setting.
 */
import type { Baseline, CellKey } from './schema';
import { modeIdExtras, modeLabel, pageLabel, poolLabel } from './labels';

/** The fields that identify a baseline measurement. */
export type BaselineKey = Pick<Baseline, 'name' | 'op' | 'pageSize' | 'temperature' | 'backing' | 'batch'>;

/**
 * Depth and source join the id only where they differ from what every cell was
 * before they were dimensions (depth 1, registered buffers), so an old report's
 * cells still match (the reader fills an old report's depth in from its options).
 */
export function cellKeyId(k: CellKey): string {
  const mode = k.path === 'sync' ? 'sync|-|-' : `async|${k.waitMode ?? '-'}|${k.workers ?? '-'}`;
  const extra = modeIdExtras(k).map((x) => `|${x}`).join('');
  return `cell|${k.op}|${k.pageSize}|${k.temperature}|${k.backing}|${mode}|${k.batch}${extra}`;
}

export function baselineKeyId(b: BaselineKey): string {
  return `baseline|${b.name}|${b.op}|${b.pageSize}|${b.temperature}|${b.backing}|${b.batch}`;
}

/** "4 KiB store, cold thp pool, adaptive ×1, batch 16". */
export function cellKeyLabel(k: CellKey): string {
  return `${pageLabel(k.pageSize)} ${k.op}, ${poolLabel(k.temperature, k.backing)}, ${modeLabel(k)}, batch ${k.batch}`;
}

/** "memcpy: 4 KiB store, cold thp pool, batch 1". */
export function baselineKeyLabel(b: BaselineKey): string {
  return `${b.name}: ${pageLabel(b.pageSize)} ${b.op}, ${poolLabel(b.temperature, b.backing)}, batch ${b.batch}`;
}
