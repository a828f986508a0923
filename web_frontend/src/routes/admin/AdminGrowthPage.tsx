import { useQuery } from "@tanstack/react-query";
import { useSearchParams } from "react-router";
import { adminCohortsQuery } from "../../api/staff";
import { AdminNav } from "../../components/Admin/AdminNav";
import { QueryState } from "../../components/Feedback/Feedback";
import { CampaignsCard } from "../../components/Growth/CampaignsCard";
import { GateCard } from "../../components/Growth/GateCard";
import { SourcesCard } from "../../components/Growth/SourcesCard";
import { WaitingListCard } from "../../components/Growth/WaitingListCard";

/** Admin: where signups came from, per cohort; campaigns; each cohort's gate and waiting list. */
export function AdminGrowthPage() {
  const cohorts = useQuery(adminCohortsQuery);
  const [params, setParams] = useSearchParams();
  const chosen = Number(params.get("cohort")) || null;
  return (
    <section className="stack">
      <h1>Admin: where signups came from</h1>
      <AdminNav />
      <QueryState query={cohorts} label="Loading cohorts…">
        {(list) => {
          const cohortId = chosen ?? list[0]?.id ?? null;
          return (
            <>
              <label>
                Cohort
                <select
                  value={cohortId ?? ""}
                  onChange={(e) => setParams({ cohort: e.target.value }, { replace: true })}
                  disabled={list.length === 0}
                >
                  {list.map((c) => (
                    <option key={c.id} value={c.id}>
                      {c.name} ({c.status})
                    </option>
                  ))}
                </select>
              </label>
              {cohortId === null ? (
                <p className="muted">No cohort yet.</p>
              ) : (
                <>
                  <SourcesCard cohortId={cohortId} />
                  <GateCard cohortId={cohortId} />
                  <WaitingListCard cohortId={cohortId} />
                </>
              )}
            </>
          );
        }}
      </QueryState>
      <CampaignsCard />
    </section>
  );
}
