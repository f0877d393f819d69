/** machineInfo() checked against independent reads of the same kernel facts. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { describe, it } from 'node:test';
import { machineInfo } from '../lib/machine-info';
import { formatMachineInfo } from '../bench/cli/machine-text';
import { formatBytes } from '../bench/report/stats';
import type { MachineInfo } from '../lib/machine-info';

function read(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

function entries(dir: string, pattern: RegExp): string[] {
  try {
    return fs.readdirSync(dir).filter((name) => pattern.test(name));
  } catch {
    return [];
  }
}

/** The first "key : value" of /proc/cpuinfo, found by a plain regex over the whole text. */
function cpuinfoField(key: string): string | null {
  const m = new RegExp(`^${key}\\s*:\\s*(.*)$`, 'm').exec(read('/proc/cpuinfo') ?? '');
  return m ? m[1]!.trim() : null;
}

/**
 * machineInfo() bracketed by reads of every nr_hugepages, retried until no other test
 * (the pool suites reserve huge pages) changed a count in between.
 */
function steadyHugePages(dirs: string[]): { info: MachineInfo; counts: Map<string, number> } {
  const readCounts = (): Map<string, number> => new Map([
    ['default', Number(read('/proc/sys/vm/nr_hugepages'))],
    ...dirs.map((d): [string, number] => [d, Number(read(`/sys/kernel/mm/hugepages/${d}/nr_hugepages`))]),
  ]);
  for (let attempt = 1; ; attempt++) {
    const before = readCounts();
    const info = machineInfo();
    const after = readCounts();
    if (attempt === 5 || JSON.stringify([...before]) === JSON.stringify([...after])) return { info, counts: after };
  }
}

const info = machineInfo();

