// Markdown from course content and the tutor, rendered as sanitised HTML.
import DOMPurify from "dompurify";
import { marked, type Token, type Tokens } from "marked";
import { useMemo } from "react";

/**
 * Renumber the headings so the highest one is `from` and the others follow it without a gap
 * (h4, h6 under a section's h2 become h3, h4): a page's heading levels must descend one at a
 * time, whatever levels the author or the tutor wrote.
 */
function placeHeadings(tokens: Token[], from: number) {
  const headings: Tokens.Heading[] = [];
  marked.walkTokens(tokens, (token) => {
    if (token.type === "heading") headings.push(token as Tokens.Heading);
  });
  const levels = [...new Set(headings.map((h) => h.depth))].sort((a, b) => a - b);
  for (const heading of headings) heading.depth = Math.min(from + levels.indexOf(heading.depth), 6);
}

/** HTML for `markdown`; with `headingsFrom`, its headings start at that level (see placeHeadings). */
export function renderMarkdown(markdown: string, headingsFrom?: number): string {
  const options = { async: false, gfm: true, breaks: false } as const;
  const tokens = marked.lexer(markdown, options);
  if (headingsFrom) placeHeadings(tokens, headingsFrom);
  return DOMPurify.sanitize(marked.parser(tokens, options), { USE_PROFILES: { html: true } });
}

// A section opened again, or a tutor reply re-rendered while the next one streams in, is not
// parsed and sanitised again. Bounded: a long conversation does not keep every draft of a reply.
const rendered = new Map<string, string>();
const CACHE_SIZE = 200;

function cachedMarkdown(source: string, headingsFrom?: number): string {
  const key = `${headingsFrom ?? 0}\u0000${source}`;
  let html = rendered.get(key);
  if (html === undefined) {
    html = renderMarkdown(source, headingsFrom);
    if (rendered.size >= CACHE_SIZE) rendered.delete(rendered.keys().next().value!);
    rendered.set(key, html);
  }
  return html;
}

export function Markdown({
  source,
  className = "prose",
  headingsFrom,
}: {
  source: string;
  className?: string;
  /** The level of the content's highest heading on this page (3 under a section's h2); as written when unset. */
  headingsFrom?: number;
}) {
  const html = useMemo(() => cachedMarkdown(source, headingsFrom), [source, headingsFrom]);
  return <div className={className} dangerouslySetInnerHTML={{ __html: html }} />;
}
