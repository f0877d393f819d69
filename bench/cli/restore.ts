/**
 * `frontswap restore`: puts the machine back after a benchmark run that was
 * killed (SIGKILL, power loss) while it had swap, zswap, zram, loop devices or
 * cgroups changed, from the state file that run left behind.
 */
import { parseArgs } from 'node:util';
import type { CliCommand } from './command';
import { defaultStateFile, restoreFromStateFile } from '../system/machine-changes';

export const restoreCommand: CliCommand = {
  name: 'restore',
  summary: 'undo the machine changes of a benchmark run that was killed (swap, zswap, zram, loop devices, cgroups)',
  usage: 'frontswap restore [--state-file FILE]',
  details: [
    'options:',
    `  --state-file FILE   the state file to repair from (default ${defaultStateFile()};`,
    '                      $FRONTSWAP_STATE_FILE sets the default)',
    '',
    'Exit status 0 when there was nothing to do or everything was undone, 1 when',
    'something could not be undone (listed on stderr; the state file keeps it).',
  ].join('\n'),
  run(args, io) {
    const { values } = parseArgs({ args, options: { 'state-file': { type: 'string' } }, strict: true, allowPositionals: false });
    const report = restoreFromStateFile(values['state-file'] ?? defaultStateFile());
    if (report === null) {
      io.stdout.write('nothing to restore: no state file left by a previous run\n');
      return 0;
    }
    for (const line of report.restored) io.stdout.write(`restored: ${line}\n`);
    for (const line of report.problems) io.stderr.write(`problem: ${line}\n`);
    return report.problems.some((p) => !p.endsWith('left alone')) ? 1 : 0;
  },
};
