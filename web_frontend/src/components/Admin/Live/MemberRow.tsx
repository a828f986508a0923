import { useMutation } from "@tanstack/react-query";
import { useId, useState } from "react";
import { moveMember, removeMember } from "../../../api/staff";
import type { LiveGroupPublic, LiveMemberPublic } from "../../../client/schema";
import { ErrorMessage } from "../../Feedback/Feedback";
import { absenceLabel, rsvpLabel } from "./describe";
import { ForceableError, ForcedNote } from "./ForceableError";

/** Move a learner to another live group; a poor fit is shown with "Move anyway". */
function MoveControl({ member, group, others, onChanged }: {
  member: LiveMemberPublic;
  group: LiveGroupPublic;
  others: LiveGroupPublic[];
  onChanged: () => void;
}) {
  const id = useId();
  const [target, setTarget] = useState<number | "">("");
  const move = useMutation({
    mutationFn: (force: boolean) => moveMember(Number(target), member.user_id, "learner", force),
    onSuccess: onChanged,
  });
  if (others.length === 0) return null;
  return (
    <form
      className="row"
      aria-label={`Move ${member.display_name}`}
      onSubmit={(e) => {
        e.preventDefault();
        move.mutate(false);
      }}
    >
      <label htmlFor={id} className="small">
        Move {member.display_name} to
      </label>
      <select id={id} value={target} onChange={(e) => setTarget(e.target.value ? Number(e.target.value) : "")}>
        <option value="">another group…</option>
        {others.map((g) => (
          <option key={g.id} value={g.id}>
            {g.name} ({g.weekly_time.local.label})
          </option>
        ))}
      </select>
      <button type="submit" className="secondary small" disabled={target === "" || move.isPending}>
        {move.isPending ? "Checking…" : "Move"}
      </button>
      {move.error && (
        <ForceableError
          error={move.error}
          title={`${member.display_name} was not moved from ${group.name}:`}
          actionLabel="Move anyway"
          onForce={() => move.mutate(true)}
          disabled={move.isPending}
        />
      )}
      {move.data && (
        <p role="status" className="success small">
          {move.data.changed ? `Moved ${member.display_name}.` : "Nothing changed."}
          <ForcedNote reasons={move.data.forced_despite} />
        </p>
      )}
    </form>
  );
}

export function MemberRow({ member, group, others, onChanged }: {
  member: LiveMemberPublic;
  group: LiveGroupPublic;
  others: LiveGroupPublic[];
  onChanged: () => void;
}) {
  const remove = useMutation({ mutationFn: () => removeMember(group.id, member.user_id), onSuccess: onChanged });
  const absent = absenceLabel(member);
  const live = group.status === "active";
  return (
    <tr>
      <th scope="row">
        {member.display_name}
        <br />
        <span className="muted small">{member.timezone}</span>
      </th>
      <td data-label="Role">{member.role}</td>
      <td data-label="Attendance">
        {absent ? <span className={member.inactive ? "error-text" : undefined}>{absent}</span> : member.role === "learner" ? "keeping up" : "—"}
      </td>
      <td data-label="Next meeting">{rsvpLabel(member.next_rsvp)}</td>
      <td data-label="Actions">
        {live && (
          <>
            <button
              type="button"
              className="secondary small"
              disabled={remove.isPending}
              onClick={() => {
                if (window.confirm(`Remove ${member.display_name} from ${group.name}? They will be told.`)) remove.mutate();
              }}
            >
              Remove {member.display_name}
            </button>
            {member.role === "learner" && <MoveControl member={member} group={group} others={others} onChanged={onChanged} />}
            {remove.error && <ErrorMessage error={remove.error} title="Not removed:" />}
          </>
        )}
      </td>
    </tr>
  );
}
