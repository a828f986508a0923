import { useQuery } from "@tanstack/react-query";
import { liveCohortQuery } from "../../../api/staff";
import type { LiveCohortPublic } from "../../../client/schema";
import { QueryState } from "../../Feedback/Feedback";
import { CreateGroupForm } from "./CreateGroupForm";
import { PHASES } from "./describe";
import { GroupCard } from "./GroupCard";
import { RegroupPanel } from "./RegroupPanel";
import { useRefreshLive } from "./useRefreshLive";

/** The cohort's phase, shown prominently with what it means. */
export function PhaseBanner({ phase }: { phase: string }) {
  const known = PHASES[phase] ?? { label: phase, hint: "" };
  return (
    <p className="notice">
      Phase: <strong>{known.label}</strong>. {known.hint}
    </p>
  );
}

function Counts({ live }: { live: LiveCohortPublic }) {
  const c = live.counts;
  return (
    <p>
      {c.groups} live group{c.groups === 1 ? "" : "s"}, {c.learners} learners, {c.facilitators} facilitator
      {c.facilitators === 1 ? "" : "s"}
      {c.inactive_learners > 0 && <>, <span className="error-text">{c.inactive_learners} inactive</span></>}
      {c.groups_below_min > 0 && <>, {c.groups_below_min} below the minimum of {live.min_group_size}</>}
      {c.groups_with_sync_problems > 0 && (
        <>
          , <span className="error-text">{c.groups_with_sync_problems} with a sync problem</span>
        </>
      )}
      ; {c.meetings_ahead} meetings ahead.
    </p>
  );
}

/** The live groups of a published cohort, with every action an organiser needs week by week. */
export function LiveGroups({ live, anchorZone }: { live: LiveCohortPublic; anchorZone: string }) {
  const refresh = useRefreshLive();
  const editable = ["running", "open", "scheduled"].includes(live.phase);
  const active = live.groups.filter((g) => g.status === "active");
  return (
    <section aria-labelledby="live-title">
      <h2 id="live-title">Live groups</h2>
      <Counts live={live} />
      {live.groups.length === 0 && <p className="muted">No published group yet.</p>}
      {live.groups.map((g) => (
        <GroupCard
          key={g.id}
          group={g}
          others={active.filter((o) => o.id !== g.id)}
          zone={live.viewer_zone}
          onChanged={refresh}
        />
      ))}
      {editable && <CreateGroupForm cohortId={live.cohort_id} anchorZone={anchorZone} onCreated={refresh} />}
      {live.phase === "running" && <RegroupPanel cohortId={live.cohort_id} onApplied={refresh} />}
    </section>
  );
}

/** The phase banner and, once any group is published, the live groups. */
export function LiveSection({ cohortId, zone, anchorZone }: { cohortId: number; zone: string; anchorZone: string }) {
  const live = useQuery(liveCohortQuery(cohortId, zone));
  return (
    <QueryState query={live} label="Loading the live groups…">
      {(data) => (
        <>
          <PhaseBanner phase={data.phase} />
          {(data.groups.length > 0 || data.phase === "running") && <LiveGroups live={data} anchorZone={anchorZone} />}
        </>
      )}
    </QueryState>
  );
}
