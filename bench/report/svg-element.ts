/**
 * One SVG element as a string, attributes escaped and coordinates rounded to a
 * tenth of a pixel (enough on screen, and the files stay small).
 */
import { escapeXml } from './escape';

export type Attrs = Record<string, string | number | undefined>;

/** A coordinate or length, to 0.1 px. */
export const n1 = (v: number): string => String(Math.round(v * 10) / 10);

/** `<name a="…"/>`, or `<name a="…">text</name>` when text is given; undefined and '' attributes are left out. */
export function el(name: string, attrs: Attrs, text?: string): string {
  const a = Object.entries(attrs)
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => ` ${k}="${typeof v === 'number' ? n1(v) : escapeXml(v as string)}"`)
    .join('');
  return text === undefined ? `<${name}${a}/>` : `<${name}${a}>${escapeXml(text)}</${name}>`;
}

/** `<name a="…">`: the start of an element whose children follow. */
export function openTag(name: string, attrs: Attrs): string {
  return el(name, attrs).replace(/\/>$/, '>');
}
