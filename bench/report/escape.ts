/**
 * Escaping for the three output formats. Everything that reaches a page came
 * from a JSON file someone else may have written: it is text, never markup.
 */

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text or attribute value for SVG and HTML. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => XML_ESCAPES[c]!);
}

/** One Markdown table cell: no line breaks, pipes escaped, markup characters taken literally. */
export function escapeMarkdownCell(s: string): string {
  return escapeMarkdownText(s).replace(/\r?\n|\r/g, ' ').replace(/\|/g, '\\|');
}

const isWordChar = (c: string | undefined): boolean => c !== undefined && /[\p{L}\p{N}]/u.test(c);

/**
 * Markdown text that must not turn into markup (HTML tags, emphasis, links).
 * An underscore inside a word (nr_hugepages) is never emphasis, so it stays as is.
 */
export function escapeMarkdownText(s: string): string {
  return s.replace(/[\\`*_[\]<>]/g, (c, at: number) =>
    c === '_' && isWordChar(s[at - 1]) && isWordChar(s[at + 1]) ? c : `\\${c}`,
  );
}

/** A fenced Markdown code block that its content cannot close early. */
export function markdownCodeBlock(content: string, lang = ''): string {
  const longest = Math.max(2, ...[...content.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${lang}\n${content}\n${fence}`;
}
