/**
 * `machineInfo()` for people: aligned "key: value" lines in groups, as
 * `frontswap info` prints them. The facts come from lib/machine-info.ts; this
 * file only words them.
 */
import { HUGEPAGES_SYSFS, THP_SYSFS, type MachineInfo } from '../../lib/machine-info';
import { formatBytes } from '../report/stats';

type Row = [key: string, value: string];

interface Section {
  title: string;
  rows: Row[];
}

function bytesOr(bytes: number | null, missing: string): string {
  return bytes === null ? missing : formatBytes(bytes);
}

function orUnknown(value: string | number | null): string {
  return value === null ? 'unknown' : String(value);
}

function cpuRows(info: MachineInfo): Row[] {
  const { cpu } = info;
  const online = cpu.onlineCpus === null ? '' : `, ${cpu.onlineCpus} online`;
  const rows: Row[] = [
    ['model', cpu.model ?? 'unknown (no "model name" in /proc/cpuinfo)'],
    ['vendor', orUnknown(cpu.vendor)],
    ['logical CPUs', `${cpu.cores} usable by this process${online}`],
    ['physical cores', orUnknown(cpu.physicalCores)],
    ['SMT', info.smt === null ? 'not reported' : info.smt ? 'active' : 'inactive'],
    ['clock', cpu.mhz === null ? 'not reported' : `${Math.round(cpu.mhz)} MHz (at the time of reading)`],
    ['governor', info.governor ?? 'not reported (no cpufreq)'],
  ];
  if (cpu.flags === null) {
    rows.push(['copy features', 'unknown (no flags line in /proc/cpuinfo)']);
  } else {
    const entries = Object.entries(cpu.flags);
    const has = entries.filter(([, on]) => on).map(([name]) => name);
    const lacks = entries.filter(([, on]) => !on).map(([name]) => name);
    const parts = [has.length ? `has ${has.join(', ')}` : '', lacks.length ? `lacks ${lacks.join(', ')}` : ''];
    rows.push(['copy features', parts.filter(Boolean).join('; ')]);
  }
  const hypervisor = info.virtualized === null ? 'unknown' : info.virtualized ? 'yes (virtual machine)' : 'no';
  rows.push(['hypervisor', hypervisor]);
  if (info.numaNodes.length === 0) {
    rows.push(['NUMA nodes', 'not reported (no /sys/devices/system/node)']);
  } else {
    rows.push(['NUMA nodes', String(info.numaNodes.length)]);
    for (const node of info.numaNodes) {
      const mem = node.memTotalBytes === null ? '' : `, ${formatBytes(node.memTotalBytes)}`;
      // A node with memory and no CPUs is memory the CPUs reach remotely: CXL or far memory.
      const cpuless = node.cpuList !== null && node.cpuList.trim() === '';
      rows.push([`node${node.id}`, cpuless ? `no CPUs (memory only: CXL or far memory)${mem}` : `CPUs ${node.cpuList ?? 'unknown'}${mem}`]);
    }
  }
  return rows;
}

function hugePoolText(total: number | null, free: number | null, reserved: number | null,
  surplus: number | null, reserveHint: string): string {
  if (total === null) return 'unknown';
  if (total === 0) return `none reserved (${reserveHint} to reserve)`;
  const parts = [`${total} in pool`, `${orUnknown(free)} free`];
  if (reserved) parts.push(`${reserved} promised to mappings`);
  if (surplus) parts.push(`${surplus} surplus`);
  return parts.join(', ');
}

