/**
 * The machine a report ran on, as rows for people. `machine` comes from
 * machineInfo() (lib/machine-info.ts) of whatever frontswap version wrote the
 * report, so every field is read defensively, with a few older or alternative
 * spellings: a missing or oddly shaped field reads "unknown", never a crash.
 */
import { formatBytes } from './stats';

export interface MachineRow {
  label: string;
  value: string;
}

const UNKNOWN = 'unknown';

/** obj.a.b.c if every step is an object; else undefined. */
function at(obj: unknown, path: string): unknown {
  let v: unknown = obj;
  for (const k of path.split('.')) {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}

/** The first of several paths that holds something. */
function first(obj: unknown, ...paths: string[]): unknown {
  for (const p of paths) {
    const v = at(obj, p);
    if (v !== undefined && v !== null && v !== '') return v;
  }
  return undefined;
}

function text(v: unknown): string | undefined {
  if (typeof v === 'string') return v.trim() || undefined;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function bytes(v: unknown): string | undefined {
  const n = num(v);
  return n === undefined ? undefined : formatBytes(n);
}

/** "always [madvise] never" → "madvise"; plain "madvise" stays. */
function thpMode(v: unknown): string | undefined {
  const s = text(v);
  if (s === undefined) return undefined;
  const m = /\[([^\]]+)\]/.exec(s);
  return m ? m[1] : s;
}

function cpu(m: unknown): string | undefined {
  const model = text(first(m, 'cpu.model', 'cpu.modelName', 'cpu.name')) ?? (typeof at(m, 'cpu') === 'string' ? text(at(m, 'cpu')) : undefined);
  const vendor = text(first(m, 'cpu.vendor', 'cpu.vendorId'));
  if (model && vendor && !model.toLowerCase().includes(vendor.toLowerCase())) return `${model} (${vendor})`;
  return model ?? vendor;
}

function cores(m: unknown): string | undefined {
  const logical = num(first(m, 'cpu.cores', 'cpu.count', 'cpus'));
  const physical = num(at(m, 'cpu.physicalCores'));
  const threads = num(first(m, 'cpu.threads', 'cpu.logical'));
  if (logical === undefined) return threads === undefined ? undefined : `${threads} threads`;
  if (physical !== undefined && physical !== logical) return `${logical} logical, ${physical} physical`;
  return threads !== undefined && threads !== logical ? `${logical} (${threads} threads)` : String(logical);
}

/** The copy-relevant CPU features that are present: "avx2, avx512f, erms, fsrm". */
function cpuFeatures(m: unknown): string | undefined {
  const flags = at(m, 'cpu.flags');
  if (flags === null || typeof flags !== 'object' || Array.isArray(flags)) return undefined;
  const on = Object.entries(flags as Record<string, unknown>)
    .filter(([, v]) => v === true)
    .map(([k]) => k);
  return on.length > 0 ? on.join(', ') : 'none of those checked';
}

function onOff(v: unknown): string | undefined {
  return typeof v === 'boolean' ? (v ? 'on' : 'off') : text(v);
}

function numa(m: unknown): string | undefined {
  const v = first(m, 'numaNodes', 'numa.nodes', 'numa');
  if (Array.isArray(v)) return String(v.length);
  return text(v);
}

function thp(m: unknown): string | undefined {
  const enabled = thpMode(first(m, 'thp.enabled', 'thp'));
  const defrag = thpMode(at(m, 'thp.defrag'));
  return enabled && defrag ? `${enabled} (defrag: ${defrag})` : enabled;
}

function hugePages(m: unknown): string | undefined {
  const total = num(first(m, 'hugePages.total', 'hugePages.reserved'));
  const free = num(at(m, 'hugePages.free'));
  const size = num(first(m, 'hugePages.sizeBytes', 'hugePages.size'));
  if (total === undefined && free === undefined) return undefined;
  const each = size === undefined ? '' : ` × ${formatBytes(size)}`;
  // Other sizes (1 GiB pages) only when some are reserved.
  const pools = at(m, 'hugePages.pools');
  const others = (Array.isArray(pools) ? pools : [])
    .filter((p) => num(at(p, 'sizeBytes')) !== size && (num(at(p, 'total')) ?? 0) > 0)
    .map((p) => `; ${num(at(p, 'total'))} × ${formatBytes(num(at(p, 'sizeBytes')) ?? 0)}`);
  return `${total ?? '?'} reserved, ${free ?? '?'} free${each}${others.join('')}`;
}

/** Names from a list of strings or of objects with a name (and driver). */
function names(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  return list
    .map((d) => {
      const name = text(d) ?? text(at(d, 'name'));
      const driver = text(at(d, 'driver'));
      return name && driver ? `${name} (${driver})` : name;
    })
    .filter((s): s is string => s !== undefined);
}

function dma(m: unknown): string | undefined {
  const v = at(m, 'dmaEngines');
  const any = typeof v === 'boolean' ? v : at(m, 'dmaEngines.any');
  const found = [
    ...names(at(m, 'dmaEngines.dsa')),
    ...names(first(m, 'dmaEngines.channels', 'dmaEngines.devices', 'dmaEngines.names', 'dmaEngines.list')),
  ];
  const list = [...new Set(found)];
  const shown = list.length > 6 ? [...list.slice(0, 6), `${list.length - 6} more`] : list;
  if (any === true) return shown.length > 0 ? `present: ${shown.join(', ')}` : 'present';
  if (any === false) return 'none found';
  return shown.length > 0 ? shown.join(', ') : undefined;
}

function virtualized(m: unknown): string | undefined {
  const v = first(m, 'virtualized', 'virtualization', 'hypervisor', 'isVirtual', 'vm', 'virtual');
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  return text(v) ?? text(at(v, 'type')) ?? text(at(v, 'name'));
}

function nodeVersion(m: unknown): string | undefined {
  const version = text(first(m, 'node.version', 'nodeVersion', 'node'));
  const napi = text(at(m, 'node.napi'));
  return version && napi ? `${version} (N-API ${napi})` : version;
}

/** Rows in a fixed order; a field the report lacks reads "unknown". */
export function describeMachine(machine: unknown): MachineRow[] {
  const m = machine;
  const rows: [string, string | undefined][] = [
    ['Host', text(first(m, 'hostname', 'host'))],
    ['CPU', cpu(m)],
    ['Cores', cores(m)],
    ['CPU features', cpuFeatures(m)],
    ['Frequency governor', text(at(m, 'governor'))],
    ['SMT', onOff(at(m, 'smt'))],
    ['NUMA nodes', numa(m)],
    ['Memory', bytes(first(m, 'memory.totalBytes', 'memory.total', 'totalMemoryBytes'))],
    ['Kernel', text(first(m, 'kernel.release', 'kernel'))],
    ['Base page size', bytes(at(m, 'pageSize'))],
    ['Transparent huge pages', thp(m)],
    ['Huge pages', hugePages(m)],
    ['Last-level cache', bytes(first(m, 'lastLevelCacheBytes', 'cache.lastLevelBytes', 'llcBytes'))],
    ['DMA engines', dma(m)],
    ['Virtualized', virtualized(m)],
    ['Node.js', nodeVersion(m)],
  ];
  return rows.map(([label, value]) => ({ label, value: value ?? UNKNOWN }));
}

/** A short name for a machine in titles: host, else CPU model. */
export function machineName(machine: unknown): string | undefined {
  return text(first(machine, 'hostname', 'host')) ?? cpu(machine);
}
