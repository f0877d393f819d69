/**
 * Errors thrown by frontswap. Each has a string `code`. Wrong types are
 * TypeErrors and out-of-range values RangeErrors, as in Node itself; everything
 * about state (a closed pool, an uninitialized swap type, ...) is a FrontswapError.
 */
import { byteLengthOf, isView } from './view-slots';

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
  'ERR_REGION_ATTACHED',
  'ERR_USERFAULTFD_UNAVAILABLE',
  'ERR_REGION_CLOSED',
  'ERR_NOT_ROOT',
  'ERR_SWAP_IN_USE',
  'ERR_NOT_OURS',
  'ERR_MACHINE_CHANGE',
  'ERR_RESTORE_FAILED',
  'ERR_DEVICE_CLOSED',
  'ERR_DEVICE_KIND',
  'ERR_DEVICE_TOO_SMALL',
  'ERR_DEVICE_MOUNTED',
  'ERR_DEVICE_SWAP_ACTIVE',
  'ERR_DEVICE_BUSY',
  'ERR_DEVICE_OPEN',
  'ERR_DIRECT_IO_UNSUPPORTED',
  'ERR_DISCARD_UNSUPPORTED',
  'ERR_URING_UNAVAILABLE',
  'ERR_URING_DISABLED',
  'ERR_NO_URING',
  'ERR_IO',
  'ERR_BUFFER_RESIZABLE',
  'ERR_NUMA_NODE_UNAVAILABLE',
] as const;

/** One of ERROR_CODES, or a device's I/O error: the errno's name ('EIO', 'ENOSPC', ...). */
export type FrontswapErrorCode = (typeof ERROR_CODES)[number] | `E${Uppercase<string>}`;

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
  if (isView(v)) return `a view of ${byteLengthOf(v)} bytes`;  // its own getters may lie or throw
  return 'an object';  // nothing more: a Proxy or a toStringTag getter would run user code
}

/** An async page over a resizable ArrayBuffer: a resize while its copy or I/O runs would free the memory under it. */
export function bufferResizable(name: string): FrontswapError {
  return new FrontswapError(`${name} is a view over a resizable ArrayBuffer: a resize while its copy runs would free the memory under it (use a fixed-length ArrayBuffer or a SharedArrayBuffer)`, 'ERR_BUFFER_RESIZABLE');
}
