/**
 * Reading report.json written by this or another frontswap, possibly on
 * another machine. A report that cannot be shown correctly is refused with a
 * ReportError that says what is wrong and where; one that passes is safe for
 * every renderer (each field they read has the type they expect).
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { findJsonError } from './json-error';
import { REPORT_SCHEMA, REPORT_VERSION, type Report } from './schema';

export type ReportErrorCode =
  | 'ERR_REPORT_MISSING'
  | 'ERR_REPORT_UNREADABLE'
  | 'ERR_REPORT_JSON'
  | 'ERR_REPORT_SCHEMA'
  | 'ERR_REPORT_VERSION';

export class ReportError extends Error {
  readonly code: ReportErrorCode;
  /** The file (or other source) the report came from. */
  readonly source: string;

  constructor(message: string, code: ReportErrorCode, source: string) {
    super(message);
    this.name = 'ReportError';
    this.code = code;
    this.source = source;
  }
}

/** The largest report file read: real reports are well under 1 MiB. */
export const MAX_REPORT_BYTES = 64 * 1024 * 1024;

/**
 * Reads and checks a report file: a regular file of at most MAX_REPORT_BYTES.
 * Opened non-blocking so a FIFO cannot hang the open; a FIFO, a device
 * (/dev/zero) or a directory is refused before a byte is read, and a file that
 * grows past the limit while it is read is refused too.
 */
