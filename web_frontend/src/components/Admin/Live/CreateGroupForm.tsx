import { useMutation, useQuery } from "@tanstack/react-query";
import { useId, useState } from "react";
import { createLiveGroup, facilitatorsQuery } from "../../../api/staff";
import type { GroupCreate } from "../../../client/schema";
import { useSignupPages } from "../../../hooks/useSignupPages";
import { WEEKDAYS } from "../../../lib/time";
import { ErrorMessage } from "../../Feedback/Feedback";
import { LoadMore } from "../LoadMore";
import { ForceableError, ForcedNote } from "./ForceableError";

/** Make a group by hand: facilitator, weekly time (anchor zone), learners; checked like a move. */
export function CreateGroupForm({ cohortId, anchorZone, onCreated }: {
  cohortId: number;
  anchorZone: string;
  onCreated: () => void;
}) {
  const ids = { name: useId(), facilitator: useId(), zone: useId(), day: useId(), time: useId() };
  const facilitators = useQuery(facilitatorsQuery);
  const signups = useSignupPages(cohortId);
  const [name, setName] = useState("");
  const [facilitatorId, setFacilitatorId] = useState<number | "">("");
  const [zone, setZone] = useState(anchorZone);
  const [weekday, setWeekday] = useState(1);
  const [clock, setClock] = useState("18:00");
  const [members, setMembers] = useState<number[]>([]);
  const create = useMutation({
    mutationFn: (force: boolean) => {
      const body: GroupCreate = {
        name,
        facilitator_id: Number(facilitatorId),
        anchor_timezone: zone,
        weekday,
        local_time: clock,
        member_ids: members,
        force,
      };
      return createLiveGroup(cohortId, body);
    },
    onSuccess: () => {
      setMembers([]);
      setName("");
      onCreated();
    },
  });
  const certified = (facilitators.data ?? []).filter((f) => f.is_certified);
  const learners = signups.signups.filter((s) => s.role === "learner");
  const toggle = (id: number) => setMembers((m) => (m.includes(id) ? m.filter((x) => x !== id) : [...m, id]));
  const ready = name.trim() && facilitatorId !== "" && members.length > 0 && zone.trim();
  return (
    <form
      className="card"
      aria-labelledby="create-group-title"
      onSubmit={(e) => {
        e.preventDefault();
        create.mutate(false);
      }}
    >
      <h3 id="create-group-title">Create a group</h3>
      <p className="muted small">
        Published at once: its learners leave their current group, everyone is told, and Discord and the calendar
        follow. It keeps the cohort's meeting numbers.
      </p>
      <div className="form-grid">
        <div className="field">
          <label htmlFor={ids.name}>Group name</label>
          <input id={ids.name} value={name} maxLength={80} onChange={(e) => setName(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={ids.facilitator}>Facilitator</label>
          <select
            id={ids.facilitator}
            value={facilitatorId}
            onChange={(e) => setFacilitatorId(e.target.value ? Number(e.target.value) : "")}
          >
            <option value="">Choose a certified facilitator…</option>
            {certified.map((f) => (
              <option key={f.user_id} value={f.user_id} disabled={f.active_groups >= f.max_active_groups}>
                {f.display_name} ({f.active_groups} of {f.max_active_groups} groups)
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.zone}>Anchor time zone</label>
          <input id={ids.zone} value={zone} onChange={(e) => setZone(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={ids.day}>Day</label>
          <select id={ids.day} value={weekday} onChange={(e) => setWeekday(Number(e.target.value))}>
            {WEEKDAYS.map((d, i) => (
              <option key={d} value={i}>
                {d}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.time}>Time (in the anchor zone)</label>
          <input id={ids.time} type="time" step={900} value={clock} onChange={(e) => setClock(e.target.value)} />
        </div>
      </div>
      <fieldset>
        <legend>Learners ({members.length} chosen)</legend>
        {learners.length === 0 && <p className="muted small">No learner has signed up.</p>}
        {learners.map((s) => (
          <label key={s.user_id} className="checkbox">
            <input type="checkbox" checked={members.includes(s.user_id)} onChange={() => toggle(s.user_id)} />
            {s.display_name} <span className="muted">({s.group_name ?? "no group"}, {s.timezone})</span>
          </label>
        ))}
        <LoadMore
          shown={learners.length}
          noun="learners"
          hasMore={signups.hasMore}
          loading={signups.loadingMore}
          onMore={signups.loadMore}
        />
      </fieldset>
      <button type="submit" disabled={!ready || create.isPending}>
        {create.isPending ? "Checking…" : "Create the group"}
      </button>
      {facilitators.error && <ErrorMessage error={facilitators.error} />}
      {create.error && (
        <ForceableError
          error={create.error}
          title="The group was not created:"
          actionLabel="Create anyway"
          onForce={() => create.mutate(true)}
          disabled={create.isPending}
        />
      )}
      {create.data && (
        <p role="status" className="success">
          Created {create.data.name}: {create.data.weekly_time.local.label} your time, meeting{" "}
          {create.data.first_meeting_number} next ({create.data.meetings_ahead} ahead).
          <ForcedNote reasons={create.data.forced_despite} />
        </p>
      )}
    </form>
  );
}
