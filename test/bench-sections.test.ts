/** `frontswap bench --sections`: which parts run, and the flags the sweep's parser never sees. */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SectionsUsageError, parseSectionArgs, sectionsHelp, sectionsJson } from '../bench/cli/sections';

describe('bench --sections', () => {
  it('defaults to the copy sweep alone and passes every other argument through', () => {
    assert.deepEqual(parseSectionArgs(['--quick', '--out', 'x']), { sections: ['copy'], allowSwapInUse: false, rest: ['--quick', '--out', 'x'] });
  });

  it('runs the named sections in the fixed order whatever order they are given in', () => {
    const r = parseSectionArgs(['--sections', 'faults,copy,device', '--quick']);
    assert.deepEqual(r.sections, ['copy', 'device', 'faults']);
    assert.deepEqual(r.rest, ['--quick']);
    assert.deepEqual(parseSectionArgs(['--sections=Kernel']).sections, ['kernel']);
  });

  it('takes --allow-swap-in-use out of the sweep arguments', () => {
    const r = parseSectionArgs(['--allow-swap-in-use', '--sections', 'kernel']);
    assert.equal(r.allowSwapInUse, true);
    assert.deepEqual(r.rest, []);
  });

  it('refuses an unknown section, an empty list and a missing value with a usage error', () => {
    assert.throws(() => parseSectionArgs(['--sections', 'copy,disk']), (e: unknown) => e instanceof SectionsUsageError && /unknown section 'disk'/.test((e as Error).message));
    assert.throws(() => parseSectionArgs(['--sections', ',']), SectionsUsageError);
    assert.throws(() => parseSectionArgs(['--sections']), SectionsUsageError);
    assert.throws(() => parseSectionArgs(['--sections', '--quick']), SectionsUsageError);
  });

  it('names every section in --help', () => {
    const help = sectionsHelp();
    for (const name of ['copy', 'device', 'kernel', 'faults']) assert.match(help, new RegExp(`\\b${name}\\b`));
  });

  it('puts each section into report.json as its data, or why it was skipped', () => {
    const j = sectionsJson([
      { name: 'device', skipped: null, headline: 'h', markdown: '## d', charts: [], data: { iops: 1 } },
      { name: 'kernel', skipped: 'needs root', headline: '', markdown: '', charts: [], data: {} },
    ]);
    assert.deepEqual(j, { device: { headline: 'h', iops: 1 }, kernel: { skipped: 'needs root' } });
  });
});