function pageRows(info: MachineInfo): Row[] {
  const hp = info.hugePages;
  const rows: Row[] = [
    ['base page size', bytesOr(info.pageSize, 'unknown (no KernelPageSize in /proc/self/smaps)')],
    ['huge page size', bytesOr(hp.sizeBytes, 'unknown (no Hugepagesize in /proc/meminfo)')],
    ['huge pages', hugePoolText(hp.total, hp.free, hp.reserved, hp.surplus, 'echo N > /proc/sys/vm/nr_hugepages')],
  ];
  for (const pool of hp.pools) {
    if (pool.sizeBytes === hp.sizeBytes) continue;
    const hint = `echo N > ${HUGEPAGES_SYSFS}/hugepages-${pool.sizeBytes / 1024}kB/nr_hugepages`;
    rows.push([`${formatBytes(pool.sizeBytes)} pages`, hugePoolText(pool.total, pool.free, pool.reserved, pool.surplus, hint)]);
  }
  if (info.thp === null) {
    rows.push(['THP', `not available (no ${THP_SYSFS})`]);
  } else {
    rows.push(['THP enabled', orUnknown(info.thp.enabled)], ['THP defrag', orUnknown(info.thp.defrag)]);
  }
  return rows;
}

function cacheRows(info: MachineInfo): Row[] {
  if (info.caches.length === 0) return [['caches', 'none reported under /sys/devices/system/cpu/cpu0/cache']];
  const rows: Row[] = info.caches.map((c) => {
    const kind = c.type === 'Unified' ? '' : ` ${c.type.toLowerCase()}`;
    const shared = c.sharedCpuList === null ? '' : `, shared by CPUs ${c.sharedCpuList}`;
    return [`L${c.level}${kind}`, `${bytesOr(c.sizeBytes, 'size unknown')}${shared}`];
  });
  rows.push(['last level', bytesOr(info.lastLevelCacheBytes, 'unknown')]);
  return rows;
}

function dmaRows(info: MachineInfo): Row[] {
  const dma = info.dmaEngines;
  if (!dma.any) return [['engines', 'none found (nothing under /sys/bus/dsa or /sys/class/dma)']];
  const devNode = dma.dsaDevNode ? '/dev/dsa present' : 'no /dev/dsa';
  const other = dma.channels.filter((c) => c.driver !== 'ioatdma');
  return [
    ['Intel DSA', dma.dsa.length ? `${dma.dsa.join(', ')} (${devNode})` : dma.dsaDevNode ? devNode : 'none found'],
    ['I/OAT', dma.ioat.length ? dma.ioat.join(', ') : 'none found'],
    ['other DMA', other.length ? other.map((c) => `${c.name} (${c.driver ?? 'no driver'})`).join(', ') : 'none found'],
  ];
}

/** Renders machine facts as aligned "key: value" lines in groups. */
export function formatMachineInfo(info: MachineInfo): string {
  const sections: Section[] = [
    { title: 'CPU', rows: cpuRows(info) },
    {
      title: 'Memory',
      rows: [
        ['total', bytesOr(info.memory.totalBytes, 'unknown')],
        ['available', bytesOr(info.memory.availableBytes, 'unknown')],
      ],
    },
    {
      title: 'Kernel',
      rows: [
        ['release', info.kernel.release],
        ['version', info.kernel.version ?? 'unknown (no /proc/version)'],
      ],
    },
    { title: 'Pages', rows: pageRows(info) },
    { title: 'Caches (cpu0)', rows: cacheRows(info) },
    { title: 'DMA engines', rows: dmaRows(info) },
    {
      title: 'Node',
      rows: [
        ['version', info.node.version],
        ['N-API', orUnknown(info.node.napi)],
        ['V8', info.node.v8],
        ['platform', `${info.node.platform} ${info.node.arch}`],
      ],
    },
    { title: 'Host', rows: [['hostname', info.hostname], ['collected at', info.collectedAt]] },
  ];
  const width = Math.max(...sections.flatMap((s) => s.rows.map(([key]) => key.length))) + 1;
  const blocks = sections.map((s) =>
    [s.title, ...s.rows.map(([key, value]) => `  ${`${key}:`.padEnd(width)} ${value}`)].join('\n'));
  return `${blocks.join('\n\n')}\n`;
}
