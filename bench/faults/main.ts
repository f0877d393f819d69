/**
 * node dist/bench/faults/main.js [--quick] [--reps N] [--out DIR] [--allow-swap-in-use]
 * Runs the faults section alone: prints its Markdown, and with --out writes
 * faults.md, its chart and faults.json into DIR.
 */
import * as nodeFs from 'node:fs';
import * as path from 'node:path';
import { machineInfo } from '../../lib/machine-info';
import { faultsSection } from './section';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const value = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const reps = value('--reps');
  const out = value('--out');
  const r = await faultsSection.run({
    machine: machineInfo(),
    quick: argv.includes('--quick'),
    repetitions: reps === undefined ? null : Number(reps),
    progress: process.stderr.isTTY ? process.stderr : null,
    allowSwapInUse: argv.includes('--allow-swap-in-use'),
  });
  if (r.skipped) {
    console.log(`faults: skipped: ${r.skipped}`);
    return;
  }
  console.log(r.markdown);
  if (out) {
    nodeFs.mkdirSync(out, { recursive: true });
    nodeFs.writeFileSync(path.join(out, 'faults.md'), r.markdown + '\n');
    for (const c of r.charts) nodeFs.writeFileSync(path.join(out, c.file), c.svg);
    nodeFs.writeFileSync(path.join(out, 'faults.json'), JSON.stringify({ machine: machineInfo(), ...r.data }, null, 2) + '\n');
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
