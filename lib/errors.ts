/**
 * Errors thrown by frontswap. Each has a string `code`. Wrong types are
 * TypeErrors and out-of-range values RangeErrors, as in Node itself; everything
 * about state (a closed pool, an uninitialized swap type, ...) is a FrontswapError.
 */

/** Every code a frontswap error carries; lib/wire.ts checks at load that the addon raises no other. */
export const ERROR_CODES = [
  'ERR_INVALID_ARG',
  'ERR_OUT_OF_RANGE',
  'ERR_BUFFER_SIZE',
  'ERR_BUFFER_DETACHED',
  'ERR_TYPE_NOT_INITIALIZED',
  'ERR_TYPE_ALREADY_INITIALIZED',
  'ERR_POOL_CLOSED',
  'ERR_HUGEPAGES_UNAVAILABLE',
  'ERR_THP_UNAVAILABLE',
  'ERR_MMAP_FAILED',
  'ERR_ENGINE_CLOSED',
  'ERR_THREADS_UNAVAILABLE',
  'ERR_NO_ENGINE',
  'ERR_BAD_DESCRIPTOR',
  'ERR_SLOT_NOT_RESERVED',
  'ERR_NUMA_NODE_UNAVAILABLE',
] as const;

export type FrontswapErrorCode = (typeof ERROR_CODES)[number];

export class FrontswapError extends Error {
  readonly code: FrontswapErrorCode;

  constructor(message: string, code: FrontswapErrorCode) {
    super(message);
    this.name = 'FrontswapError';
    this.code = code;
  }
}

/** A TypeError with `code: 'ERR_INVALID_ARG'`. */
export function invalidArg(message: string): TypeError & { code: 'ERR_INVALID_ARG' } {
  const e = new TypeError(message) as TypeError & { code: 'ERR_INVALID_ARG' };
  e.code = 'ERR_INVALID_ARG';
  return e;
}

/** A RangeError with the given code (ERR_OUT_OF_RANGE unless said). */
export function outOfRange(
  message: string,
  code: 'ERR_OUT_OF_RANGE' | 'ERR_BUFFER_SIZE' = 'ERR_OUT_OF_RANGE',
): RangeError & { code: typeof code } {
  const e = new RangeError(message) as RangeError & { code: typeof code };
  e.code = code;
  return e;
}

/** Describes any value for an error message without throwing (Symbols, BigInts...). */
export function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'bigint') return `${String(v)}n`;
  if (typeof v === 'symbol' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (typeof v === 'function') return 'a function';
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name} of ${v.byteLength} bytes`;
  return `an object (${Object.prototype.toString.call(v)})`;
}
