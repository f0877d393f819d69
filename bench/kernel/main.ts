#!/usr/bin/env node
/**
 * The kernel section alone: node dist/bench/kernel/main.js [--quick] [--reps N]
 * [--out DIR] [--allow-swap-in-use]. Prints the section's Markdown; with --out
 * writes kernel.md, its chart and kernel.json there. Exit status 0 when it ran
 * or was skipped for want of root, 1 when it refused (swap in use) or failed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { machineInfo } from '../../lib/machine-info';
import { kernelSection } from './section';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean' },
      reps: { type: 'string' },
      out: { type: 'string' },
      'allow-swap-in-use': { type: 'boolean' },
    },
    strict: true,
  });
  const reps = values.reps === undefined ? null : Number(values.reps);
  if (reps !== null && (!Number.isInteger(reps) || reps < 1)) throw new RangeError(`--reps must be a positive integer, got ${values.reps}`);
  const result = await kernelSection.run({
    machine: machineInfo(),
    quick: values.quick ?? false,
    repetitions: reps,
    progress: process.stderr,
    allowSwapInUse: values['allow-swap-in-use'] ?? false,
  });
  process.stdout.write(result.markdown);
  if (values.out !== undefined) {
    fs.mkdirSync(values.out, { recursive: true });
    fs.writeFileSync(path.join(values.out, 'kernel.md'), result.markdown);
    for (const c of result.charts) fs.writeFileSync(path.join(values.out, c.file), c.svg);
    fs.writeFileSync(path.join(values.out, 'kernel.json'), `${JSON.stringify(result.data, null, 2)}\n`);
  }
  return result.skipped !== null && result.skipped.includes('refused') ? 1 : 0;
}

main().then(
  (code) => { process.exitCode = code; },
  (err: unknown) => {
    process.stderr.write(`kernel section: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
