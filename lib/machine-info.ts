/**
 * What machine a benchmark ran on, read straight from /proc and /sys.
 *
 * Every report carries this, so every field is a fact the kernel stated: when a
 * file is missing or unreadable the field is null (or an empty list), never a
 * plausible default. The two facts the pool itself decides on, the THP mode and
 * the last-level cache, come from the addon (native/core/machine_facts.cpp), so
 * a report states exactly what the pool went by.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { addon } from './binding';

/** CPU features that decide how fast a page copy can go (rep movsb, wide vectors, DSA submission). */
export interface CpuFlags {
  avx2: boolean;
  avx512f: boolean;
  /** Enhanced rep movsb/stosb. */
  erms: boolean;
  /** Fast short rep mov. */
  fsrm: boolean;
  /** 64-byte direct store, used to submit DSA descriptors. */
  movdir64b: boolean;
  /** Enqueue command, used to submit to shared DSA work queues. */
  enqcmd: boolean;
}

export interface CpuInfo {
  /** "model name" of the first processor in /proc/cpuinfo. */
  model: string | null;
  /** "vendor_id" in /proc/cpuinfo. */
  vendor: string | null;
  /** Logical CPUs this process may run on: os.availableParallelism(). */
  cores: number;
  /** Logical CPUs the kernel has online (processors listed in /proc/cpuinfo). */
  onlineCpus: number | null;
  /** Distinct physical cores among the online CPUs. */
  physicalCores: number | null;
  /** "cpu MHz" of the first processor: the clock at the moment of reading. */
  mhz: number | null;
  /** null when /proc/cpuinfo has no x86 "flags" line. */
  flags: CpuFlags | null;
}

export interface NumaNode {
  id: number;
  cpuList: string | null;
  memTotalBytes: number | null;
}

export interface MemoryInfo {
  totalBytes: number | null;
  availableBytes: number | null;
}

export interface KernelInfo {
  /** os.release(), as `uname -r`. */
  release: string;
  /** The whole /proc/version line. */
  version: string | null;
}

/** One huge page size's pool, from /sys/kernel/mm/hugepages/hugepages-<size>kB. */
export interface HugePagePool {
  sizeBytes: number;
  total: number | null;
  free: number | null;
  reserved: number | null;
  surplus: number | null;
}

/** The default huge page size's pool, from /proc/meminfo, plus every size the kernel offers. */
export interface HugePagesInfo {
  sizeBytes: number | null;
  total: number | null;
  free: number | null;
  /** Promised to existing mappings but not yet faulted in. */
  reserved: number | null;
  surplus: number | null;
  pools: HugePagePool[];
}

export interface ThpInfo {
  /** The bracketed word of .../transparent_hugepage/enabled: always, madvise or never. */
  enabled: string | null;
  defrag: string | null;
}

export interface CacheInfo {
  level: number;
  /** Data, Instruction or Unified, as the kernel names it. */
  type: string;
  sizeBytes: number | null;
  /** CPUs sharing this cache, e.g. "0-15". */
  sharedCpuList: string | null;
}

export interface DmaChannel {
  name: string;
  /** Driver of the channel's device, e.g. "ioatdma"; null when it has none. */
  driver: string | null;
}

export interface DmaEnginesInfo {
  /** Device names under /sys/bus/dsa/devices (dsa0, wq0.0, ...). */
  dsa: string[];
  /** Whether /dev/dsa (the user-space work queue nodes) exists. */
  dsaDevNode: boolean;
  /** /sys/class/dma channels driven by ioatdma. */
  ioat: string[];
  /** Every /sys/class/dma channel with its driver. */
  channels: DmaChannel[];
  any: boolean;
}

export interface NodeRuntimeInfo {
  version: string;
  napi: string | null;
  v8: string;
  arch: string;
  platform: string;
}

