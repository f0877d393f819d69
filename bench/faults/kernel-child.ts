/**
 * Child process of the kernel comparison: the same workload on a plain
 * ArrayBuffer, held to the resident budget by the memory cgroup its parent put
 * it in. Protocol on stdin/stdout, one line each:
 *   child: {"ready":true}        (warmed up: its baseline charge can be read)
 *   parent: go                    (the limit is set)
 *   child: {"wallMs":…,"majorFaults":…,"checksum":…}
 * argv: workload pages seed
 */
import { runWorkload, type WorkloadName } from './workloads';

const [workload, pagesArg, seedArg] = process.argv.slice(2) as [WorkloadName, string, string];
const pages = Number(pagesArg);
const seed = Number(seedArg);

runWorkload(workload, new ArrayBuffer(64 * 4096), seed); // compile the workload before the budget applies
process.stdout.write(JSON.stringify({ ready: true }) + '\n');
process.stdin.once('data', () => {
  const buf = new ArrayBuffer(pages * 4096);
  const f0 = process.resourceUsage().majorPageFault;
  const t0 = process.hrtime.bigint();
  const r = runWorkload(workload, buf, seed);
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const majorFaults = process.resourceUsage().majorPageFault - f0;
  process.stdout.write(JSON.stringify({ wallMs, majorFaults, checksum: r.checksum }) + '\n');
  process.exit(0);
});
