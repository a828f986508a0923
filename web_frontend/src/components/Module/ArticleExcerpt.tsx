import { useId, useState } from "react";
import type { ArticleSegment } from "../../api/types";
import { Markdown } from "../Content/Markdown";

type Side = "before" | "after";

/** "Show what comes before/after": the neighbouring paragraph, on the page only when asked for. */
function Context({ side, markdown }: { side: Side; markdown: string }) {
  const id = useId();
  const [open, setOpen] = useState(false);
  const button = (
    <button type="button" className="link-button small" aria-expanded={open} aria-controls={id} onClick={() => setOpen(!open)}>
      {open ? `Hide what comes ${side}` : `Show what comes ${side}`}
    </button>
  );
  const text = open && (
    <div id={id} className="excerpt-context" aria-label={`What comes ${side} the excerpt`} role="region">
      <Markdown source={markdown} headingsFrom={3} />
    </div>
  );
  // The button stays next to the excerpt; the text opens away from it.
  return side === "before" ? (
    <>
      {text}
      {button}
    </>
  ) : (
    <>
      {button}
      {text}
    </>
  );
}

/** "In this article": the article's headings, the ones the excerpt lies under marked. */
function Contents({ toc }: { toc: ArticleSegment["toc"] }) {
  const top = Math.min(...toc.map((h) => h.level));
  const placed = toc.some((h) => h.contains_excerpt);
  return (
    <details className="article-toc">
      <summary>In this article</summary>
      {!placed && <p className="muted small">This excerpt is from the article's opening, before its first heading.</p>}
      <ol>
        {toc.map((heading, i) => (
          <li
            key={i}
            style={{ paddingInlineStart: `${heading.level - top}rem` }}
            aria-current={heading.contains_excerpt ? "location" : undefined}
            className={heading.contains_excerpt ? "here" : undefined}
          >
            {heading.text}
            {heading.contains_excerpt && (
              <>
                {" "}
                <span className="badge badge-muted">this excerpt</span>
              </>
            )}
          </li>
        ))}
      </ol>
    </details>
  );
}

/** An article excerpt with its source, the paragraphs around it on request, and the article's headings. */
export function ArticleExcerpt({ segment }: { segment: ArticleSegment }) {
  const { article } = segment;
  return (
    <figure className="excerpt article">
      {segment.toc.length > 0 && <Contents toc={segment.toc} />}
      {segment.context_before && <Context side="before" markdown={segment.context_before} />}
      <blockquote>
        <Markdown source={segment.markdown} headingsFrom={3} />
      </blockquote>
      {segment.context_after && <Context side="after" markdown={segment.context_after} />}
      <figcaption>
        From <cite>{article.title}</cite>
        {article.author && <> by {article.author}</>}
        {article.source_url && (
          <>
            {" "}
            · <a href={article.source_url}>Read the full article</a>
          </>
        )}
      </figcaption>
    </figure>
  );
}