export interface MachineInfo {
  cpu: CpuInfo;
  /** /sys/devices/system/node/node*; empty when the kernel exposes no NUMA nodes. */
  numaNodes: NumaNode[];
  memory: MemoryInfo;
  kernel: KernelInfo;
  /** Base page size, from the first KernelPageSize line of /proc/self/smaps. */
  pageSize: number | null;
  hugePages: HugePagesInfo;
  /** null when the kernel has no transparent huge pages. */
  thp: ThpInfo | null;
  /** cpu0's caches, from /sys/devices/system/cpu/cpu0/cache/index*. */
  caches: CacheInfo[];
  lastLevelCacheBytes: number | null;
  dmaEngines: DmaEnginesInfo;
  node: NodeRuntimeInfo;
  hostname: string;
  /** The "hypervisor" CPU flag: true inside a virtual machine; null when flags are unreadable. */
  virtualized: boolean | null;
  /** cpu0's cpufreq scaling governor. */
  governor: string | null;
  /** /sys/devices/system/cpu/smt/active. */
  smt: boolean | null;
  collectedAt: string;
}

const CPU_SYSFS = '/sys/devices/system/cpu';
export const THP_SYSFS = '/sys/kernel/mm/transparent_hugepage';
export const HUGEPAGES_SYSFS = '/sys/kernel/mm/hugepages';

export function machineInfo(): MachineInfo {
  const cpuinfo = parseCpuinfo(readText('/proc/cpuinfo'));
  const meminfo = parseMeminfo(readText('/proc/meminfo'));
  const caches = readCaches();
  const native = addon.nativeInfo();
  const flagWords = cpuinfo[0]?.get('flags')?.split(/\s+/);
  const flagSet = flagWords === undefined ? null : new Set(flagWords);
  return {
    cpu: {
      model: cpuinfo[0]?.get('model name') ?? null,
      vendor: cpuinfo[0]?.get('vendor_id') ?? null,
      cores: os.availableParallelism(),
      onlineCpus: cpuinfo.length > 0 ? cpuinfo.length : null,
      physicalCores: physicalCoresFromSysfs() ?? physicalCoresFromCpuinfo(cpuinfo),
      mhz: parseNumber(cpuinfo[0]?.get('cpu MHz')),
      flags: flagSet === null ? null : {
        avx2: flagSet.has('avx2'),
        avx512f: flagSet.has('avx512f'),
        erms: flagSet.has('erms'),
        fsrm: flagSet.has('fsrm'),
        movdir64b: flagSet.has('movdir64b'),
        enqcmd: flagSet.has('enqcmd'),
      },
    },
    numaNodes: readNumaNodes(),
    memory: {
      totalBytes: meminfo.get('MemTotal') ?? null,
      availableBytes: meminfo.get('MemAvailable') ?? null,
    },
    kernel: { release: os.release(), version: readText('/proc/version')?.trim() ?? null },
    pageSize: basePageSize(),
    hugePages: {
      sizeBytes: meminfo.get('Hugepagesize') ?? null,
      total: meminfo.get('HugePages_Total') ?? null,
      free: meminfo.get('HugePages_Free') ?? null,
      reserved: meminfo.get('HugePages_Rsvd') ?? null,
      surplus: meminfo.get('HugePages_Surp') ?? null,
      pools: readHugePagePools(),
    },
    thp: readThp(native.thpMode),
    caches,
    lastLevelCacheBytes: native.lastLevelCacheBytes > 0 ? native.lastLevelCacheBytes : null,
    dmaEngines: readDmaEngines(),
    node: {
      version: process.version,
      napi: process.versions.napi ?? null,
      v8: process.versions.v8,
      arch: process.arch,
      platform: process.platform,
    },
    hostname: os.hostname(),
    virtualized: flagSet === null ? null : flagSet.has('hypervisor'),
    governor: readTrimmed(`${CPU_SYSFS}/cpu0/cpufreq/scaling_governor`),
    smt: parseFlag(readTrimmed(`${CPU_SYSFS}/smt/active`)),
    collectedAt: new Date().toISOString(),
  };
}

