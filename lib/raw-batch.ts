/**
 * RawBatch: copies between reserved pool slots and registered buffers, with no
 * frontswap metadata, to measure the engine alone (CopyEngine.rawBatch()).
 */
import type { EngineCore } from './engine/core';
import { FrontswapError } from './errors';
import { handleOf, type PagePool } from './page-pool';
import * as check from './validate';
import { RAW_OP_WORDS, opsWithRoom, prepRaw, statusCode, type RawOp } from './wire';

export interface RawBatchResult {
  /** Copies that landed. */
  completed: number;
  /** Descriptors refused by the engine's checks, with why. */
  failed: { index: number; error: FrontswapError }[];
}

/**
 * Raw copies for measuring the engine alone: no frontswap metadata, only slots
 * the caller reserved with pool.reserve() and buffers registered with the engine.
 */
export class RawBatch {
  private ops = new Uint32Array(64 * RAW_OP_WORDS);
  private count = 0;
  private bytes = 0;  // what the ops copy, at most

  /** @internal */
  constructor(private readonly core: EngineCore) {}

  get length(): number {
    return this.count;
  }

  /** Copies a page from a registered buffer into a reserved slot. */
  toSlot(pool: PagePool, slot: number, bufferId: number, byteOffset = 0): this {
    return this.add('toSlot', pool, slot, bufferId, byteOffset);
  }

  /** Copies a reserved slot out into a registered buffer. */
  fromSlot(pool: PagePool, slot: number, bufferId: number, byteOffset = 0): this {
    return this.add('fromSlot', pool, slot, bufferId, byteOffset);
  }

  /** Copies one reserved slot to another of the same pool. */
  slotToSlot(pool: PagePool, src: number, dst: number): this {
    return this.add('slotToSlot', pool, src, dst, 0);
  }

  /** Submits with one doorbell; the batch is empty again afterwards. */
  submit(): Promise<RawBatchResult> {
    const n = this.count;
    const bytes = this.bytes;
    this.count = 0;
    this.bytes = 0;
    try {
      this.core.assertOpen();
      const status = new Int32Array(n);
      const waitFor = this.core.scratchWaitFor;
      const mask = this.core.handle.submitRaw(this.ops, n, status, waitFor);
      const failed: RawBatchResult['failed'] = [];
      for (let i = 0; i < n; i++) {
        if (status[i] !== 0) {
          failed.push({ index: i, error: new FrontswapError(`raw op ${i} refused`, statusCode(status[i]!) as FrontswapError['code']) });
        }
      }
      return new Promise((resolve, reject) => {
        this.core.track(
          {
            parts: 0,
            bytes,
            pool: null,
            keep: null,
            settle: (err) => (err ? reject(err) : resolve({ completed: n - failed.length, failed })),
          },
          mask,
          waitFor,
        );
      });
    } catch (e) {
      return Promise.reject(e);
    }
  }

  private add(op: RawOp, pool: PagePool, a: number, b: number, byteOffset: number): this {
    const poolId = this.core.registry.poolId(handleOf(pool));
    check.integer(a, 'slot', 0, 0xffffffff);
    check.integer(b, op === 'slotToSlot' ? 'dst' : 'bufferId', 0, 0xffffffff);
    check.integer(byteOffset, 'byteOffset', 0, 0xffffffff);
    this.ops = opsWithRoom(this.ops, this.count + 1, RAW_OP_WORDS);
    prepRaw(this.ops, this.count++, op, poolId, a, b, byteOffset);
    this.bytes += pool.pageSize;
    return this;
  }
}
