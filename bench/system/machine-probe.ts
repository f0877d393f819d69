/**
 * Reads the machine-global swap state: /proc/swaps, zswap's parameters, zram and
 * loop devices, and which compressors the kernel offers. Read-only; the pieces
 * that change the machine live in machine-changes.ts.
 */
import * as fs from 'node:fs';

export const ZSWAP_PARAMS_DIR = '/sys/module/zswap/parameters';
export const ZSWAP_PARAMS = ['enabled', 'compressor', 'max_pool_percent', 'accept_threshold_percent', 'shrinker_enabled'] as const;
export type ZswapParam = (typeof ZSWAP_PARAMS)[number];

export interface SwapEntry {
  path: string;
  type: string;
  sizeKiB: number;
  usedKiB: number;
  priority: number;
}

export interface ZramInfo {
  id: number;
  path: string;
  disksize: number;
  /** The selected algorithm (the bracketed one in comp_algorithm). */
  algorithm: string;
}

export interface LoopInfo {
  device: string;
  backingFile: string;
}

/** Everything a test or a report compares before and after a run. */
export interface MachineSnapshot {
  swaps: SwapEntry[];
  zswap: Partial<Record<ZswapParam, string>>;
  zram: ZramInfo[];
  loops: LoopInfo[];
}

function readTrim(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return null;
  }
}

/** /proc/swaps, one entry per active device or file. Paths with spaces come escaped as \040. */
export function readSwaps(): SwapEntry[] {
  const lines = fs.readFileSync('/proc/swaps', 'utf8').split('\n').slice(1);
  const out: SwapEntry[] = [];
  for (const line of lines) {
    const f = line.trim().split(/\s+/);
    if (f.length < 5 || f[0] === '') continue;
    out.push({
      path: f[0]!.replace(/\\040/g, ' ').replace(/\s*\(deleted\)$/, ''),
      type: f[1]!,
      sizeKiB: Number(f[2]),
      usedKiB: Number(f[3]),
      priority: Number(f[4]),
    });
  }
  return out;
}

/** The path as /proc/swaps would name it (symlinks resolved), or the path itself if it is gone. */
export function canonicalPath(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return p;
  }
}

export function isSwapActive(p: string): boolean {
  const want = canonicalPath(p);
  return readSwaps().some((s) => s.path === want || s.path === p);
}

/** Swap already in use: devices holding pages and the KiB they hold, from /proc/swaps. */
export function swapInUse(): { devices: string[]; usedKiB: number } {
  const used = readSwaps().filter((s) => s.usedKiB > 0);
  return { devices: used.map((s) => s.path), usedKiB: used.reduce((a, s) => a + s.usedKiB, 0) };
}

export function readZswap(): Partial<Record<ZswapParam, string>> {
  const out: Partial<Record<ZswapParam, string>> = {};
  for (const p of ZSWAP_PARAMS) {
    const v = readTrim(`${ZSWAP_PARAMS_DIR}/${p}`);
    if (v !== null) out[p] = v;
  }
  return out;
}

/** The selected entry of a sysfs list like "lzo [lz4] zstd", and all entries. */
export function parseChoiceList(text: string): { selected: string | null; choices: string[] } {
  const choices = text.split(/\s+/).filter((w) => w !== '');
  const sel = choices.find((w) => w.startsWith('[') && w.endsWith(']'));
  return { selected: sel === undefined ? null : sel.slice(1, -1), choices: choices.map((w) => w.replace(/^\[|\]$/g, '')) };
}

export function zramSysDir(id: number): string {
  return `/sys/block/zram${id}`;
}

export function readZram(id: number): ZramInfo | null {
  const dir = zramSysDir(id);
  const disksize = readTrim(`${dir}/disksize`);
  if (disksize === null) return null;
  const algorithms = parseChoiceList(readTrim(`${dir}/comp_algorithm`) ?? '');
  return { id, path: `/dev/zram${id}`, disksize: Number(disksize), algorithm: algorithms.selected ?? '' };
}

function blockDeviceNames(): string[] {
  try {
    return fs.readdirSync('/sys/block');
  } catch {
    return [];
  }
}

export function zramIds(): number[] {
  return blockDeviceNames().map((n) => /^zram(\d+)$/.exec(n)).filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1])).sort((a, b) => a - b);
}

export function listZram(): ZramInfo[] {
  return zramIds().map(readZram).filter((z): z is ZramInfo => z !== null);
}

/** Attached loop devices and their backing files (from sysfs, as losetup -a reads them). */
export function listLoops(): LoopInfo[] {
  const out: LoopInfo[] = [];
  for (const n of blockDeviceNames().filter((x) => /^loop\d+$/.test(x)).sort()) {
    const backing = readTrim(`/sys/block/${n}/loop/backing_file`);
    if (backing !== null) out.push({ device: `/dev/${n}`, backingFile: backing.replace(/ \(deleted\)$/, '') });
  }
  return out;
}

export function machineSnapshot(): MachineSnapshot {
  return { swaps: readSwaps(), zswap: readZswap(), zram: listZram(), loops: listLoops() };
}

/** Compressors the crypto API offers (what zswap can use), from /proc/crypto. */
export function cryptoCompressors(): string[] {
  const text = readTrim('/proc/crypto') ?? '';
  const out = new Set<string>();
  for (const block of text.split(/\n\s*\n/)) {
    const name = /^name\s*:\s*(\S+)/m.exec(block)?.[1];
    const type = /^type\s*:\s*(\S+)/m.exec(block)?.[1];
    if (name !== undefined && (type === 'scomp' || type === 'acomp' || type === 'compression')) out.add(name);
  }
  return [...out].sort();
}

/** The first of `preferred` that `available` holds, else null. */
export function firstAvailable(preferred: readonly string[], available: readonly string[]): string | null {
  return preferred.find((p) => available.includes(p)) ?? null;
}
