/**
 * What JS registered with an engine once, so ops can name it by id: page
 * buffers (io_uring's fixed buffers) and pools (for raw copies). Also pins the
 * buffers of async pages: a buffer under a copy must not be detached.
 */
import { markAsUntransferable } from 'node:worker_threads';
import type { EngineHandle, PoolHandle } from '../binding';

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
  private readonly untransferable = new WeakSet<ArrayBufferLike>();

  constructor(private readonly handle: EngineHandle) {}

  /**
   * The id of the registration covering `view`, or -1; on a hit, hitOffset is
   * the page's offset inside it. No allocation: it runs once per op.
   */
  registeredId(view: ArrayBufferView, pageSize: number): number {
    const buffer = view.buffer;
    let r = this.lastReg;
    if (buffer !== this.lastBuffer) {
      r = this.buffers.get(buffer) ?? null;
      this.lastBuffer = buffer;
      this.lastReg = r;
    }
    if (r === null) return -1;
    const off = view.byteOffset - r.byteOffset;
    if (off < 0 || off + pageSize > r.byteLength) return -1;
    this.hitOffset = off;
    return r.id;
  }

  registerBuffer(view: ArrayBufferView): number {
    this.pin(view.buffer);
    const id = this.handle.registerBuffer(view);
    this.buffers.set(view.buffer, { id, byteOffset: view.byteOffset, byteLength: view.byteLength });
    this.bufferOf.set(id, view.buffer);
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
   * A page handed to an async op must not be detached while the copy runs:
   * mark its buffer untransferable (a transfer then copies instead of moving).
   */
  pin(buffer: ArrayBufferLike): void {
    if (this.untransferable.has(buffer)) return;
    if (!(buffer instanceof SharedArrayBuffer)) markAsUntransferable(buffer);
    this.untransferable.add(buffer);
  }
}
