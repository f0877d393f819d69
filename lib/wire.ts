/**
 * The wire protocol with the addon, read from what the addon exports at load
 * (native/node/wire.h): how ops are encoded, the order of the counters, the
 * indices of the engine's shared words, the error codes. No number of it is
 * written in TypeScript; this file is its one reader, and the op encoder below
 * (liburing's prep verbs) is the one writer of ops, used by single async ops,
 * batches and raw batches alike.
 */
import { addon, type Wire } from './binding';
import { ERROR_CODES } from './errors';

export const wire: Wire = addon.wire;

/** Swap types are 0..MAX_TYPE; a packed key is type * KEY_TYPE_FACTOR + offset. */
export const MAX_TYPE = wire.limits.types - 1;
export const KEY_TYPE_FACTOR = wire.limits.keyTypeFactor;
export const MAX_WORKERS = wire.limits.maxWorkers;

const FS = wire.fsOp;
const RAW = wire.rawOp;
/** u32 words per frontswap op and per raw op. */
export const FS_OP_WORDS = FS.words;
export const RAW_OP_WORDS = RAW.words;
const TYPE_SHIFT = FS.typeShift;
const BUF_SHIFT = FS.bufShift;

/** Where a store's or load's page is: a view passed beside the ops (by index), or a registered buffer (by id). */
export const BUF_VIEW = FS.bufView;
export const BUF_REGISTERED = FS.bufRegistered;

/**
 * Op `i` of `ops`: store into the pool under (type, offset) from the page named
 * by (kind, ref, byteOffset): kind BUF_VIEW with ref = the view's index, or
 * BUF_REGISTERED with ref = the buffer id and byteOffset inside it.
 */
export function prepStore(ops: Uint32Array, i: number, type: number, offset: number, kind: number, ref: number, byteOffset: number): void {
  prepPage(ops, i, FS.store, type, offset, kind, ref, byteOffset);
}

/** Op `i` of `ops`: load (type, offset) into the page named by (kind, ref, byteOffset), as for prepStore. */
export function prepLoad(ops: Uint32Array, i: number, type: number, offset: number, kind: number, ref: number, byteOffset: number): void {
  prepPage(ops, i, FS.load, type, offset, kind, ref, byteOffset);
}

/** Op `i` of `ops`: forget (type, offset). */
export function prepInvalidate(ops: Uint32Array, i: number, type: number, offset: number): void {
  prepPage(ops, i, FS.invalidate, type, offset, FS.bufNone, 0, 0);
}

function prepPage(ops: Uint32Array, i: number, op: number, type: number, offset: number, kind: number, ref: number, byteOffset: number): void {
  const at = i * FS_OP_WORDS;
  ops[at] = op | (type << TYPE_SHIFT) | (kind << BUF_SHIFT);
  ops[at + 1] = offset;
  ops[at + 2] = ref;
  ops[at + 3] = byteOffset;
}

/** The raw copies: buffer → slot, slot → buffer, slot → slot. */
export type RawOp = 'toSlot' | 'fromSlot' | 'slotToSlot';

/**
 * Raw op `i` of `ops`: a copy between a reserved slot of registered pool
 * `poolId` and a registered buffer (`ref` = buffer id, at `byteOffset`), or,
 * for 'slotToSlot', to another slot (`ref` = the destination slot).
 */
export function prepRaw(ops: Uint32Array, i: number, op: RawOp, poolId: number, slot: number, ref: number, byteOffset: number): void {
  const at = i * RAW_OP_WORDS;
  ops[at] = RAW[op];
  ops[at + 1] = poolId;
  ops[at + 2] = slot;
  ops[at + 3] = ref;
  ops[at + 4] = byteOffset;
}

const DEV = wire.devOp;
export const DEV_OP_WORDS = DEV.words;

/** The ops of a device front-end's io_uring batch. */
export type DevOp = 'store' | 'load' | 'invalidate';

/** Device op `i` of `ops`: `op` on (type, offset); the page, if any, goes in the batch's view list at index i. */
export function prepDevice(ops: Uint32Array, i: number, op: DevOp, type: number, offset: number): void {
  const at = i * DEV_OP_WORDS;
  ops[at] = DEV[op];
  ops[at + 1] = type;
  ops[at + 2] = offset;
}

/** Counters a stats() call wrote into `values`, named in the order the wire gives (`names`). */
export function namedCounters(names: readonly string[], values: Float64Array): Record<string, number> {
  const out: Record<string, number> = {};
  for (let k = 0; k < names.length; k++) out[names[k]!] = values[k]!;
  return out;
}

/** An op array with room for `count` ops of `words` words, growing `ops` (by doubling) when it has less. */
export function opsWithRoom(ops: Uint32Array<ArrayBuffer>, count: number, words: number): Uint32Array<ArrayBuffer> {
  if (count * words <= ops.length) return ops;
  const bigger = new Uint32Array(Math.max(count * words, ops.length * 2));
  bigger.set(ops);
  return bigger;
}

/** The code of a raw op's status (a negative code number). */
export function statusCode(status: number): string {
  return wire.codes[-status] ?? 'ERR_BAD_DESCRIPTOR';
}

// The TS error type lists the codes native code raises: a drift between the two
// shows at load, not as an untyped code at run time.
for (const code of wire.codes) {
  if (code !== 'OK' && !(ERROR_CODES as readonly string[]).includes(code)) {
    throw new Error(`frontswap: the addon raises ${code}, which lib/errors.ts does not list (rebuild the addon or the TS layer)`);
  }
}