// ---- reading /proc and /sys ----

function readText(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

function readTrimmed(file: string): string | null {
  return readText(file)?.trim() ?? null;
}

function readInt(file: string): number | null {
  return parseNumber(readTrimmed(file) ?? undefined);
}

/** Directory entries in natural order (node2 before node10); null when unreadable. */
function listDir(dir: string): string[] | null {
  try {
    return fs.readdirSync(dir).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  } catch {
    return null;
  }
}

function readLinkName(link: string): string | null {
  try {
    return path.basename(fs.readlinkSync(link));
  } catch {
    return null;
  }
}

function parseNumber(text: string | undefined): number | null {
  if (text === undefined || text.trim() === '') return null;
  const n = Number(text);
  return Number.isFinite(n) ? n : null;
}

function parseFlag(text: string | null): boolean | null {
  if (text === '1') return true;
  if (text === '0') return false;
  return null;
}

/** One key/value map per processor block of /proc/cpuinfo. */
function parseCpuinfo(text: string | null): Map<string, string>[] {
  if (text === null) return [];
  const blocks: Map<string, string>[] = [];
  for (const block of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    for (const line of block.split('\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) fields.set(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
    }
    if (fields.has('processor')) blocks.push(fields);
  }
  return blocks;
}

/** /proc/meminfo as numbers, "kB" values converted to bytes. */
function parseMeminfo(text: string | null): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text?.split('\n') ?? []) {
    const m = /^([^:]+):\s+(\d+)(\s+kB)?\s*$/.exec(line);
    if (m) values.set(m[1]!, Number(m[2]) * (m[3] ? 1024 : 1));
  }
  return values;
}

/** Expands a kernel CPU list such as "0-3,8,10-11" (null: not such a list). */
export function parseCpuList(text: string): number[] | null {
  const cpus: number[] = [];
  for (const part of text.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) return null;
    const first = Number(m[1]);
    const last = m[2] === undefined ? first : Number(m[2]);
    for (let cpu = first; cpu <= last; cpu++) cpus.push(cpu);
  }
  return cpus;
}

/** Cores = distinct sibling groups among online CPUs; works on any architecture. */
function physicalCoresFromSysfs(): number | null {
  const online = readTrimmed(`${CPU_SYSFS}/online`);
  const cpus = online === null ? null : parseCpuList(online);
  if (cpus === null || cpus.length === 0) return null;
  const groups = new Set<string>();
  for (const cpu of cpus) {
    const siblings = readTrimmed(`${CPU_SYSFS}/cpu${cpu}/topology/core_cpus_list`)
      ?? readTrimmed(`${CPU_SYSFS}/cpu${cpu}/topology/thread_siblings_list`);
    if (siblings === null) return null;
    groups.add(siblings);
  }
  return groups.size;
}

/** Cores = distinct (physical id, core id) pairs, when every processor lists both. */
function physicalCoresFromCpuinfo(cpuinfo: Map<string, string>[]): number | null {
  if (cpuinfo.length === 0) return null;
  const pairs = new Set<string>();
  for (const fields of cpuinfo) {
    const pkg = fields.get('physical id');
    const core = fields.get('core id');
    if (pkg === undefined || core === undefined) return null;
    pairs.add(`${pkg}:${core}`);
  }
  return pairs.size;
}

/**
 * The first mapping in smaps is the node executable, which is never hugetlb-backed
 * (THP-backed text still reports the base size), so its KernelPageSize is the base page.
 */
function basePageSize(): number | null {
  let fd: number;
  try {
    fd = fs.openSync('/proc/self/smaps', 'r');
  } catch {
    return null;
  }
  try {
    const chunk = Buffer.alloc(4096);
    let text = '';
    // smaps is generated on read and can be large; the first entry is all that is needed.
    while (text.length < 65536) {
      const n = fs.readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      text += chunk.toString('latin1', 0, n);
      const m = /^KernelPageSize:\s+(\d+) kB$/m.exec(text);
      if (m) return Number(m[1]) * 1024;
    }
    return null;
  } catch {
    return null;
  } finally {
    fs.closeSync(fd);
  }
}

