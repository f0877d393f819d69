#!/usr/bin/env node
/*
 * README's figures from the committed report: prints the block generated from
 * docs/report/report.json; with --write, puts it into README.md between the
 * markers; with --check, exits 1 when README's block differs. Needs the
 * compiled TypeScript (npm run build:ts).
 */
'use strict';
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const root = join(__dirname, '..');
const { readReport } = require(join(root, 'dist/bench/report/read'));
const { currentReadmeFigures, readmeFigures, replaceReadmeFigures } = require(join(root, 'dist/bench/report/readme-figures'));

const readmePath = join(root, 'README.md');
const block = readmeFigures(readReport(join(root, 'docs/report/report.json')));
const readme = readFileSync(readmePath, 'utf8');
const mode = process.argv[2];
if (mode === '--write') {
  writeFileSync(readmePath, replaceReadmeFigures(readme, block));
  process.stdout.write('readme-figures: README.md updated from docs/report/report.json\n');
} else if (mode === '--check') {
  if (currentReadmeFigures(readme) !== block) {
    process.stderr.write('readme-figures: README.md disagrees with docs/report/report.json; run npm run readme:figures\n');
    process.exitCode = 1;
  }
} else {
  process.stdout.write(`${block}\n`);
}
