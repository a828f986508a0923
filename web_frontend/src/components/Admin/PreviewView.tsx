import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { movePreviewMember, previewQuery, type Preview, type PreviewGroup } from "../../api/staff";
import { ErrorMessage } from "../Feedback/Feedback";
import { WEEKDAYS, formatDateTime, formatWeeklySlot, weeklyTimeShifts } from "../../lib/time";

const REASONS: Record<string, string> = {
  no_availability: "No availability entered",
  no_facilitator_time: "No facilitator is free at any time that fits",
  too_few_learners: "Too few others share their times",
  facilitator_capacity: "Facilitators are at capacity",
  daylight_saving: "A daylight-saving change breaks every fitting time",
  uncertified_facilitator: "Facilitator is not certified yet",
  not_optimal: "Left out by the optimiser to place more people overall",
};

function GroupRow({ group, zone }: { group: PreviewGroup; zone: string }) {
  const first = new Date(group.first_meeting_at);
  const shifts = weeklyTimeShifts(group.meeting_starts ?? [], zone);
  const learners = group.members.filter((m) => m.role !== "facilitator");
  const facilitators = group.members.filter((m) => m.role === "facilitator");
  return (
    <tr>
      <th scope="row">{group.name}</th>
      <td>
        {formatWeeklySlot(first, group.meeting_minutes, zone)}
        <br />
        <span className="muted">
          {formatWeeklySlot(first, group.meeting_minutes, "UTC")} UTC · fixed {WEEKDAYS[group.weekday]}{" "}
          {group.local_time.slice(0, 5)} {group.anchor_timezone}
        </span>
        {shifts.length > 0 && (
          <p className="notice small">
            Daylight saving: from {formatDateTime(shifts[0]!.at, zone)} this is a different time in {zone}.
          </p>
        )}
        {group.notes?.map((n) => (
          <p key={n} className="notice small">
            {n}
          </p>
        ))}
      </td>
      <td>{learners.length}</td>
      <td>{facilitators.map((f) => f.display_name).join(", ") || <span className="error-text">none</span>}</td>
      <td>{learners.map((m) => m.display_name).join(", ")}</td>
    </tr>
  );
}

function MoveForm({ preview }: { preview: Preview }) {
  const queryClient = useQueryClient();
  const people = preview.groups.flatMap((g) => g.members.map((m) => ({ ...m, group: g })));
  const [userId, setUserId] = useState<number | "">("");
  const [toGroup, setToGroup] = useState<number | "">("");
  const move = useMutation({
    mutationFn: () => movePreviewMember(preview.cohort.id, Number(userId), Number(toGroup)),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: previewQuery(preview.cohort.id).queryKey }),
  });
  return (
    <form
      className="card row"
      aria-label="Move a person"
      onSubmit={(e) => {
        e.preventDefault();
        move.mutate();
      }}
    >
      <div className="field">
        <label htmlFor="move-person">Move</label>
        <select id="move-person" value={userId} onChange={(e) => setUserId(e.target.value ? Number(e.target.value) : "")}>
          <option value="">Choose a person…</option>
          {people.map((p) => (
            <option key={`${p.group.id}-${p.user_id}`} value={p.user_id}>
              {p.display_name} ({p.group.name})
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="move-to">to group</label>
        <select id="move-to" value={toGroup} onChange={(e) => setToGroup(e.target.value ? Number(e.target.value) : "")}>
          <option value="">Choose a group…</option>
          {preview.groups.map((g) => (
            <option key={g.id} value={g.id}>
              {g.name}
            </option>
          ))}
        </select>
      </div>
      <button type="submit" disabled={userId === "" || toGroup === "" || move.isPending}>
        {move.isPending ? "Checking…" : "Move"}
      </button>
      {move.error && <ErrorMessage error={move.error} title="Not moved:" />}
      {move.isSuccess && (
        <p role="status" className="success">
          Moved.
        </p>
      )}
    </form>
  );
}

export function PreviewView({ preview, zone }: { preview: Preview; zone: string }) {
  const { run, groups, unplaced } = preview;
  if (!run && groups.length === 0) return <p className="muted">No scheduling run yet.</p>;
  const placed = groups.reduce((n, g) => n + g.members.length, 0);
  return (
    <div className="preview">
      <p>
        <strong>{groups.length}</strong> groups, <strong>{placed}</strong> people placed,{" "}
        <strong>{unplaced.length}</strong> unplaced.
        {run?.gap != null && (
          <>
            {" "}
            Optimality gap: <strong>{(run.gap * 100).toFixed(1)}%</strong>
            {run.gap === 0 && " (proven optimal)"}.
          </>
        )}
        {run && <span className="muted"> Run {formatDateTime(run.created_at, zone)}.</span>}
      </p>
      {run?.notes?.map((n) => (
        <p key={n} className="notice">
          {n}
        </p>
      ))}
      <div className="table-scroll" role="region" aria-label="Preview groups" tabIndex={0}>
        <table>
          <caption>Groups, with weekly times in your zone ({zone}) and in UTC</caption>
          <thead>
            <tr>
              <th scope="col">Group</th>
              <th scope="col">Weekly time</th>
              <th scope="col">Size</th>
              <th scope="col">Facilitator</th>
              <th scope="col">Learners</th>
            </tr>
          </thead>
          <tbody>
            {groups.map((g) => (
              <GroupRow key={g.id} group={g} zone={zone} />
            ))}
          </tbody>
        </table>
      </div>
      {groups.length > 1 && <MoveForm preview={preview} />}
      <h3>Unplaced ({unplaced.length})</h3>
      {unplaced.length === 0 ? (
        <p className="muted">Everyone has a group.</p>
      ) : (
        <ul className="unplaced">
          {unplaced.map((u) => (
            <li key={u.user_id}>
              <strong>{u.display_name}</strong> ({u.role}): {REASONS[u.reason] ?? u.reason}
              {u.explanation && <>. {u.explanation}</>}
              {u.suggestions && u.suggestions.length > 0 && (
                <ul>
                  {u.suggestions.map((s) => (
                    <li key={s}>Suggestion: {s}</li>
                  ))}
                </ul>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
