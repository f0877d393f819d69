/**
 * Small multiples: several charts of one kind side by side in one SVG, under
 * one title, instead of one chart with more series than colours and markers.
 * Each panel is a whole chart (lineChart's SVG), placed as a nested <svg>.
 */
import { el, openTag } from './svg-element';

export interface SmallMultiplesSpec {
  title: string;
  subtitle?: string;
  /** Panels per row; default 2. */
  columns?: number;
  /** Each panel's SVG, as lineChart returns it. */
  panels: string[];
  /** Lines under every panel. */
  notes?: string[];
}

/** The width and height a panel's root <svg> declares. */
function sizeOf(svg: string): { w: number; h: number } {
  const root = /<svg\b[^>]*>/.exec(svg)?.[0] ?? '';
  const num = (name: string): number => Number(new RegExp(`\\s${name}="([\\d.]+)"`).exec(root)?.[1] ?? 0);
  return { w: num('width'), h: num('height') };
}

export function smallMultiples(spec: SmallMultiplesSpec): string {
  const cols = Math.max(1, Math.min(spec.columns ?? 2, spec.panels.length));
  const sizes = spec.panels.map(sizeOf);
  const colW = Math.max(0, ...sizes.map((s) => s.w));
  const top = spec.subtitle ? 50 : 32;
  const rows: number[] = [];  // height of each row of panels
  sizes.forEach((s, i) => {
    const r = Math.floor(i / cols);
    rows[r] = Math.max(rows[r] ?? 0, s.h);
  });
  const width = Math.max(cols * colW, 320);
  const notesTop = top + rows.reduce((a, b) => a + b, 0);
  const height = notesTop + (spec.notes?.length ?? 0) * 16 + 10;
  const out = [
    openTag('svg', {
      xmlns: 'http://www.w3.org/2000/svg',
      width,
      height,
      viewBox: `0 0 ${width} ${height}`,
      'font-family': 'system-ui, -apple-system, Segoe UI, sans-serif',
      'font-size': 12,
      role: 'img',
    }),
    el('title', {}, spec.title),
    el('rect', { x: 0, y: 0, width, height, fill: '#ffffff' }),
    el('text', { x: 12, y: 22, 'font-size': 16, 'font-weight': 600, fill: '#111111' }, spec.title),
    spec.subtitle ? el('text', { x: 12, y: 40, fill: '#555555' }, spec.subtitle) : '',
  ];
  spec.panels.forEach((panel, i) => {
    const r = Math.floor(i / cols);
    const x = (i % cols) * colW;
    const y = top + rows.slice(0, r).reduce((a, b) => a + b, 0);
    // A nested <svg> is placed by x and y; the namespace is the parent's.
    out.push(panel.trimEnd().replace(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/, `<svg class="panel" x="${x}" y="${y}"`));
  });
  (spec.notes ?? []).forEach((n, k) => out.push(el('text', { x: 12, y: notesTop + 12 + k * 16, fill: '#555555', 'font-size': 11 }, n)));
  out.push('</svg>');
  return `${out.filter((s) => s !== '').join('\n')}\n`;
}
