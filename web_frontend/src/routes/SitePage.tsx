import { useQuery } from "@tanstack/react-query";
import { useEffect } from "react";
import { sitePageQuery } from "../api/site";
import { Markdown } from "../components/Content/Markdown";
import { QueryState } from "../components/Feedback/Feedback";

/**
 * The privacy policy or the terms of use, as the organisation wrote them in
 * its content repository (content/site/<slug>.md); the API answers a default
 * text saying it must be replaced when there is none.
 */
export function SitePage({ slug }: { slug: "privacy" | "terms" }) {
  const page = useQuery(sitePageQuery(slug));
  const title = page.data?.title;
  useEffect(() => {
    if (title) document.title = `${title} · Roundtable`;
    return () => {
      document.title = "Roundtable";
    };
  }, [title]);
  return (
    <article className="site-page">
      <QueryState query={page} label="Loading…">
        {(p) => (
          <>
            <h1>{p.title}</h1>
            <Markdown source={p.markdown} />
          </>
        )}
      </QueryState>
    </article>
  );
}