describe('machineInfo', () => {
  it('is plain JSON data: no undefined, NaN or class instances', () => {
    assert.deepEqual(JSON.parse(JSON.stringify(info)), info);
  });

  it('returns synchronously and fresh data each call', () => {
    const again = machineInfo();
    assert.ok(!(again instanceof Promise));
    assert.ok(Date.parse(again.collectedAt) >= Date.parse(info.collectedAt));
  });

  it('cpu model, vendor and logical CPU counts match the kernel', () => {
    assert.equal(info.cpu.model, cpuinfoField('model name'));
    assert.equal(info.cpu.vendor, cpuinfoField('vendor_id'));
    assert.equal(info.cpu.cores, os.availableParallelism());
    // os.cpus() counts /proc/stat lines, an independent list of the online CPUs.
    assert.equal(info.cpu.onlineCpus, os.cpus().length);
  });

  it('cpu flags match the /proc/cpuinfo flags line', () => {
    const flags = cpuinfoField('flags');
    if (flags === null) {
      assert.equal(info.cpu.flags, null);
      assert.equal(info.virtualized, null);
      return;
    }
    const has = (name: string): boolean => new RegExp(`(^|\\s)${name}(\\s|$)`).test(flags);
    assert.ok(info.cpu.flags !== null);
    for (const [name, value] of Object.entries(info.cpu.flags)) assert.equal(value, has(name), name);
    assert.equal(info.virtualized, has('hypervisor'));
  });

  it('physical cores agree with /proc/cpuinfo core ids and with SMT state', () => {
    const cores = info.cpu.physicalCores;
    const online = info.cpu.onlineCpus;
    if (cores === null || online === null) return;
    assert.ok(cores >= 1 && cores <= online, `${cores} cores for ${online} CPUs`);
    if (info.smt === false) assert.equal(cores, online);
    const text = read('/proc/cpuinfo') ?? '';
    const pkgs = [...text.matchAll(/^physical id\s*:\s*(\d+)$/gm)].map((m) => m[1]);
    const coreIds = [...text.matchAll(/^core id\s*:\s*(\d+)$/gm)].map((m) => m[1]);
    if (pkgs.length === online && coreIds.length === online) {
      assert.equal(cores, new Set(pkgs.map((p, i) => `${p}:${coreIds[i]}`)).size);
    }
  });

  it('memory total matches os.totalmem(); available is within it', () => {
    assert.equal(info.memory.totalBytes, os.totalmem());
    const available = info.memory.availableBytes;
    assert.ok(available !== null && available > 0 && available <= os.totalmem());
  });

  it('kernel release and version match uname and /proc/version', () => {
    assert.equal(info.kernel.release, os.release());
    assert.equal(info.kernel.version, read('/proc/version')?.trim() ?? null);
    assert.ok(info.kernel.version?.includes(os.release()));
  });

  it('base page size is a power of two, 4 KiB on x86-64', () => {
    const size = info.pageSize;
    assert.ok(size !== null && size >= 4096 && (size & (size - 1)) === 0, `page size ${size}`);
    if (process.arch === 'x64') assert.equal(size, 4096);
  });

  it('huge page counts match /proc/sys/vm and the sysfs pools', () => {
    const dirs = entries('/sys/kernel/mm/hugepages', /^hugepages-\d+kB$/).sort();
    const { info: fresh, counts } = steadyHugePages(dirs);
    assert.equal(fresh.hugePages.total, counts.get('default'));
    assert.deepEqual(fresh.hugePages.pools.map((p) => `hugepages-${p.sizeBytes / 1024}kB`).sort(), dirs);
    const defaultPool = fresh.hugePages.pools.find((p) => p.sizeBytes === fresh.hugePages.sizeBytes);
    assert.ok(defaultPool, 'the default huge page size has a sysfs pool');
    assert.equal(defaultPool.total, fresh.hugePages.total);
    for (const pool of fresh.hugePages.pools) {
      assert.equal(pool.total, counts.get(`hugepages-${pool.sizeBytes / 1024}kB`));
    }
  });

  it('THP mode is the bracketed word of the sysfs files', () => {
    const enabled = read('/sys/kernel/mm/transparent_hugepage/enabled');
    if (enabled === null) {
      assert.equal(info.thp, null);
      return;
    }
    const selected = (text: string | null): string | null => /\[(\w[\w+]*)\]/.exec(text ?? '')?.[1] ?? null;
    assert.ok(info.thp !== null);
    assert.equal(info.thp.enabled, selected(enabled));
    assert.ok(['always', 'madvise', 'never'].includes(info.thp.enabled ?? ''), String(info.thp.enabled));
    assert.equal(info.thp.defrag, selected(read('/sys/kernel/mm/transparent_hugepage/defrag')));
  });

  it('caches match /sys/devices/system/cpu/cpu0/cache', () => {
    const base = '/sys/devices/system/cpu/cpu0/cache';
    const dirs = entries(base, /^index\d+$/).sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)));
    assert.equal(info.caches.length, dirs.length);
    dirs.forEach((dir, i) => {
      const cache = info.caches[i]!;
      assert.equal(cache.level, Number(read(`${base}/${dir}/level`)));
      assert.equal(cache.type, read(`${base}/${dir}/type`)?.trim());
      const size = read(`${base}/${dir}/size`)?.trim();
      if (size?.endsWith('K')) assert.equal(`${cache.sizeBytes! / 1024}K`, size);
    });
    const data = info.caches.filter((c) => c.type !== 'Instruction');
    if (data.length === 0) {
      assert.equal(info.lastLevelCacheBytes, null);
    } else {
      const top = Math.max(...data.map((c) => c.level));
      assert.equal(info.lastLevelCacheBytes, Math.max(...data.filter((c) => c.level === top).map((c) => c.sizeBytes!)));
    }
  });

  it('NUMA nodes match /sys/devices/system/node', () => {
    const nodes = entries('/sys/devices/system/node', /^node\d+$/).map((n) => Number(n.slice(4))).sort((a, b) => a - b);
    assert.deepEqual(info.numaNodes.map((n) => n.id), nodes);
    for (const node of info.numaNodes) {
      assert.equal(node.cpuList, read(`/sys/devices/system/node/node${node.id}/cpulist`)?.trim() ?? null);
    }
  });

  it('DMA engines match /sys/bus/dsa and /sys/class/dma', () => {
    const dma = info.dmaEngines;
    assert.deepEqual([...dma.dsa].sort(), entries('/sys/bus/dsa/devices', /./).sort());
    assert.deepEqual(dma.channels.map((c) => c.name).sort(), entries('/sys/class/dma', /./).sort());
    assert.equal(dma.dsaDevNode, fs.existsSync('/dev/dsa'));
    for (const name of dma.ioat) {
      assert.equal(dma.channels.find((c) => c.name === name)?.driver, 'ioatdma');
    }
    assert.equal(dma.any, dma.dsa.length > 0 || dma.dsaDevNode || dma.channels.length > 0);
  });

  it('node, host, governor and SMT match their sources', () => {
    assert.deepEqual(info.node, {
      version: process.version,
      napi: process.versions.napi,
      v8: process.versions.v8,
      arch: process.arch,
      platform: process.platform,
    });
    assert.equal(info.hostname, os.hostname());
    assert.equal(info.governor, read('/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor')?.trim() ?? null);
    const smt = read('/sys/devices/system/cpu/smt/active')?.trim();
    assert.equal(info.smt, smt === undefined ? null : smt === '1');
  });

  it('collectedAt is the ISO time of the call', () => {
    const at = Date.parse(info.collectedAt);
    assert.equal(new Date(at).toISOString(), info.collectedAt);
    assert.ok(Date.now() - at < 60_000 && Date.now() >= at);
  });
});

