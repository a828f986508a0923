import { useQuery } from "@tanstack/react-query";
import { contentStatusQuery, type ContentProblem } from "../../api/staff";
import { AdminNav } from "../../components/Admin/AdminNav";
import { QueryState } from "../../components/Feedback/Feedback";
import { useMe } from "../../hooks/useMe";
import { formatDateTime } from "../../lib/time";

function Problems({ items, kind }: { items: ContentProblem[]; kind: string }) {
  if (items.length === 0) return null;
  return (
    <ul className={`problems ${kind}`}>
      {items.map((p, i) => (
        <li key={i}>
          {p.file && (
            <code>
              {p.file}
              {p.line ? `:${p.line}` : ""}
            </code>
          )}{" "}
          {p.message}
          {p.suggestion && <span className="muted"> ({p.suggestion})</span>}
        </li>
      ))}
    </ul>
  );
}

export function AdminContentPage() {
  const { timeZone } = useMe();
  const status = useQuery(contentStatusQuery);
  return (
    <section>
      <h1>Admin: content</h1>
      <AdminNav />
      <QueryState query={status} label="Loading content versions…">
        {(s) => (
          <>
            <p>
              Live version: <code>{s.active_version ?? "none"}</code>
            </p>
            {s.versions.map((v) => (
              <article key={v.version} className="card">
                <h2>
                  <code>{v.version.slice(0, 12)}</code> · {v.status}
                </h2>
                <p className="muted">
                  {v.source} · {formatDateTime(v.created_at, timeZone)} · {v.errors.length} errors, {v.warnings.length}{" "}
                  warnings
                </p>
                <Problems items={v.errors} kind="errors" />
                <Problems items={v.warnings} kind="warnings" />
              </article>
            ))}
          </>
        )}
      </QueryState>
    </section>
  );
}
