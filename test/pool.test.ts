import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addon } from '../lib/binding';
import { PagePool } from '../lib/index';
import { anonHugeBytes, collectUntil, rssBytes, throwsCode, thpMode, withHugePages, withThpMode, withoutHugePages } from './helpers';

const MiB = 1 << 20;

describe('PagePool geometry', () => {
  for (const [pageSize, alias] of [
    [4096, '4k'],
    [2 * MiB, '2m'],
  ] as const) {
    it(`${alias} pages: capacity, byteLength, occupancy`, () => {
      const pool = new PagePool({ pageSize: alias, pages: 4 });
      assert.equal(pool.pageSize, pageSize);
      assert.equal(pool.capacity, 4);
      assert.equal(pool.byteLength, 4 * pageSize);
      assert.equal(pool.usedPages, 0);
      assert.equal(pool.freePages, 4);
      pool.close();
    });
  }

  it('accepts every power of two from 4 KiB to 2 MiB, nothing else', () => {
    for (let size = 4096; size <= 2 * MiB; size *= 2) {
      const pool = new PagePool({ pageSize: size, pages: 1, prefault: false });
      assert.equal(pool.pageSize, size);
      pool.close();
    }
    throwsCode(() => new PagePool({ pageSize: 3 * 4096, pages: 1 }), 'ERR_OUT_OF_RANGE', 'RangeError');
    throwsCode(() => new PagePool({ pageSize: 2048, pages: 1 }), 'ERR_OUT_OF_RANGE', 'RangeError');
    throwsCode(() => new PagePool({ pageSize: 4 * MiB, pages: 1 }), 'ERR_OUT_OF_RANGE', 'RangeError');
    throwsCode(() => new PagePool({ pageSize: '12k', pages: 1 }), 'ERR_OUT_OF_RANGE', 'RangeError');
    throwsCode(() => new PagePool({ pageSize: null as never, pages: 1 }), 'ERR_INVALID_ARG', 'TypeError');
  });

  it('rejects bad options with typed errors', () => {
    throwsCode(() => new PagePool(undefined as never), 'ERR_INVALID_ARG', 'TypeError');
    throwsCode(() => new PagePool(null as never), 'ERR_INVALID_ARG', 'TypeError');
    throwsCode(() => new PagePool({ pages: 0 }), 'ERR_OUT_OF_RANGE', 'RangeError');
    throwsCode(() => new PagePool({ pages: 1.5 }), 'ERR_OUT_OF_RANGE', 'RangeError');
    throwsCode(() => new PagePool({ pages: NaN }), 'ERR_OUT_OF_RANGE', 'RangeError');
    throwsCode(() => new PagePool({ pages: '4' as never }), 'ERR_INVALID_ARG', 'TypeError');
    throwsCode(() => new PagePool({ pages: 1, backing: 'bogus' as never }), 'ERR_OUT_OF_RANGE', 'RangeError');
    throwsCode(() => new PagePool({ pages: 1, prefault: 1 as never }), 'ERR_INVALID_ARG', 'TypeError');
    throwsCode(() => new PagePool({ pages: 1, streamStores: 'yes' as never }), 'ERR_INVALID_ARG', 'TypeError');
    throwsCode(() => new PagePool({ pages: 1, pagesize: 4096 } as never), 'ERR_INVALID_ARG', 'TypeError');
  });
});

