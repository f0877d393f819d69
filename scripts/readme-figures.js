#!/usr/bin/env node
/*
 * README's figures from the committed reports: the main block from
 * docs/report/report.json, the bench:sync block from docs/sync/sync.json.
 * Prints both blocks; with --write, puts them into README.md between their
 * markers; with --check, exits 1 when README's blocks differ. Needs the
 * compiled TypeScript (npm run build:ts).
 */
'use strict';
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const root = join(__dirname, '..');
const { readReport } = require(join(root, 'dist/bench/report/read'));
const { README_BEGIN, README_END, currentReadmeFigures, readmeFigures, replaceReadmeFigures } = require(join(root, 'dist/bench/report/readme-figures'));
const { SYNC_BEGIN, SYNC_END, readSyncRecord, syncReadmeFigures } = require(join(root, 'dist/bench/presets/sync-figures'));

const readmePath = join(root, 'README.md');
const blocks = [
  { begin: README_BEGIN, end: README_END, source: 'docs/report/report.json', text: readmeFigures(readReport(join(root, 'docs/report/report.json'))) },
  { begin: SYNC_BEGIN, end: SYNC_END, source: 'docs/sync/sync.json', text: syncReadmeFigures(readSyncRecord(join(root, 'docs/sync/sync.json'))) },
];
let readme = readFileSync(readmePath, 'utf8');
const mode = process.argv[2];
if (mode === '--write') {
  for (const b of blocks) readme = replaceReadmeFigures(readme, b.text, b.begin, b.end);
  writeFileSync(readmePath, readme);
  process.stdout.write(`readme-figures: README.md updated from ${blocks.map((b) => b.source).join(' and ')}\n`);
} else if (mode === '--check') {
  for (const b of blocks) {
    if (currentReadmeFigures(readme, b.begin, b.end) !== b.text) {
      process.stderr.write(`readme-figures: README.md disagrees with ${b.source}; run npm run readme:figures\n`);
      process.exitCode = 1;
    }
  }
} else {
  process.stdout.write(`${blocks.map((b) => b.text).join('\n\n')}\n`);
}
