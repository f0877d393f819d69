/**
 * Page sizes, spelled one way for the API (PagePool's pageSize) and the CLI
 * (bench --page-sizes): a power of two from 4 KiB to 2 MiB, given as a number
 * of bytes or as text — bytes ("4096") or a number with a unit k, kb, kib, m,
 * mb or mib in any case ("4k", "64K", "2m", "2MiB").
 */
import { describe, invalidArg, outOfRange } from './errors';

export const MIN_PAGE_SIZE = 4096;
export const MAX_PAGE_SIZE = 2097152;
/** The accepted set, in words, for help texts and errors. */
export const PAGE_SIZE_SPELLING = 'a power of two from 4k to 2m, in bytes or with a unit (4096, 4k, 64K, 2m)';

/** Bytes named by size text ("4k", "2M", "5000"); NaN when the text is not of that form. */
export function sizeFromText(text: string): number {
  const m = /^(\d+)\s*(k|kb|kib|m|mb|mib)?$/i.exec(text.trim());
  if (!m) return Number.NaN;
  const unit = (m[2] ?? '').toLowerCase();
  const scale = unit.startsWith('k') ? 1024 : unit.startsWith('m') ? 1024 * 1024 : 1;
  return Number(m[1]) * scale;
}

/** True for the page sizes a pool can have. */
export function isPageSize(n: number): boolean {
  return Number.isSafeInteger(n) && n >= MIN_PAGE_SIZE && n <= MAX_PAGE_SIZE && (n & (n - 1)) === 0;
}

/**
 * A page size from a number or size text; TypeError (ERR_INVALID_ARG) for any
 * other type, RangeError (ERR_OUT_OF_RANGE) for a size outside the set.
 */
export function parsePageSize(v: unknown, name = 'pageSize'): number {
  if (typeof v !== 'number' && typeof v !== 'string') throw invalidArg(`${name} must be ${PAGE_SIZE_SPELLING}, got ${describe(v)}`);
  const n = typeof v === 'string' ? sizeFromText(v) : v;
  if (!isPageSize(n)) throw outOfRange(`${name} must be ${PAGE_SIZE_SPELLING}, got ${describe(v)}`);
  return n;
}
