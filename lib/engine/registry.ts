/**
 * What JS registered with an engine once, so ops can name it by id: page
 * buffers (io_uring's fixed buffers) and pools (for raw copies). Views are read
 * through their internal slots (view-slots.ts), never their own properties.
 * The pin itself (untransferable, resizable refused) happens natively, on the
 * backing store the addon obtains from the view (pinBacking in napi_util.cpp);
 * assertPinnable only gives the early error when an op is added to a batch.
 */
import type { EngineHandle, PoolHandle } from '../binding';
import { bufferResizable } from '../errors';
import { bufferOf, byteLengthOf, byteOffsetOf, isResizable } from '../view-slots';

interface Registered {
  id: number;
  byteOffset: number;
  byteLength: number;
}

export class Registry {
  private readonly buffers = new WeakMap<ArrayBufferLike, Registered>();
  private readonly bufferOf = new Map<number, ArrayBufferLike>();  // id -> buffer, to forget it again
  private lastBuffer: ArrayBufferLike | null = null;  // one-entry cache: batches reuse one buffer
  private lastReg: Registered | null = null;
  /** Set by registeredId(): the page's byte offset inside its registration. */
  hitOffset = 0;
  private readonly pools = new WeakMap<PoolHandle, number>();
  private readonly checked = new WeakSet<ArrayBufferLike>();  // buffers known not to be resizable

  constructor(private readonly handle: EngineHandle) {}

  /**
   * The id of the registration covering `view`, or -1; on a hit, hitOffset is
   * the page's offset inside it. No allocation: it runs once per op.
   */
  registeredId(view: ArrayBufferView, pageSize: number): number {
    const buffer = bufferOf(view);
    let r = this.lastReg;
    if (buffer !== this.lastBuffer) {
      r = this.buffers.get(buffer) ?? null;
      this.lastBuffer = buffer;
      this.lastReg = r;
    }
    if (r === null) return -1;
    const off = byteOffsetOf(view) - r.byteOffset;
    if (off < 0 || off + pageSize > r.byteLength) return -1;
    this.hitOffset = off;
    return r.id;
  }

  registerBuffer(view: ArrayBufferView): number {
    const id = this.handle.registerBuffer(view);  // checks and pins natively
    const buffer = bufferOf(view);
    this.checked.add(buffer);
    this.buffers.set(buffer, { id, byteOffset: byteOffsetOf(view), byteLength: byteLengthOf(view) });
    this.bufferOf.set(id, buffer);
    this.lastBuffer = null;
    return id;
  }

  unregisterBuffer(id: number): void {
    this.handle.unregisterBuffer(id);
    const buffer = this.bufferOf.get(id);
    this.bufferOf.delete(id);
    if (buffer !== undefined && this.buffers.get(buffer)?.id === id) this.buffers.delete(buffer);
    this.lastBuffer = null;
  }

  poolId(pool: PoolHandle): number {
    let id = this.pools.get(pool);
    if (id === undefined) {
      id = this.handle.registerPool(pool);
      this.pools.set(pool, id);
    }
    return id;
  }

  /**
   * Throws ERR_BUFFER_RESIZABLE for a page over a resizable ArrayBuffer, as the
   * addon would at submit: a batch refuses the op when it is added. Whether a
   * buffer is resizable never changes, so each is asked once.
   */
  assertPinnable(buffer: ArrayBufferLike, name: string): void {
    if (this.checked.has(buffer)) return;
    if (isResizable(buffer)) {
      throw bufferResizable(name);
    }
    this.checked.add(buffer);
  }
}
