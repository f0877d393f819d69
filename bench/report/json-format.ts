/**
 * JSON for people and for diffs: indented like JSON.stringify(v, null, 2), but
 * any object or array that fits on one line stays on one line, so a Stat or a
 * list of batch sizes reads as one row instead of a dozen.
 */

/** The same value JSON.stringify would write; `width` is the line length to fit in. */
export function formatJson(value: unknown, width = 160): string {
  return `${format(value, '', width, 0)}\n`;
}

type Entry = [string, unknown];

function isPlain(v: unknown): v is object {
  return v !== null && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON !== 'function';
}

/** Members as JSON.stringify keeps them: no undefined or function values in objects. */
function entries(v: object): Entry[] {
  return Object.entries(v).filter(([, x]) => x !== undefined && typeof x !== 'function' && typeof x !== 'symbol');
}

/** In arrays JSON.stringify writes undefined and functions as null. */
const arrayItem = (x: unknown): unknown => (x === undefined || typeof x === 'function' || typeof x === 'symbol' ? null : x);

function oneLine(v: unknown): string {
  if (!isPlain(v)) return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map((x) => oneLine(arrayItem(x))).join(', ')}]`;
  return `{${entries(v)
    .map(([k, x]) => `${JSON.stringify(k)}: ${oneLine(x)}`)
    .join(', ')}}`;
}

function format(v: unknown, indent: string, width: number, used: number): string {
  if (!isPlain(v)) return JSON.stringify(v) ?? 'null';
  // The compact form is never longer than the spaced one: a cheap test first.
  const compact = JSON.stringify(v);
  if (indent.length + used + compact.length <= width) {
    const line = oneLine(v);
    if (indent.length + used + line.length <= width) return line;
  }
  const inner = `${indent}  `;
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return `[\n${v.map((x) => `${inner}${format(arrayItem(x), inner, width, 0)}`).join(',\n')}\n${indent}]`;
  }
  const members = entries(v);
  if (members.length === 0) return '{}';
  const lines = members.map(([k, x]) => {
    const key = `${JSON.stringify(k)}: `;
    return `${inner}${key}${format(x, inner, width, key.length)}`;
  });
  return `{\n${lines.join(',\n')}\n${indent}}`;
}