export function readReport(path: string): Report {
  const unreadable = (why: string): ReportError => new ReportError(`${path}: ${why}`, 'ERR_REPORT_UNREADABLE', path);
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ReportError(`${path}: no such file`, 'ERR_REPORT_MISSING', path);
    throw unreadable(code === 'EISDIR' ? 'is a directory, not a report file' : `cannot be read (${code ?? String(e)})`);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw unreadable('is a directory, not a report file');
    if (!st.isFile()) throw unreadable('is not a regular file (a FIFO, socket or device): reports are read from files only');
    if (st.size > MAX_REPORT_BYTES) throw unreadable(`is ${st.size} bytes, over the ${MAX_REPORT_BYTES}-byte limit of a report`);
    // Sized from fstat plus one byte, grown if the file grows meanwhile; never past the limit.
    let buf = Buffer.alloc(st.size + 1);
    let n = 0;
    for (;;) {
      let got: number;
      try {
        got = readSync(fd, buf, n, buf.length - n, null);
      } catch (e) {
        throw unreadable(`cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
      }
      if (got === 0) break;
      n += got;
      if (n > MAX_REPORT_BYTES) throw unreadable(`grew past the ${MAX_REPORT_BYTES}-byte limit of a report while it was read`);
      if (n === buf.length) {
        const bigger = Buffer.alloc(Math.min(buf.length * 2, MAX_REPORT_BYTES + 1));
        buf.copy(bigger);
        buf = bigger;
      }
    }
    return parseReport(buf.toString('utf8', 0, n), path);
  } finally {
    closeSync(fd);
  }
}

/** Parses and checks report text; `source` names it in error messages. */
export function parseReport(text: string, source: string): Report {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch (e) {
    throw new ReportError(`${source}: not valid JSON: ${jsonWhere(body, e)}`, 'ERR_REPORT_JSON', source);
  }
  return checkReport(data, source);
}

function jsonWhere(text: string, e: unknown): string {
  if (text.trim() === '') return 'the file is empty';
  try {
    const at = findJsonError(text);
    if (at) return `${at.problem} at line ${at.line}, column ${at.column}`;
  } catch {
    // Nesting too deep to scan: fall back to JSON.parse's own words.
  }
  return e instanceof Error ? e.message : String(e);
}

/** Collects what is wrong, with JSON paths, and gives up after a few. */
class Problems {
  readonly list: string[] = [];

  add(path: string, what: string): void {
    if (this.list.length < 6) this.list.push(`${path}: ${what}`);
  }
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing (the field is missing)';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  return `${typeof v} ${String(v)}`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Field checkers: each returns true if the value fits, else records why. */
function num(p: Problems, o: Record<string, unknown>, path: string, k: string, positive = false): boolean {
  const v = o[k];
  if (!isNumber(v)) {
    p.add(`${path}.${k}`, `expected a number, got ${describe(v)}`);
    return false;
  }
  if (positive && !(v > 0)) {
    p.add(`${path}.${k}`, `expected a positive number, got ${v}`);
    return false;
  }
  return true;
}

function str(p: Problems, o: Record<string, unknown>, path: string, k: string): boolean {
  if (typeof o[k] === 'string') return true;
  p.add(`${path}.${k}`, `expected a string, got ${describe(o[k])}`);
  return false;
}

function oneOf(p: Problems, o: Record<string, unknown>, path: string, k: string, allowed: readonly string[]): boolean {
  if (typeof o[k] === 'string' && allowed.includes(o[k] as string)) return true;
  p.add(`${path}.${k}`, `expected one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${describe(o[k])}`);
  return false;
}

function obj(p: Problems, o: Record<string, unknown>, path: string, k: string): Record<string, unknown> | undefined {
  const v = o[k];
  if (isObject(v)) return v;
  p.add(`${path}.${k}`, `expected an object, got ${describe(v)}`);
  return undefined;
}

function arr(p: Problems, o: Record<string, unknown>, path: string, k: string): unknown[] | undefined {
  const v = o[k];
  if (Array.isArray(v)) return v;
  p.add(`${path}.${k}`, `expected an array, got ${describe(v)}`);
  return undefined;
}

const OPS = ['store', 'load'] as const;
const TEMPERATURES = ['hot', 'cold'] as const;
const BACKINGS = ['hugetlb', 'thp', 'normal'] as const;
const WAIT_MODES = ['sleep', 'spin', 'adaptive'] as const;
const SOURCES = ['registered', 'views'] as const;
const METRICS = ['throughput', 'callerCpu'] as const;
const REQUIRED_STATS = ['gbps', 'pagesPerSec', 'nsPerPage', 'callerCpuNsPerPage'] as const;
const OPTIONAL_STATS = ['workerCpuNsPerPage', 'firstLatencyP50Ns', 'firstLatencyP99Ns', 'lastLatencyP50Ns', 'lastLatencyP99Ns'] as const;

function checkStat(p: Problems, v: unknown, path: string): void {
  if (!isObject(v)) return p.add(path, `expected a Stat object, got ${describe(v)}`);
  for (const k of ['median', 'q1', 'q3', 'min', 'max']) num(p, v, path, k);
  const values = arr(p, v, path, 'values');
  if (values && !values.every(isNumber)) p.add(`${path}.values`, 'expected numbers only');
}

function checkMetrics(p: Problems, o: Record<string, unknown>, path: string): void {
  const m = obj(p, o, path, 'metrics');
  if (!m) return;
  for (const k of REQUIRED_STATS) checkStat(p, m[k], `${path}.metrics.${k}`);
  for (const k of OPTIONAL_STATS) if (m[k] !== undefined) checkStat(p, m[k], `${path}.metrics.${k}`);
}

/** The fields cells, baselines and crossovers share. */
function checkSetting(p: Problems, o: Record<string, unknown>, path: string): void {
  oneOf(p, o, path, 'op', OPS);
  num(p, o, path, 'pageSize', true);
  oneOf(p, o, path, 'temperature', TEMPERATURES);
  oneOf(p, o, path, 'backing', BACKINGS);
}

/**
 * An async cell's or crossover's depth (a whole number ≥ 1; filled in from
 * the run's when absent) and source (registered or views, when present).
 */
function checkAsyncExtras(p: Problems, o: Record<string, unknown>, path: string, runDepth: number): void {
  if (o.depth === undefined) {
    if (runDepth !== 1) o.depth = runDepth;
  } else if (!Number.isSafeInteger(o.depth) || (o.depth as number) < 1) {
    p.add(`${path}.depth`, `expected a whole number ≥ 1, got ${describe(o.depth)}`);
  }
  if (o.source !== undefined) oneOf(p, o, path, 'source', SOURCES);
}

function each(p: Problems, list: unknown[] | undefined, path: string, check: (o: Record<string, unknown>, at: string) => void): void {
  list?.forEach((v, i) => {
    const at = `${path}[${i}]`;
    if (isObject(v)) check(v, at);
    else p.add(at, `expected an object, got ${describe(v)}`);
  });
}

function checkReport(data: unknown, source: string): Report {
  if (!isObject(data)) {
    throw new ReportError(`${source}: not a frontswap bench report (the JSON is ${describe(data)}, not an object)`, 'ERR_REPORT_SCHEMA', source);
  }
  if (data.schema !== REPORT_SCHEMA) {
    throw new ReportError(
      `${source}: not a frontswap bench report (schema is ${describe(data.schema)}, expected '${REPORT_SCHEMA}')`,
      'ERR_REPORT_SCHEMA',
      source,
    );
  }
  const version = data.version;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    throw new ReportError(`${source}: bad report version ${describe(version)} (expected a whole number ≥ 1)`, 'ERR_REPORT_SCHEMA', source);
  }
  // Refuse a newer version before looking deeper: its fields may mean something else.
  if (version > REPORT_VERSION) {
    throw new ReportError(
      `${source}: written by a newer frontswap (schema v${version}); this one reads v${REPORT_VERSION}: upgrade frontswap`,
      'ERR_REPORT_VERSION',
      source,
    );
  }

  const p = new Problems();
  const pkg = obj(p, data, '$', 'package');
  if (pkg) {
    str(p, pkg, '$.package', 'name');
    str(p, pkg, '$.package', 'version');
  }
  str(p, data, '$', 'createdAt');
  num(p, data, '$', 'durationMs');
  obj(p, data, '$', 'machine');
  obj(p, data, '$', 'options');
  const notes = arr(p, data, '$', 'notes');
  notes?.forEach((n, i) => {
    if (typeof n !== 'string') p.add(`$.notes[${i}]`, `expected a string, got ${describe(n)}`);
  });

  each(p, arr(p, data, '$', 'pools'), '$.pools', (o, at) => {
    oneOf(p, o, at, 'temperature', TEMPERATURES);
    num(p, o, at, 'pageSize', true);
    num(p, o, at, 'pages');
    num(p, o, at, 'byteLength');
    oneOf(p, o, at, 'backingRequested', ['auto', ...BACKINGS]);
    oneOf(p, o, at, 'backing', BACKINGS);
    num(p, o, at, 'hugeBytes');
  });
  each(p, arr(p, data, '$', 'baselines'), '$.baselines', (o, at) => {
    str(p, o, at, 'name');
    checkSetting(p, o, at);
    num(p, o, at, 'batch');
    checkMetrics(p, o, at);
  });
  // Reports before depth was a dimension ran every async cell at options.depth (absent: 1).
  const options = isObject(data.options) ? data.options : {};
  const runDepth = Number.isSafeInteger(options.depth) && (options.depth as number) >= 1 ? (options.depth as number) : 1;
  const checkCell = (o: Record<string, unknown>, at: string): void => {
    checkSetting(p, o, at);
    if (oneOf(p, o, at, 'path', ['sync', 'async']) && o.path === 'async') {
      oneOf(p, o, at, 'waitMode', WAIT_MODES);
      num(p, o, at, 'workers', true);
      checkAsyncExtras(p, o, at, runDepth);
    }
    num(p, o, at, 'batch', true);
    checkMetrics(p, o, at);
  };
  each(p, arr(p, data, '$', 'cells'), '$.cells', checkCell);
  if (data.numa !== undefined) {
    each(p, arr(p, data, '$', 'numa'), '$.numa', (o, at) => {
      checkCell(o, at);
      num(p, o, at, 'poolNode');
      num(p, o, at, 'workerNode');
    });
  }
  each(p, arr(p, data, '$', 'crossovers'), '$.crossovers', (o, at) => {
    checkSetting(p, o, at);
    oneOf(p, o, at, 'waitMode', WAIT_MODES);
    num(p, o, at, 'workers', true);
    checkAsyncExtras(p, o, at, runDepth);
    oneOf(p, o, at, 'metric', METRICS);
    if (o.batch !== null) num(p, o, at, 'batch', true);
    // A ratio over a zero median has no value; JSON writes it as null.
    if (o.ratio === null) o.ratio = Number.NaN;
    else num(p, o, at, 'ratio');
    str(p, o, at, 'note');
  });

  if (p.list.length > 0) {
    throw new ReportError(
      `${source}: not a valid frontswap bench report:\n  ${p.list.join('\n  ')}`,
      'ERR_REPORT_SCHEMA',
      source,
    );
  }
  return data as unknown as Report;
}
