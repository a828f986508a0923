import { useMutation } from "@tanstack/react-query";
import { type ReactNode, useState } from "react";
import { moveMember, removeMember } from "../../../api/staff";
import type { LiveGroupPublic, LiveMemberPublic } from "../../../client/schema";
import { ErrorMessage } from "../../Feedback/Feedback";
import { type GroupChoice, GroupPicker } from "../GroupPicker";
import { absenceLabel, rsvpLabel } from "./describe";
import { ForceableError, ForcedNote } from "./ForceableError";

/** What a member action did, said by the group card: the member's row goes once the page is read again. */
export type OnOutcome = (outcome: ReactNode) => void;

/** Move a learner to any other live group of the cohort (searched by name); a poor fit is
 * shown with "Move anyway". */
function MoveControl({ member, group, cohortId, onChanged, onOutcome }: {
  member: LiveMemberPublic;
  group: LiveGroupPublic;
  cohortId: number;
  onChanged: () => void;
  onOutcome: OnOutcome;
}) {
  const [target, setTarget] = useState<GroupChoice | null>(null);
  const move = useMutation({
    mutationFn: (force: boolean) => moveMember(Number(target?.id), member.user_id, "learner", force),
    onSuccess: (moved) => {
      const to = target?.id === moved.group_id ? target.name : "the other group";
      onOutcome(
        <>
          {moved.changed ? `Moved ${member.display_name} to ${to}.` : "Nothing changed."}
          <ForcedNote reasons={moved.forced_despite} />
        </>,
      );
      onChanged();
    },
  });
  return (
    <form
      className="row"
      aria-label={`Move ${member.display_name}`}
      onSubmit={(e) => {
        e.preventDefault();
        move.mutate(false);
      }}
    >
      <GroupPicker
        cohortId={cohortId}
        status="active"
        label={`Move ${member.display_name} to`}
        exclude={group.id}
        value={target}
        onChange={setTarget}
      />
      <button type="submit" className="secondary small" disabled={target === null || move.isPending}>
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
    </form>
  );
}

export function MemberRow({ member, group, cohortId, onChanged, onOutcome }: {
  member: LiveMemberPublic;
  group: LiveGroupPublic;
  cohortId: number;
  onChanged: () => void;
  onOutcome: OnOutcome;
}) {
  const remove = useMutation({
    mutationFn: () => removeMember(group.id, member.user_id),
    onSuccess: () => {
      onOutcome(`Removed ${member.display_name} from ${group.name}; they are told.`);
      onChanged();
    },
  });
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
            {member.role === "learner" && (
              <MoveControl member={member} group={group} cohortId={cohortId} onChanged={onChanged} onOutcome={onOutcome} />
            )}
            {remove.error && <ErrorMessage error={remove.error} title="Not removed:" />}
          </>
        )}
      </td>
    </tr>
  );
}
