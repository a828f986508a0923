import { useQuery } from "@tanstack/react-query";
import { contentStatusQuery, type ContentBuild } from "../../api/staff";
import type { ContentProblem } from "../../api/types";
import { AdminNav } from "../../components/Admin/AdminNav";
import { QueryState } from "../../components/Feedback/Feedback";
import { useMe } from "../../hooks/useMe";
import { formatDateTime } from "../../lib/time";

function Problems({ items, kind }: { items: ContentProblem[]; kind: string }) {
  if (items.length === 0) return null;
  return (
    <ul className={`problems ${kind}`} aria-label={kind}>
      {items.map((p, i) => (
        <li key={i}>
          <code>
            {p.file}:{p.line}
          </code>{" "}
          <strong>{p.severity}</strong>: {p.message}
          {p.suggestion && <span className="muted"> ({p.suggestion})</span>}
        </li>
      ))}
    </ul>
  );
}

function Build({ build, zone, live }: { build: ContentBuild; zone: string; live: boolean }) {
  return (
    <article className="card">
      <h2>
        <code>{build.version?.slice(0, 12) ?? "no version"}</code> · {build.status}
        {live && <span className="badge">Live</span>}
      </h2>
      <p className="muted">
        {build.source}
        {build.created_at && <> · built {formatDateTime(build.created_at, zone)}</>} · {build.errors.length} errors,{" "}
        {build.warnings.length} warnings
      </p>
      <Problems items={build.errors} kind="errors" />
      <Problems items={build.warnings} kind="warnings" />
    </article>
  );
}

/** Builds other than the live one (a failed build of new content shows here with its errors). */
const others = (s: { active: ContentBuild | null; builds: ContentBuild[] }) =>
  s.builds.filter((b) => !(s.active && b.version === s.active.version && b.status === s.active.status));

export function AdminContentPage() {
  const { timeZone } = useMe();
  const status = useQuery(contentStatusQuery);
  return (
    <section>
      <h1>Admin: content</h1>
      <AdminNav />
      <QueryState query={status} label="Loading content builds…">
        {(s) => (
          <>
            {s.active ? <Build build={s.active} zone={timeZone} live /> : <p className="error-box">No content is live.</p>}
            <h2>Other recent builds</h2>
            {others(s).length === 0 ? (
              <p className="muted">No other builds.</p>
            ) : (
              others(s).map((b, i) => <Build key={`${b.version}-${i}`} build={b} zone={timeZone} live={false} />)
            )}
          </>
        )}
      </QueryState>
    </section>
  );
}
