/** What a `frontswap` subcommand is, and where it writes: the CLI's types, apart from its dispatcher. */
export interface TextSink {
  write(text: string): unknown;
}

export interface CliIo {
  stdout: TextSink;
  stderr: TextSink;
}

/**
 * One subcommand. `run` parses its own arguments with node:util parseArgs in strict
 * mode: a parseArgs error, or any error with `code: 'ERR_USAGE'`, is reported as a
 * usage mistake (message plus usage on stderr, exit code 2), without a stack trace.
 */
export interface CliCommand {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Synopsis, e.g. "frontswap info [--json]". */
  usage: string;
  /** Further lines for `frontswap <command> --help`, such as the options. */
  details?: string;
  run(args: string[], io: CliIo): number | Promise<number>;
}

/** An error the dispatcher reports as a usage mistake (exit code 2). */
export function usageMistake(message: string): Error & { code: 'ERR_USAGE' } {
  return Object.assign(new Error(message), { code: 'ERR_USAGE' as const });
}
