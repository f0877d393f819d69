#!/usr/bin/env node
/**
 * The `frontswap` command line. Each subcommand lives in its own file and is listed
 * in `commands`; this file only dispatches, prints usage and maps errors to exit codes:
 * 0 success, 1 failure, 2 a usage mistake (unknown command, flag or argument).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { benchCommand } from './bench';
import { type CliCommand, type CliIo, usageMistake } from './command';
import { infoCommand } from './info';
import { compareCommand, reportCommand } from './report';
import { restoreCommand } from './restore';

export type { CliCommand, CliIo, TextSink } from './command';
export { usageMistake } from './command';

const helpCommand: CliCommand = {
  name: 'help',
  summary: 'show this help, or one command\'s',
  usage: 'frontswap help [command]',
  run(args, io) {
    const { positionals } = parseArgs({ args, options: {}, strict: true, allowPositionals: true });
    if (positionals.length > 1) throw usageMistake(`expected at most one command name, got ${positionals.length}`);
    const name = positionals[0];
    if (name === undefined) {
      io.stdout.write(generalHelp());
      return 0;
    }
    const command = findCommand(name);
    if (command === undefined) throw usageMistake(`unknown command '${name}'`);
    io.stdout.write(commandHelp(command));
    return 0;
  },
};

export const commands: readonly CliCommand[] = [infoCommand, benchCommand, reportCommand, compareCommand, restoreCommand, helpCommand];

function findCommand(name: string): CliCommand | undefined {
  return commands.find((c) => c.name === name);
}

function isUsageMistake(err: unknown): err is Error {
  const code = (err as { code?: unknown } | null)?.code;
  return err instanceof Error && typeof code === 'string'
    && (code === 'ERR_USAGE' || code.startsWith('ERR_PARSE_ARGS_'));
}

function generalHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const list = commands.map((c) => `  ${c.name.padEnd(width)}   ${c.summary}`).join('\n');
  return [
    'usage: frontswap <command> [options]',
    '',
    'commands:',
    list,
    '',
    'options:',
    '  -h, --help   show this help (frontswap <command> --help for one command)',
    '  --version    print the frontswap version',
    '',
  ].join('\n');
}

function commandHelp(command: CliCommand): string {
  const details = command.details === undefined ? '' : `\n${command.details.replace(/\n*$/, '\n')}`;
  return `usage: ${command.usage}\n\n${command.summary}\n${details}`;
}

/** Writes a mistake and a short usage to stderr; returns exit code 2. */
function reportUsageMistake(io: CliIo, message: string, command?: CliCommand): number {
  const who = command === undefined ? 'frontswap' : `frontswap ${command.name}`;
  const usage = command === undefined
    ? `usage: frontswap <command> [options]   (commands: ${commands.map((c) => c.name).join(', ')})`
    : `usage: ${command.usage}`;
  const hint = command === undefined ? 'frontswap help' : `frontswap ${command.name} --help`;
  io.stderr.write(`${who}: ${message}\n${usage}\nrun '${hint}' for more\n`);
  return 2;
}

/** parseArgs messages can run on with advice about '--'; the first sentence is the point. */
function firstSentence(message: string): string {
  const end = message.indexOf('. ');
  return end === -1 ? message : message.slice(0, end);
}

function packageVersion(): string {
  // dist/bench/cli/main.js -> package.json at the package root.
  const file = path.join(__dirname, '..', '..', '..', 'package.json');
  const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { version?: unknown };
  if (typeof pkg.version !== 'string') throw new Error(`no version in ${file}`);
  return pkg.version;
}

/** `frontswap --help`, `-h`, `--version`: flags given in place of a command. */
function runTopLevelFlags(argv: string[], io: CliIo): number {
  const { values } = parseArgs({
    args: argv,
    options: { help: { type: 'boolean', short: 'h' }, version: { type: 'boolean' } },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) io.stdout.write(generalHelp());
  else if (values.version) io.stdout.write(`${packageVersion()}\n`);
  return 0;
}

/** Arguments before a `--` terminator: after it, "--help" is an operand, not a flag. */
function flagsPart(args: string[]): string[] {
  const end = args.indexOf('--');
  return end === -1 ? args : args.slice(0, end);
}

/** Runs the command line `argv` (without node and script) and returns the exit code. */
export async function main(argv: string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const [name, ...args] = argv;
  let command: CliCommand | undefined;
  try {
    if (name === undefined) return reportUsageMistake(io, 'no command given');
    if (name.startsWith('-')) return runTopLevelFlags(argv, io);
    command = findCommand(name);
    if (command === undefined) return reportUsageMistake(io, `unknown command '${name}'`);
    const flags = flagsPart(args);
    if (flags.includes('--help') || flags.includes('-h')) {
      io.stdout.write(commandHelp(command));
      return 0;
    }
    return await command.run(args, io);
  } catch (err) {
    if (isUsageMistake(err)) return reportUsageMistake(io, firstSentence(err.message), command);
    // Not a usage mistake: a fault in the environment or in frontswap, where the stack helps.
    const who = command === undefined ? 'frontswap' : `frontswap ${command.name}`;
    io.stderr.write(`${who}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => { process.exitCode = code; },
    (err: unknown) => {
      process.stderr.write(`frontswap: ${String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
