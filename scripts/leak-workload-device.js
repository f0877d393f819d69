'use strict';
/**
 * Device cycles for scripts/leak-workload.js: a SwapDevice on a scratch file
 * behind sync and io_uring front-ends (batches, an error path, loads in flight),
 * half closed and half dropped with a batch in flight and left to the collector.
 */
const fs = require('node:fs');
const path = require('node:path');
const { SwapDevice, Frontswap } = require(path.join(__dirname, '..', 'dist', 'lib', 'index.js'));

const FILE = `/var/tmp/frontswap-leak-${process.pid}.img`;
process.on('exit', () => fs.rmSync(FILE, { force: true }));

let held = null;

module.exports = async function deviceCycle(i) {
  const dev = new SwapDevice({ path: FILE, pages: 64, discard: i % 3 === 0 ? 'none' : i % 3 === 1 ? 'immediate' : { batch: 8 } });
  const sync = new Frontswap(dev, { exclusiveGets: i % 2 === 0 });
  sync.init(0);
  const page = new Uint8Array(4096).fill(i & 0xff);
  sync.store(0, 1, page);
  sync.load(0, 1, new Uint8Array(4096));
  sync.invalidatePage(0, 1);
  let uring = null;
  try {
    uring = new Frontswap(dev, { io: 'uring', queueDepth: 4 });
  } catch {
    uring = null;  // one io_uring queue per device: the sync front-end is enough then
  }
  if (uring) {
    uring.init(1);
    const b = uring.batch();
    for (let k = 0; k < 16; k++) b.store(1, k, page);
    for (let k = 0; k < 16; k++) b.load(1, k, new Uint8Array(4096));
    const p = b.submit();
    try {
      uring.batch().store(9, 0, page);  // refused at once
    } catch {
      /* the error path is the point */
    }
    if (i % 2 === 0) {
      await p;
      await uring.storeAsync(1, 99, page);
      dev.close();
    } else {
      held = { dev, uring, p };  // dropped with I/O in flight, left to the collector
    }
  } else {
    dev.close();
  }
  held = i % 2 === 0 ? null : held;
};
