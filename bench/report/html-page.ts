/**
 * The frame of a self-contained HTML page: inline CSS, no scripts, no fonts,
 * no links to anything outside the file, so it can be mailed or archived and
 * still look the same.
 */
import { escapeXml } from './escape';

const CSS = `
:root { color-scheme: light; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: #111; background: #fff;
  max-width: 1200px; margin: 0 auto; padding: 1.5rem; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; }
h2 { font-size: 1.3rem; margin-top: 2.2rem; border-bottom: 1px solid #ddd; padding-bottom: .2rem; }
h3 { font-size: 1.05rem; margin-top: 1.6rem; }
.meta { color: #555; margin-top: 0; }
table { border-collapse: collapse; margin: .6rem 0; font-size: 13px; }
th, td { border: 1px solid #ddd; padding: .25rem .5rem; vertical-align: top; }
th { background: #f4f4f4; text-align: left; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tbody tr:nth-child(even) { background: #fafafa; }
table.plain tbody tr { background: none; }
table.cells tbody tr { background: none; }
table.cells tbody tr:nth-child(4n+1), table.cells tbody tr:nth-child(4n+2) { background: #f6f8fb; }
strong { color: #0b5394; }
.caption { color: #555; font-size: 13px; margin-top: 0; }
.chart { margin: 1rem 0; overflow-x: auto; }
.scroll { overflow-x: auto; max-width: 100%; }
.chart svg { max-width: 100%; height: auto; }
pre { background: #f6f6f6; padding: .8rem; overflow-x: auto; font-size: 13px; }
ul.headlines li { margin: .2rem 0; }
`;

/** An inline <svg>: the namespace comes from the HTML parser, so the attribute is dropped. */
export function inlineSvg(svg: string): string {
  return `<div class="chart">${svg.replace(' xmlns="http://www.w3.org/2000/svg"', '').trimEnd()}</div>`;
}

/** A whole page around `body` (already-escaped HTML). */
export function htmlPage(title: string, body: string): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeXml(title)}</title>`,
    `<style>${CSS}</style>`,
    '</head>',
    '<body>',
    body,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** <p>…</p> of escaped text. */
export const p = (text: string, cls = ''): string => `<p${cls ? ` class="${cls}"` : ''}>${escapeXml(text)}</p>`;

/** <hN>…</hN> of escaped text. */
export const h = (level: 1 | 2 | 3, text: string): string => `<h${level}>${escapeXml(text)}</h${level}>`;

/** <ul> of escaped items. */
export const ul = (items: readonly string[], cls = ''): string =>
  `<ul${cls ? ` class="${cls}"` : ''}>\n${items.map((i) => `<li>${escapeXml(i)}</li>`).join('\n')}\n</ul>`;

/** <pre> of escaped text. */
export const pre = (text: string): string => `<pre>${escapeXml(text)}</pre>`;
