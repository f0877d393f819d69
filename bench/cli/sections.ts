/**
 * `frontswap bench --sections copy,device,kernel,faults`: which parts of the
 * benchmark run, in that order. `copy` is the sync-vs-async copy sweep (the
 * default, and the only part without `--sections`); the others are the bench
 * sections of bench/section.ts. The flags are taken out of the argument list
 * here, so the sweep's own parser never sees them.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deviceSection } from '../device/section';
import { faultsSection } from '../faults/section';
import { kernelSection } from '../kernel/section';
import type { BenchSection, SectionName, SectionResult, SectionRunContext } from '../section';
import { restoreFromStateFile } from '../system/machine-changes';

/** The sections after the copy sweep, in run order. */
export const SECTIONS: readonly BenchSection[] = [deviceSection, kernelSection, faultsSection];
export const SECTION_NAMES: readonly SectionName[] = ['copy', ...SECTIONS.map((s) => s.name)];

export class SectionsUsageError extends Error {}

export interface SectionArgs {
  /** What to run, in run order. */
  sections: SectionName[];
  allowSwapInUse: boolean;
  /** The arguments left for the copy sweep's parser. */
  rest: string[];
}

/** Takes `--sections LIST` (or `--sections=LIST`) and `--allow-swap-in-use` out of `args`. */
export function parseSectionArgs(args: readonly string[]): SectionArgs {
  const rest: string[] = [];
  let list: string | null = null;
  let allowSwapInUse = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--allow-swap-in-use') allowSwapInUse = true;
    else if (a.startsWith('--sections=')) list = a.slice('--sections='.length);
    else if (a === '--sections') {
      const v = args[i + 1];
      if (v === undefined || v.startsWith('--')) throw new SectionsUsageError(`--sections needs a list, e.g. --sections ${SECTION_NAMES.join(',')}`);
      list = v;
      i++;
    } else rest.push(a);
  }
  if (list === null) return { sections: ['copy'], allowSwapInUse, rest };
  const asked = list.split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== '');
  if (asked.length === 0) throw new SectionsUsageError(`--sections needs at least one of ${SECTION_NAMES.join(', ')}`);
  for (const s of asked) {
    if (!(SECTION_NAMES as readonly string[]).includes(s)) throw new SectionsUsageError(`--sections: unknown section '${s}' (known: ${SECTION_NAMES.join(', ')})`);
  }
  return { sections: SECTION_NAMES.filter((n) => asked.includes(n)), allowSwapInUse, rest };
}

/** One line per section for --help. */
export function sectionsHelp(): string {
  return [
    '  --sections LIST     parts to run, in this order (default copy):',
    '                        copy    the sync vs async copy sweep above',
    ...SECTIONS.map((s) => `                        ${s.name.padEnd(7)} ${s.summary}`),
    '  --allow-swap-in-use run the kernel and faults sections although swap already holds pages',
  ].join('\n');
}

/**
 * A run killed while it had the machine changed (swap, zswap, zram, loop
 * devices, cgroups) left a state file: repair from it before measuring anything.
 * Returns the lines to print; nothing when there is no state file or no root.
 */
export function repairLeftovers(): string[] {
  if (process.getuid?.() !== 0) return [];
  const r = restoreFromStateFile();
  if (r === null) return [];
  return [...r.restored.map((l) => `restored from a previous run: ${l}`), ...r.problems.map((l) => `could not restore: ${l}`)];
}

/** Runs the sections other than `copy`, in order; a section that throws fails the run. */
export async function runSections(names: readonly SectionName[], ctx: SectionRunContext): Promise<SectionResult[]> {
  const out: SectionResult[] = [];
  for (const s of SECTIONS) if (names.includes(s.name)) out.push(await s.run(ctx));
  return out;
}

/** <name>.md and each section's charts beside report.md; returns the paths written. */
export function writeSectionFiles(results: readonly SectionResult[], outDir: string): string[] {
  const written: string[] = [];
  for (const r of results) {
    const md = join(outDir, `${r.name}.md`);
    writeFileSync(md, r.markdown.trimEnd() + '\n');
    written.push(md);
    for (const c of r.charts) {
      const p = join(outDir, c.file);
      writeFileSync(p, c.svg);
      written.push(p);
    }
  }
  return written;
}

/**
 * The sections again from report.json's `sections` (what sectionsJson wrote):
 * each redrawn by its own renderer from its data, in run order; one that was
 * skipped says why, as when it ran. Names this version does not know are left out.
 */
export function sectionsFromJson(json: Record<string, unknown> | undefined): SectionResult[] {
  const out: SectionResult[] = [];
  for (const s of SECTIONS) {
    const data = json?.[s.name];
    if (data === null || typeof data !== 'object' || Array.isArray(data)) continue;
    const d = data as Record<string, unknown>;
    if (typeof d['skipped'] === 'string') {
      const why = d['skipped'];
      out.push({ name: s.name, skipped: why, headline: why, markdown: `## The ${s.name} section\n\n${why}\n`, charts: [], data: {} });
    } else out.push(s.render(d));
  }
  return out;
}

/** What report.json carries of the sections: `sections.<name>` = its data, or why it was skipped. */
export function sectionsJson(results: readonly SectionResult[]): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const r of results) o[r.name] = r.skipped !== null ? { skipped: r.skipped } : { headline: r.headline, ...r.data };
  return o;
}
