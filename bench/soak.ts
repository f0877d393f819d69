/**
 * Soak: the model-based random tests of test/model.test.ts, for as long as asked.
 *
 *   node dist/bench/soak.js --minutes N [--seed S]
 *   node dist/bench/soak.js --replay FILE        (a {setup, commands} JSON from a failure report)
 *
 * It cycles through 4 KiB and 2 MiB pages with exclusiveGets off and on over a
 * PagePool, and 4 KiB pages over a SwapDevice on a file (sync, and io_uring
 * where the build has it; the file is the test fixtures' and is removed), each
 * chunk of programs from a seed derived from S (random when not given, printed
 * either way), prints progress (operations done, operations per second) to stderr,
 * and at the first failure prints the seed and the shrunk failing sequence and
 * exits with status 1. A development tool: it needs the test sources compiled
 * (dist/test) and fast-check installed.
 */
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { addon } from '../lib/binding';
import { checkModel, chunkSeed, describeCheck, formatProgram, runProgram, type ArbOptions, type Command, type Setup } from '../test/model/commands';

const CHECKS: (ArbOptions & { runs: number })[] = [
  { pageSize: 4096, exclusiveGets: false, maxCommands: 400, runs: 20 },
  { pageSize: 4096, exclusiveGets: true, maxCommands: 400, runs: 20 },
  { pageSize: 2097152, exclusiveGets: false, maxCommands: 200, runs: 10 },
  { pageSize: 2097152, exclusiveGets: true, maxCommands: 200, runs: 10 },
  { pageSize: 4096, exclusiveGets: false, maxCommands: 200, runs: 10, device: { kind: 'file', io: 'sync' } },
  ...(addon.wire.uring ? [{ pageSize: 4096, exclusiveGets: true, maxCommands: 200, runs: 10, device: { kind: 'file' as const, io: 'uring' as const } }] : []),
];

const USAGE = 'usage: node dist/bench/soak.js --minutes N [--seed S]\n       node dist/bench/soak.js --replay FILE\n';

function fail(message: string): never {
  process.stderr.write(`soak: ${message}\n${USAGE}`);
  process.exit(2);
}

function integerArg(raw: string | undefined, name: string): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n)) fail(`--${name} must be a number, got ${JSON.stringify(raw)}`);
  return n;
}

async function replay(file: string): Promise<number> {
  const { setup, commands } = JSON.parse(fs.readFileSync(file, 'utf8')) as { setup: Setup; commands: Command[] };
  process.stderr.write(`${formatProgram(setup, commands)}\n`);
  try {
    const r = await runProgram(setup, commands);
    process.stderr.write(`passed: ${r.ops} operations\n`);
    return 0;
  } catch (e) {
    process.stderr.write(`failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 1;
  }
}

async function soak(minutes: number, seed: number): Promise<number> {
  const reproduce = `node dist/bench/soak.js --minutes ${minutes} --seed ${seed}`;
  process.stderr.write(`soak: ${minutes} min, seed ${seed} (${reproduce})\n`);
  const start = Date.now();
  const end = start + minutes * 60_000;
  let ops = 0;
  let programs = 0;
  let lastReport = start;
  const perCheck = CHECKS.map(() => 0);
  for (let k = 0; Date.now() < end; k++) {
    const index = k % CHECKS.length;
    const c = CHECKS[index]!;
    const r = await checkModel({
      ...c,
      numRuns: c.runs,
      seed: chunkSeed(seed, index, Math.floor(k / CHECKS.length)),
      reproduce: `${reproduce} (chunk ${k})`,
    });
    ops += r.ops;
    programs += r.runs;
    perCheck[index]! += r.ops;
    if (r.failure) {
      process.stderr.write(`\n${r.failure}\n`);
      process.stdout.write(`FAILED after ${ops} operations (seed ${seed})\n`);
      return 1;
    }
    const now = Date.now();
    if (now - lastReport >= 5000 || now >= end) {
      const s = (now - start) / 1000;
      process.stderr.write(`soak: ${s.toFixed(0)} s, ${programs} programs, ${ops} operations, ${Math.round(ops / s)} ops/s\n`);
      lastReport = now;
    }
  }
  const s = (Date.now() - start) / 1000;
  const split = CHECKS.map((c, i) => `${describeCheck(c)}: ${perCheck[i]}`).join('; ');
  process.stdout.write(`passed: ${programs} programs, ${ops} operations in ${s.toFixed(0)} s (${Math.round(ops / s)} ops/s), seed ${seed}\n  ${split}\n`);
  return 0;
}

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      options: { minutes: { type: 'string' }, seed: { type: 'string' }, replay: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    fail((e as Error).message);
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (values.replay !== undefined) return replay(values.replay);
  const minutes = integerArg(values.minutes, 'minutes');
  if (minutes === undefined || minutes <= 0) fail('--minutes N is required (N > 0; fractions allowed)');
  const given = integerArg(values.seed, 'seed');
  if (given !== undefined && !Number.isInteger(given)) fail('--seed must be an integer');
  const seed = given === undefined ? (Math.random() * 0x100000000) | 0 : given | 0;
  return soak(minutes, seed);
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`soak: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