function readHugePagePools(): HugePagePool[] {
  const pools: HugePagePool[] = [];
  for (const name of listDir(HUGEPAGES_SYSFS) ?? []) {
    const m = /^hugepages-(\d+)kB$/.exec(name);
    if (!m) continue;
    const dir = `${HUGEPAGES_SYSFS}/${name}`;
    pools.push({
      sizeBytes: Number(m[1]) * 1024,
      total: readInt(`${dir}/nr_hugepages`),
      free: readInt(`${dir}/free_hugepages`),
      reserved: readInt(`${dir}/resv_hugepages`),
      surplus: readInt(`${dir}/surplus_hugepages`),
    });
  }
  return pools.sort((a, b) => a.sizeBytes - b.sizeBytes);
}

/** The selected word of a sysfs choice file such as "always [madvise] never". */
function bracketedChoice(text: string | null): string | null {
  const m = text === null ? null : /\[([^\]]+)\]/.exec(text);
  return m ? m[1]! : null;
}

/** `enabled` is the mode the pool decides by (machine_facts.cpp reads it). */
function readThp(enabled: string): ThpInfo | null {
  if (!fs.existsSync(THP_SYSFS)) return null;
  return {
    enabled: enabled === '' ? null : enabled,
    defrag: bracketedChoice(readText(`${THP_SYSFS}/defrag`)),
  };
}

function readNumaNodes(): NumaNode[] {
  const nodes: NumaNode[] = [];
  for (const name of listDir('/sys/devices/system/node') ?? []) {
    const m = /^node(\d+)$/.exec(name);
    if (!m) continue;
    const dir = `/sys/devices/system/node/${name}`;
    const memTotal = /MemTotal:\s+(\d+) kB/.exec(readText(`${dir}/meminfo`) ?? '');
    nodes.push({
      id: Number(m[1]),
      cpuList: readTrimmed(`${dir}/cpulist`),
      memTotalBytes: memTotal ? Number(memTotal[1]) * 1024 : null,
    });
  }
  return nodes;
}

/** Cache sizes as sysfs writes them: "32K", "32768K", or a plain byte count. */
function parseCacheSize(text: string | null): number | null {
  const m = text === null ? null : /^(\d+)([KMG]?)$/.exec(text);
  if (!m) return null;
  const scale = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[m[2] as '' | 'K' | 'M' | 'G'];
  return Number(m[1]) * scale;
}

function readCaches(): CacheInfo[] {
  const base = `${CPU_SYSFS}/cpu0/cache`;
  const caches: CacheInfo[] = [];
  for (const name of listDir(base) ?? []) {
    if (!/^index\d+$/.test(name)) continue;
    const level = readInt(`${base}/${name}/level`);
    const type = readTrimmed(`${base}/${name}/type`);
    if (level === null || type === null) continue;
    caches.push({
      level,
      type,
      sizeBytes: parseCacheSize(readTrimmed(`${base}/${name}/size`)),
      sharedCpuList: readTrimmed(`${base}/${name}/shared_cpu_list`),
    });
  }
  return caches;
}

function readDmaEngines(): DmaEnginesInfo {
  const dsa = listDir('/sys/bus/dsa/devices') ?? [];
  const dsaDevNode = fs.existsSync('/dev/dsa');
  const channels = (listDir('/sys/class/dma') ?? []).map((name) => ({
    name,
    driver: readLinkName(`/sys/class/dma/${name}/device/driver`),
  }));
  return {
    dsa,
    dsaDevNode,
    ioat: channels.filter((c) => c.driver === 'ioatdma').map((c) => c.name),
    channels,
    any: dsa.length > 0 || dsaDevNode || channels.length > 0,
  };
}