/** A machine where nothing could be read. */
function unreadableMachine(): MachineInfo {
  return {
    cpu: { model: null, vendor: null, cores: 1, onlineCpus: null, physicalCores: null, mhz: null, flags: null },
    numaNodes: [],
    memory: { totalBytes: null, availableBytes: null },
    kernel: { release: '6.1.0-test', version: null },
    pageSize: null,
    hugePages: { sizeBytes: null, total: null, free: null, reserved: null, surplus: null, pools: [] },
    thp: null,
    caches: [],
    lastLevelCacheBytes: null,
    dmaEngines: { dsa: [], dsaDevNode: false, ioat: [], channels: [], any: false },
    node: { version: 'v20.0.0', napi: null, v8: '11.0', arch: 'x64', platform: 'linux' },
    hostname: 'test-host',
    virtualized: null,
    governor: null,
    smt: null,
    collectedAt: '2024-01-01T00:00:00.000Z',
  };
}

function line(text: string, key: string): string {
  const found = text.split('\n').find((l) => l.trimStart().startsWith(`${key}:`));
  assert.ok(found !== undefined, `no "${key}:" line in:\n${text}`);
  return found;
}

describe('formatMachineInfo', () => {
  const text = formatMachineInfo(info);

  it('names the cpu model and the kernel', () => {
    if (info.cpu.model !== null) assert.ok(text.includes(info.cpu.model));
    assert.ok(text.includes(os.release()));
    assert.ok(text.endsWith('\n'));
  });

  it('has the groups, in order, as unindented titles', () => {
    const titles = text.split('\n').filter((l) => /^\S/.test(l));
    assert.deepEqual(titles.map((t) => t.split(' ')[0]), ['CPU', 'Memory', 'Kernel', 'Pages', 'Caches', 'DMA', 'Node', 'Host']);
  });

  it('aligns every value to one column', () => {
    const starts = text.split('\n').filter((l) => l.startsWith('  ')).map((l) => {
      const m = /^ {2}([^:]+:) +/.exec(l);
      assert.ok(m, `not a "key: value" line: ${l}`);
      return m[0].length;
    });
    assert.equal(new Set(starts).size, 1, `value columns: ${[...new Set(starts)].join(', ')}`);
  });

  it('says how to reserve huge pages when none are reserved, and counts them when some are', () => {
    const machine = structuredClone(info);
    machine.hugePages = { sizeBytes: 2 << 20, total: 0, free: 0, reserved: 0, surplus: 0, pools: [] };
    assert.match(line(formatMachineInfo(machine), 'huge pages'),
      /none reserved \(echo N > \/proc\/sys\/vm\/nr_hugepages to reserve\)/);
    machine.hugePages = { sizeBytes: 2 << 20, total: 16, free: 12, reserved: 3, surplus: 0, pools: [] };
    const reserved = line(formatMachineInfo(machine), 'huge pages');
    assert.match(reserved, /16 in pool, 12 free, 3 promised to mappings/);
    assert.doesNotMatch(reserved, /none reserved/);
  });

  it('says "none found" without DMA engines and lists them when present', () => {
    const machine = structuredClone(info);
    machine.dmaEngines = { dsa: [], dsaDevNode: false, ioat: [], channels: [], any: false };
    assert.match(formatMachineInfo(machine), /none found/);
    machine.dmaEngines = {
      dsa: ['dsa0', 'wq0.0'],
      dsaDevNode: true,
      ioat: ['dma0chan0'],
      channels: [{ name: 'dma0chan0', driver: 'ioatdma' }],
      any: true,
    };
    const listed = formatMachineInfo(machine);
    assert.match(line(listed, 'Intel DSA'), /dsa0, wq0\.0 \(\/dev\/dsa present\)/);
    assert.match(line(listed, 'I/OAT'), /dma0chan0/);
  });

  it('renders sizes in binary units', () => {
    assert.equal(formatBytes(0), '0 B');
    assert.equal(formatBytes(1000), '1000 B');
    assert.equal(formatBytes(4096), '4 KiB');
    assert.equal(formatBytes(32768 * 1024), '32 MiB');
    assert.equal(formatBytes(24684084 * 1024), '23.5 GiB');
    assert.equal(formatBytes(1024 * 1024 - 1), '1 MiB');
    const machine = unreadableMachine();
    machine.caches = [{ level: 3, type: 'Unified', sizeBytes: 32 << 20, sharedCpuList: '0-15' }];
    machine.lastLevelCacheBytes = 32 << 20;
    assert.match(line(formatMachineInfo(machine), 'L3'), /^ {2}L3: +32 MiB, shared by CPUs 0-15$/);
  });

  it('says "unknown" for unread facts and never prints null, undefined or NaN', () => {
    const out = formatMachineInfo(unreadableMachine());
    assert.doesNotMatch(out, /null|undefined|NaN/);
    assert.match(line(out, 'model'), /unknown/);
    assert.match(line(out, 'total'), /unknown/);
    assert.match(line(out, 'base page size'), /unknown/);
    assert.match(out, /none found/);
  });
});