describe('PagePool backing is what the kernel gave', () => {
  it("'normal' maps 4 KiB pages, no huge pages", () => {
    const pool = new PagePool({ pageSize: '2m', pages: 4, backing: 'normal' });
    assert.equal(pool.backing, 'normal');
    const u = pool.memoryUsage();
    assert.equal(u.kernelPageSize, 4096);
    assert.equal(u.anonHugeBytes, 0);
    assert.equal(u.hugetlbBytes, 0);
    assert.ok(u.residentBytes >= pool.byteLength, 'prefaulted');
    pool.close();
  });

  it('prefault: false leaves the pages untouched', () => {
    const pool = new PagePool({ pageSize: '4k', pages: 4096, backing: 'normal', prefault: false });
    assert.ok(pool.memoryUsage().residentBytes < pool.byteLength / 2);
    pool.close();
  });

  it("'thp' gets transparent huge pages, checked against the process's own smaps", { skip: !['always', 'madvise'].includes(thpMode()) && 'THP is off' }, () => {
    const before = anonHugeBytes();
    const pool = new PagePool({ pageSize: '2m', pages: 8, backing: 'thp' });
    const after = anonHugeBytes();
    if (pool.backing === 'thp') {
      assert.ok(pool.memoryUsage().anonHugeBytes > 0);
      assert.ok(after - before >= 2 * MiB, 'AnonHugePages grew');
    } else {
      // The kernel may fall back (fragmented memory): then the pool must say so.
      assert.equal(pool.backing, 'normal');
      assert.equal(pool.memoryUsage().anonHugeBytes, 0);
    }
    pool.close();
  });

  it("'thp' with THP switched off fails with ERR_THP_UNAVAILABLE; 'auto' then gets normal pages (switched here as root)", async (t) => {
    const ran = await withThpMode('never', async () => {
      await withoutHugePages(() => {
        assert.throws(
          () => new PagePool({ pageSize: '2m', pages: 2, backing: 'thp' }),
          (e: Error & { code?: string }) => e.name === 'FrontswapError' && e.code === 'ERR_THP_UNAVAILABLE' && /transparent_hugepage/.test(e.message),
        );
        const pool = new PagePool({ pageSize: '2m', pages: 2 });
        assert.equal(pool.backing, 'normal');
        assert.equal(pool.memoryUsage().anonHugeBytes, 0);
        pool.close();
      });
    });
    if (!ran) t.skip('cannot switch THP off here (not root, or no THP in this kernel)');
  });

  it("'auto' without reserved huge pages falls back to THP or normal pages", async () => {
    const ran = await withoutHugePages(() => {
      const pool = new PagePool({ pageSize: '2m', pages: 2 });
      assert.notEqual(pool.backing, 'hugetlb');
      assert.equal(pool.memoryUsage().hugetlbBytes, 0);
      pool.close();
    });
    assert.ok(ran || process.getuid?.() !== 0, 'root can always empty the huge page pool');
  });

  it("'hugetlb' without reserved huge pages fails with ERR_HUGEPAGES_UNAVAILABLE and says how to reserve", async (t) => {
    const ran = await withoutHugePages(() => {
      assert.throws(
        () => new PagePool({ pageSize: '2m', pages: 2, backing: 'hugetlb' }),
        (e: Error & { code?: string }) => {
          assert.equal(e.name, 'FrontswapError');
          assert.equal(e.code, 'ERR_HUGEPAGES_UNAVAILABLE');
          assert.match(e.message, /nr_hugepages/);
          return true;
        },
      );
    });
    if (!ran) t.skip('huge pages are reserved here and cannot be released by this user');
  });

  it("'hugetlb' and 'auto' use reserved huge pages (reserved here as root)", async (t) => {
    const ran = await withHugePages(8, () => {
      const pool = new PagePool({ pageSize: '4k', pages: 1024, backing: 'hugetlb' });
      assert.equal(pool.backing, 'hugetlb');
      const u = pool.memoryUsage();
      assert.equal(u.kernelPageSize, 2 * MiB);
      assert.equal(u.hugetlbBytes, pool.byteLength);
      pool.close();
      const auto = new PagePool({ pageSize: '2m', pages: 2 });
      assert.equal(auto.backing, 'hugetlb');
      auto.close();
    });
    if (!ran) t.skip('cannot reserve huge pages here (not root, or no memory for them)');
  });
});

describe('PagePool lifetime', () => {
  it('close() is idempotent and every later use throws ERR_POOL_CLOSED', () => {
    const pool = new PagePool({ pages: 4 });
    pool.close();
    pool.close();
    assert.equal(pool.closed, true);
    throwsCode(() => pool.usedPages, 'ERR_POOL_CLOSED', 'FrontswapError');
    throwsCode(() => pool.freePages, 'ERR_POOL_CLOSED', 'FrontswapError');
    throwsCode(() => pool.memoryUsage(), 'ERR_POOL_CLOSED', 'FrontswapError');
    throwsCode(() => pool.reserve(1), 'ERR_POOL_CLOSED', 'FrontswapError');
  });

  it('close() unmaps: resident memory and V8 external memory go back', () => {
    const bytes = 64 * MiB;
    const ext0 = addon.externalMemory();
    const rss0 = rssBytes();
    const pool = new PagePool({ pageSize: '2m', pages: bytes / (2 * MiB), backing: 'normal' });
    assert.ok(rssBytes() - rss0 >= bytes * 0.9, 'prefaulted pages are resident');
    assert.ok(addon.externalMemory() - ext0 >= bytes, 'V8 is told about the mapping');
    pool.close();
    assert.ok(rssBytes() - rss0 < bytes * 0.1, 'resident memory released');
    assert.ok(addon.externalMemory() - ext0 < bytes * 0.1, 'external memory given back');
  });

  it('a pool dropped without close() is unmapped when collected', async () => {
    const bytes = 64 * MiB;
    const ext0 = addon.externalMemory();
    (() => {
      const pool = new PagePool({ pageSize: '2m', pages: bytes / (2 * MiB), backing: 'normal' });
      assert.equal(pool.capacity, 32);
    })();
    assert.ok(addon.externalMemory() - ext0 >= bytes);
    assert.ok(await collectUntil(() => addon.externalMemory() - ext0 < bytes / 2), 'unmapped after GC');
  });
});

describe('PagePool reservations (raw slots)', () => {
  it('hands out zeroed slots and takes them back, all or nothing', () => {
    const pool = new PagePool({ pages: 8 });
    const slots = pool.reserve(3)!;
    assert.equal(slots.length, 3);
    assert.equal(new Set(slots).size, 3);
    assert.equal(pool.usedPages, 3);
    assert.equal(pool.reserve(6), null, 'not enough free: nothing taken');
    assert.equal(pool.usedPages, 3);
    throwsCode(() => pool.release(new Uint32Array([slots[0]!, 7])), 'ERR_SLOT_NOT_RESERVED', 'FrontswapError');
    throwsCode(() => pool.release(new Uint32Array([slots[0]!, slots[0]!])), 'ERR_SLOT_NOT_RESERVED', 'FrontswapError');
    assert.equal(pool.usedPages, 3, 'a refused release frees nothing');
    throwsCode(() => pool.release([1] as never), 'ERR_INVALID_ARG', 'TypeError');
    pool.release(slots);
    assert.equal(pool.usedPages, 0);
    pool.close();
  });
});
