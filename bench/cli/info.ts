/** `frontswap info`: the machine facts every benchmark report carries, on their own. */
import { parseArgs } from 'node:util';
import { machineInfo } from '../../lib/machine-info';
import type { CliCommand } from './command';
import { formatMachineInfo } from './machine-text';

export const infoCommand: CliCommand = {
  name: 'info',
  summary: 'describe this machine: CPU, memory, page sizes, caches, DMA engines, Node',
  usage: 'frontswap info [--json]',
  details: [
    'options:',
    '  --json   print the facts as JSON (null where the kernel did not say)',
  ].join('\n'),
  run(args, io) {
    const { values } = parseArgs({
      args,
      options: { json: { type: 'boolean' } },
      strict: true,
      allowPositionals: false,
    });
    const info = machineInfo();
    io.stdout.write(values.json ? `${JSON.stringify(info, null, 2)}\n` : formatMachineInfo(info));
    return 0;
  },
};
