/**
 * The io_uring path of a device front-end pins pages as the copy engine does:
 * from the view's real buffer, never from a `buffer` property JavaScript can
 * fake, and it refuses a resizable ArrayBuffer whose resize would free the
 * memory under an I/O in flight. A refused op adds nothing to its batch.
 */
import * as assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Frontswap, type SwapDevice } from '../lib/index';
import { addon } from '../lib/binding';
import { cleanupDevices, fileBackend } from './device-fixtures';

const PAGE = 4096;
const NO_URING = addon.wire.uring ? false : 'built without liburing';

function open(): { dev: SwapDevice; fs: Frontswap<SwapDevice> } {
  const dev = fileBackend.open(PAGE, 8) as SwapDevice;
  const fs = new Frontswap(dev, { io: 'uring', queueDepth: 4 });
  fs.init(0);
  return { dev, fs };
}

/** A resizable ArrayBuffer of one page (Node 20's TypeScript lib lacks the options argument). */
function resizableBuffer(): ArrayBuffer {
  return new (ArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => ArrayBuffer)(PAGE, { maxByteLength: 2 * PAGE });
}

function page(fill: number): Uint8Array {
  return new Uint8Array(PAGE).fill(fill);
}

after(cleanupDevices);

describe('device io_uring path: hostile pages', { skip: NO_URING }, () => {
  it('refuses a page over a resizable ArrayBuffer with ERR_BUFFER_RESIZABLE, storing nothing', async () => {
    const { dev, fs } = open();
    try {
      const resizable = new Uint8Array(resizableBuffer());
      await assert.rejects(fs.storeAsync(0, 1, resizable), { code: 'ERR_BUFFER_RESIZABLE' });
      assert.throws(() => fs.batch().store(0, 1, resizable), { code: 'ERR_BUFFER_RESIZABLE' });
      assert.equal(fs.has(0, 1), false);
      assert.equal(fs.stats().succStores, 0);
    } finally {
      dev.close();
    }
  });

  it('a refused op adds nothing: the batch still submits its good ops', async () => {
    const { dev, fs } = open();
    try {
      const b = fs.batch();
      b.store(0, 1, page(1));
      assert.throws(() => b.store(0, 2, null as unknown as Uint8Array), { code: 'ERR_INVALID_ARG' });
      assert.throws(() => b.store(0, 3, new Uint8Array(resizableBuffer())), { code: 'ERR_BUFFER_RESIZABLE' });
      b.invalidatePage(0, 9);
      assert.equal(b.length, 2);
      assert.deepEqual(await b.submit(), [true, false]);
      const back = new Uint8Array(PAGE);
      assert.equal(fs.load(0, 1, back), true);
      assert.equal(back[0], 1);
    } finally {
      dev.close();
    }
  });

  it('a view whose buffer property lies is judged by its real memory', async () => {
    const { dev, fs } = open();
    try {
      const real = page(7);
      Object.defineProperty(real, 'buffer', { get: () => resizableBuffer() });
      assert.equal(await fs.storeAsync(0, 4, real), true);
      const back = new Uint8Array(PAGE);
      assert.equal(await fs.loadAsync(0, 4, back), true);
      assert.equal(back[PAGE - 1], 7);
    } finally {
      dev.close();
    }
  });
});
