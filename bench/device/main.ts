/** `node dist/bench/device/main.js [--quick] [--out DIR]`: the device section alone (DIR gets device.md, .json, .html and the chart). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { machineInfo } from '../../lib/index';
import { deviceSection } from './section';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const quick = argv.includes('--quick');
  const outAt = argv.indexOf('--out');
  const out = outAt >= 0 ? argv[outAt + 1] : undefined;
  const r = await deviceSection.run({ machine: machineInfo(), quick, repetitions: null, progress: process.stderr.isTTY ? process.stderr : null, allowSwapInUse: false });
  process.stdout.write(r.markdown + '\n');
  if (out) {
    fs.mkdirSync(out, { recursive: true });
    fs.writeFileSync(path.join(out, 'device.md'), r.markdown + '\n');
    fs.writeFileSync(path.join(out, 'device.json'), JSON.stringify(r.data, null, 2) + '\n');
    for (const c of r.charts) fs.writeFileSync(path.join(out, c.file), c.svg);
    if (r.html) fs.writeFileSync(path.join(out, 'device.html'), r.html + '\n');
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
