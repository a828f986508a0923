import { useInfiniteQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { livePagesQuery } from "../../../api/staff";
import type { LiveCohortPublic, LiveCountsPublic } from "../../../client/schema";
import { QueryState } from "../../Feedback/Feedback";
import { LoadMore, type More, moreOf } from "../LoadMore";
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

function Counts({ live, c }: { live: LiveCohortPublic; c: LiveCountsPublic }) {
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

/** The live groups of a published cohort, with every action an organiser needs week by week.
 * `live` holds the groups loaded so far (they page) and the first page's counts, which count
 * every group; `more` loads the next page. Moving someone searches every live group by name. */
export function LiveGroups({ live, anchorZone, more }: { live: LiveCohortPublic; anchorZone: string; more?: More }) {
  const refresh = useRefreshLive();
  const editable = ["running", "open", "scheduled"].includes(live.phase);
  return (
    <section aria-labelledby="live-title">
      <h2 id="live-title">Live groups</h2>
      {live.counts && <Counts live={live} c={live.counts} />}
      {live.groups.length === 0 && <p className="muted">No published group yet.</p>}
      {live.groups.map((g) => (
        <GroupCard
          key={g.id}
          group={g}
          cohortId={live.cohort_id}
          zone={live.viewer_zone}
          onChanged={refresh}
        />
      ))}
      {more && <LoadMore shown={live.groups.length} total={live.counts?.groups} noun="groups" {...more} />}
      {editable && <CreateGroupForm cohortId={live.cohort_id} anchorZone={anchorZone} onCreated={refresh} />}
      {live.phase === "running" && <RegroupPanel cohortId={live.cohort_id} onApplied={refresh} />}
    </section>
  );
}

/** The phase banner and, once any group is published, the live groups (a page at a time). */
export function LiveSection({ cohortId, zone, anchorZone }: { cohortId: number; zone: string; anchorZone: string }) {
  const pages = useInfiniteQuery(livePagesQuery(cohortId, zone));
  const live = useMemo((): LiveCohortPublic | undefined => {
    const first = pages.data?.pages[0];
    return first && { ...first, groups: pages.data?.pages.flatMap((page) => page.groups) ?? [] };
  }, [pages.data]);
  const more = moreOf(pages);
  return (
    <QueryState query={pages} label="Loading the live groups…">
      {() =>
        live && (
          <>
            <PhaseBanner phase={live.phase} />
            {(live.groups.length > 0 || live.phase === "running") && (
              <LiveGroups live={live} anchorZone={anchorZone} more={more} />
            )}
          </>
        )
      }
    </QueryState>
  );
}
