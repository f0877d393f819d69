/**
 * A table built once and rendered twice: Markdown and HTML show the same rows,
 * so a figure never reads differently depending on where you look.
 */
import { escapeMarkdownCell, escapeMarkdownText, escapeXml } from './escape';

/** One cell: text, optionally emphasized (e.g. a win that is outside the spread). */
export type TableCell = string | { text: string; strong?: boolean; title?: string };

export interface Column {
  label: string;
  /** Numbers right, words left. */
  align?: 'left' | 'right';
}

export interface Table {
  columns: Column[];
  rows: TableCell[][];
  /** A line under the table that says how to read it. */
  caption?: string;
}

function cellText(c: TableCell | undefined): string {
  return c === undefined ? '' : typeof c === 'string' ? c : c.text;
}

function isStrong(c: TableCell | undefined): boolean {
  return c !== undefined && typeof c !== 'string' && c.strong === true;
}

/** Markdown table, padded so that the raw text lines up too. */
export function markdownTable(t: Table): string {
  const cols = t.columns.length;
  const rows = t.rows.map((r) =>
    Array.from({ length: cols }, (_, i) => {
      const text = escapeMarkdownCell(cellText(r[i]));
      return isStrong(r[i]) && text !== '' ? `**${text}**` : text;
    }),
  );
  const head = t.columns.map((c) => escapeMarkdownCell(c.label));
  const widths = head.map((h, i) => Math.max(3, h.length, ...rows.map((r) => r[i]!.length)));
  const pad = (s: string, i: number): string =>
    t.columns[i]!.align === 'right' ? s.padStart(widths[i]!) : s.padEnd(widths[i]!);
  const line = (cells: string[]): string => `| ${cells.map(pad).join(' | ')} |`;
  const rule = `| ${widths.map((w, i) => (t.columns[i]!.align === 'right' ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w))).join(' | ')} |`;
  const out = [line(head), rule, ...rows.map(line)];
  if (t.caption) out.push('', escapeMarkdownText(t.caption));
  return out.join('\n');
}

/** HTML table with the same content. */
export function htmlTable(t: Table, className = ''): string {
  const cls = className ? ` class="${escapeXml(className)}"` : '';
  const align = (i: number): string => (t.columns[i]?.align === 'right' ? ' class="num"' : '');
  const head = t.columns.map((c, i) => `<th${align(i)}>${escapeXml(c.label)}</th>`).join('');
  const body = t.rows
    .map((r) => {
      const tds = t.columns.map((_, i) => {
        const c = r[i];
        const text = escapeXml(cellText(c));
        const title = c !== undefined && typeof c !== 'string' && c.title ? ` title="${escapeXml(c.title)}"` : '';
        return `<td${align(i)}${title}>${isStrong(c) ? `<strong>${text}</strong>` : text}</td>`;
      });
      return `<tr>${tds.join('')}</tr>`;
    })
    .join('\n');
  const caption = t.caption ? `\n<p class="caption">${escapeXml(t.caption)}</p>` : '';
  // In a box that scrolls sideways, so a wide table never widens the page.
  return `<div class="scroll"><table${cls}>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table></div>${caption}`;
}
