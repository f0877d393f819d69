/**
 * Creating an output directory (--out) that fails fast and says why in one
 * line. Node's mkdirSync({ recursive: true }) retries forever where mkdir
 * answers ENOENT for a parent that exists (under /proc, for one); this walks
 * up to the nearest existing ancestor and creates each missing level once.
 */
import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** An --out that cannot be used: reported in one line, before any work (bench exits 2, report and compare 1). */
export class OutDirError extends Error {}

/** Creates `dir` (and its missing parents) or throws OutDirError saying why not. */
export function ensureOutDir(dir: string): void {
  const why = makeOutDir(dir);
  if (why !== null) throw new OutDirError(`--out ${dir}: cannot write there (${why})`);
}

/** Why `dir` cannot serve as the output directory, or null once it exists and is writable. */
export function makeOutDir(dir: string): string | null {
  const missing: string[] = [];
  let at = resolve(dir);
  for (;;) {
    try {
      if (!statSync(at).isDirectory()) return `${at} is a file, not a directory`;
      break;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') return code === 'ENOTDIR' ? 'a file is in the way' : `cannot look at ${at} (${code})`;
      const up = dirname(at);
      if (up === at) return `no such root ${at}`;
      missing.push(at);
      at = up;
    }
  }
  for (const level of missing.reverse()) {
    try {
      mkdirSync(level);
    } catch (e) {
      return `cannot create ${level} (${(e as NodeJS.ErrnoException).code ?? String(e)})`;
    }
  }
  try {
    accessSync(resolve(dir), constants.W_OK);
  } catch (e) {
    return `cannot write there (${(e as NodeJS.ErrnoException).code ?? String(e)})`;
  }
  return null;
}
