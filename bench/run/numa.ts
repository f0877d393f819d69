/**
 * The NUMA crossing: which (pool node, worker node) pairs a run measures.
 * A pool node is any node with memory (CPU-less ones too: CXL or far memory,
 * Dan's "memory fast enough to live on a QPI/hypertransport" today); a worker
 * node is one with CPUs this process may use, and the workers are pinned to
 * those CPUs. A pure function of the topology, so it is tested with any.
 */
import { parseCpuList, type NumaNode } from '../../lib/machine-info';
import type { NumaPair } from '../report/schema';

/** What the crossing decided: the pairs, whether they cross anything, and in words. */
export interface NumaCrossingPlan {
  /** Every pool node × worker node; on one node, the one pair the main sweep is. */
  pairs: NumaPair[];
  /** More than one pair: the run measures the crossing subset. */
  crossing: boolean;
  /** For the report: "one NUMA node: no crossing measured", or what is crossed. */
  words: string;
}

/** A node's CPUs, those the process may use only (a cpulist of "" is a CPU-less node). */
function nodeCpus(n: NumaNode, allowed: ReadonlySet<number> | null): number[] | null {
  if (n.cpuList === null) return null;
  const text = n.cpuList.trim();
  const cpus = text === '' ? [] : parseCpuList(text);
  if (cpus === null) return null;
  return allowed ? cpus.filter((c) => allowed.has(c)) : cpus;
}

/**
 * Pairs of (pool node, worker node) for `nodes` (machineInfo().numaNodes),
 * with `allowedCpus` the CPUs this process may run on (null: any). Nodes whose
 * CPU list is unknown count as nodes with memory and without usable CPUs.
 */
export function numaCrossing(nodes: readonly NumaNode[], allowedCpus: readonly number[] | null): NumaCrossingPlan {
  const allowed = allowedCpus ? new Set(allowedCpus) : null;
  const facts = [...nodes].sort((a, b) => a.id - b.id).map((n) => ({ id: n.id, cpus: nodeCpus(n, allowed), mem: n.memTotalBytes }));
  const poolNodes = facts.filter((n) => n.mem === null || n.mem > 0);
  const workerNodes = facts.filter((n) => n.cpus !== null && n.cpus.length > 0);
  const cpuless = facts.filter((n) => n.cpus !== null && n.cpus.length === 0).map((n) => n.id);
  if (poolNodes.length === 0 || workerNodes.length === 0 || (poolNodes.length === 1 && workerNodes.length === 1)) {
    const only = workerNodes[0];
    const pairs = only && poolNodes[0] ? [{ poolNode: poolNodes[0].id, workerNode: only.id, workerCpus: only.cpus! }] : [];
    const n = Math.max(1, nodes.length);
    return {
      pairs,
      crossing: false,
      words:
        n === 1
          ? 'one NUMA node: no crossing measured (the sweep is its one pair, pool and workers on the same node)'
          : `${n} NUMA nodes, but ${poolNodes.length} with memory and ${workerNodes.length} with CPUs this process may use: no crossing measured`,
    };
  }
  const pairs: NumaPair[] = [];
  for (const p of poolNodes) for (const w of workerNodes) pairs.push({ poolNode: p.id, workerNode: w.id, workerCpus: w.cpus! });
  const remote = pairs.filter((x) => x.poolNode !== x.workerNode).length;
  return {
    pairs,
    crossing: true,
    words:
      `${nodes.length} NUMA nodes (${workerNodes.length} with CPUs${cpuless.length > 0 ? `, memory-only: ${cpuless.join(', ')}` : ''}): ` +
      `pool node × worker node crossed over ${pairs.length} pairs (${pairs.length - remote} local, ${remote} remote), ` +
      'the pool bound to its node (mbind), the workers pinned to the CPUs of theirs',
  };
}
