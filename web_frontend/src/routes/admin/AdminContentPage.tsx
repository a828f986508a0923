import { useQuery } from "@tanstack/react-query";
import { contentStatusQuery, type ContentBuild } from "../../api/staff";
import { AdminNav } from "../../components/Admin/AdminNav";
import { BuildCard, ContentActions, isLocal } from "../../components/Admin/ContentOps";
import { QueryState } from "../../components/Feedback/Feedback";
import { useMe } from "../../hooks/useMe";

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
            <ContentActions
              local={isLocal(s.active) || s.builds.some((b) => isLocal(b))}
              onRevalidate={() => void status.refetch()}
            />
            {s.active ? <BuildCard build={s.active} zone={timeZone} live /> : <p className="error-box">No content is live.</p>}
            <h2>Other recent builds</h2>
            {others(s).length === 0 ? (
              <p className="muted">No other builds.</p>
            ) : (
              others(s).map((b, i) => <BuildCard key={`${b.version}-${i}`} build={b} zone={timeZone} live={false} />)
            )}
          </>
        )}
      </QueryState>
    </section>
  );
}
