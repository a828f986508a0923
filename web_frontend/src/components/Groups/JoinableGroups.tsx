// Late joiners pick a group; members can switch. The API checks capacity and
// start dates and syncs both groups; this shows what it would mean for them.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { JoinableGroupPublic } from "../../client/schema";
import { joinGroup, joinableGroupsQuery } from "../../api/cohorts";
import { ErrorMessage, QueryState } from "../Feedback/Feedback";

function fitLabel(group: JoinableGroupPublic): string {
  if (group.fits_my_availability === null) return "Add your availability to see whether it fits";
  if (group.fits_my_availability) return "Fits your availability";
  return group.meetings_i_would_miss
    ? `You would miss ${group.meetings_i_would_miss} meeting${group.meetings_i_would_miss > 1 ? "s" : ""}`
    : "Outside your availability";
}

function JoinButton({ group, switching }: { group: JoinableGroupPublic; switching: boolean }) {
  const queryClient = useQueryClient();
  const join = useMutation({
    mutationFn: () => joinGroup(group.id),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ["groups"] });
      void queryClient.invalidateQueries({ queryKey: ["me"] });
    },
  });
  const label = `${switching ? "Switch to" : "Join"} ${group.name}`;
  return (
    <>
      <button
        type="button"
        className="small"
        disabled={join.isPending}
        onClick={() => {
          if (!switching || window.confirm(`Leave your current group and join ${group.name}?`)) join.mutate();
        }}
      >
        {join.isPending ? "Joining…" : label}
      </button>
      {join.error && <ErrorMessage error={join.error} title="Not joined:" />}
    </>
  );
}

export function JoinableGroups({ cohortId, cohortName, inGroup }: { cohortId: number; cohortName: string; inGroup: boolean }) {
  const groups = useQuery(joinableGroupsQuery(cohortId));
  return (
    <section className="card" aria-labelledby={`joinable-${cohortId}`}>
      <h2 id={`joinable-${cohortId}`}>
        {inGroup ? "Other groups" : "Groups you can join"} in {cohortName}
      </h2>
      <QueryState query={groups} label="Loading groups…">
        {(list) => {
          const others = list.filter((g) => !g.is_current);
          if (others.length === 0) return <p className="muted">No other group has room right now.</p>;
          return (
            <ul className="joinable">
              {others.map((g) => (
                <li key={g.id}>
                  <strong>{g.name}</strong>: {g.weekly_time.local.label} your time · {g.member_count} members,{" "}
                  {g.spots_left} {g.spots_left === 1 ? "place" : "places"} left
                  {g.facilitator_names.length > 0 && <> · with {g.facilitator_names.join(", ")}</>}
                  {g.has_started && " · already started"}
                  <br />
                  <span className={g.fits_my_availability === false ? "error-text small" : "muted small"}>{fitLabel(g)}</span>{" "}
                  <JoinButton group={g} switching={inGroup} />
                </li>
              ))}
            </ul>
          );
        }}
      </QueryState>
    </section>
  );
}
