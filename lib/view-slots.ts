/**
 * A view's real buffer, offset and length, read from its internal slots with
 * the builtin getters captured when this module loads. `view.buffer` and
 * friends are JS-visible properties: an own or subclass getter may lie, throw
 * or call back into the library. Nothing here runs user code, so the library
 * reads a page's facts once, into locals, with no user code in between.
 */

const apply = Reflect.apply;
const isViewIntrinsic = ArrayBuffer.isView;

function getter(proto: object, key: PropertyKey): (this: unknown) => unknown {
  const g = Object.getOwnPropertyDescriptor(proto, key)?.get;
  if (typeof g !== 'function') throw new Error(`frontswap: the runtime lacks the ${String(key)} getter`);
  return g;
}

const typedArrayProto = Object.getPrototypeOf(Uint8Array.prototype) as object;
const taTag = getter(typedArrayProto, Symbol.toStringTag);
const taBuffer = getter(typedArrayProto, 'buffer');
const taOffset = getter(typedArrayProto, 'byteOffset');
const taLength = getter(typedArrayProto, 'byteLength');
const dvBuffer = getter(DataView.prototype, 'buffer');
const dvOffset = getter(DataView.prototype, 'byteOffset');
const dvLength = getter(DataView.prototype, 'byteLength');
/** Absent before resizable ArrayBuffers existed: then no buffer is resizable. */
const abResizable = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, 'resizable')?.get;

/** ArrayBuffer.isView as it was at load. */
export function isView(v: unknown): v is ArrayBufferView {
  return isViewIntrinsic(v);
}

function isTypedArray(v: ArrayBufferView): boolean {
  return apply(taTag, v, []) !== undefined;
}

/** The ArrayBuffer or SharedArrayBuffer the view really covers. */
export function bufferOf(v: ArrayBufferView): ArrayBufferLike {
  return apply(isTypedArray(v) ? taBuffer : dvBuffer, v, []) as ArrayBufferLike;
}

/** The view's real byte offset (0 once detached). */
export function byteOffsetOf(v: ArrayBufferView): number {
  try {
    return apply(isTypedArray(v) ? taOffset : dvOffset, v, []) as number;
  } catch {
    return 0;  // a DataView over a detached buffer
  }
}

/** The view's real byte length; -1 when its buffer is detached (or a resize left it out of bounds). */
export function byteLengthOf(v: ArrayBufferView): number {
  try {
    return apply(isTypedArray(v) ? taLength : dvLength, v, []) as number;
  } catch {
    return -1;  // a DataView refuses to say once its buffer is detached
  }
}

/** True for a non-shared resizable ArrayBuffer (a SharedArrayBuffer only grows). */
export function isResizable(buffer: ArrayBufferLike): boolean {
  if (abResizable === undefined) return false;
  try {
    return apply(abResizable, buffer, []) === true;
  } catch {
    return false;  // the getter refuses a SharedArrayBuffer
  }
}

/** The builtin getter behind isResizable, for the addon to call on buffers it obtained itself. */
export function resizableGetter(): (this: unknown) => unknown {
  return abResizable ?? (() => false);
}

/** A zero-length ArrayBuffer and a detached one look alike; only the latter refuses a new view. */
export function isDetached(buffer: ArrayBufferLike): boolean {
  if (byteLengthOfBuffer(buffer) !== 0) return false;
  try {
    new Uint8Array(buffer);
    return false;
  } catch {
    return true;
  }
}

const abLength = getter(ArrayBuffer.prototype, 'byteLength');
const sabLength = getter(SharedArrayBuffer.prototype, 'byteLength');

function byteLengthOfBuffer(buffer: ArrayBufferLike): number {
  try {
    return apply(abLength, buffer, []) as number;
  } catch {
    return apply(sabLength, buffer, []) as number;
  }
}
