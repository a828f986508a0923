import { useMutation } from "@tanstack/react-query";
import { type ReactNode, useState } from "react";
import { moveMember, syncGroup } from "../../../api/staff";
import type { LiveGroupPublic, UserMatchPublic } from "../../../client/schema";
import { formatDateTime } from "../../../lib/time";
import { ErrorMessage } from "../../Feedback/Feedback";
import { DataTable } from "../../ui/DataTable";
import { JobStatus } from "../JobStatus";
import { attendanceSummary, rsvpSummary, syncSummary } from "./describe";
import { ForceableError, ForcedNote } from "./ForceableError";
import { GroupSettings } from "./GroupSettings";
import { MemberRow } from "./MemberRow";
import { NotificationAudit } from "./NotificationAudit";
import { PersonSearch } from "./PersonSearch";

function AddPerson({ group, onChanged }: { group: LiveGroupPublic; onChanged: () => void }) {
  const [person, setPerson] = useState<UserMatchPublic | null>(null);
  const add = useMutation({
    mutationFn: ({ who, force }: { who: UserMatchPublic; force: boolean }) => moveMember(group.id, who.id, "learner", force),
    onSuccess: onChanged,
  });
  const pick = (who: UserMatchPublic) => {
    setPerson(who);
    add.mutate({ who, force: false });
  };
  return (
    <div>
      <PersonSearch label={`Add a learner to ${group.name}`} actionLabel="Add" onPick={pick} disabled={add.isPending} />
      {add.error && person && (
        <ForceableError
          error={add.error}
          title={`${person.display_name} was not added:`}
          actionLabel="Add anyway"
          onForce={() => add.mutate({ who: person, force: true })}
          disabled={add.isPending}
        />
      )}
      {add.data && person && (
        <p role="status" className="success small">
          {add.data.changed ? `Added ${person.display_name}; they are told and get the channel and invite.` : "Already a member."}
          <ForcedNote reasons={add.data.forced_despite} />
        </p>
      )}
    </div>
  );
}

function SyncState({ group, zone, onChanged }: { group: LiveGroupPublic; zone: string; onChanged: () => void }) {
  const [job, setJob] = useState<number | null>(null);
  const sync = useMutation({ mutationFn: () => syncGroup(group.id), onSuccess: (r) => setJob(r.job_id) });
  const state = syncSummary(group.sync, zone);
  return (
    <div>
      <p className={state.problem ? "error-text small" : "muted small"}>{state.text}</p>
      <button type="button" className="secondary small" onClick={() => sync.mutate()} disabled={sync.isPending}>
        Sync {group.name} now
      </button>
      {sync.error && <ErrorMessage error={sync.error} title="The sync did not start:" />}
      {job && <JobStatus jobId={job} title={`Sync of ${group.name}`} onFinished={onChanged} />}
    </div>
  );
}

/** One live group: who is in it and keeping up, when it meets, what is next, and its actions. */
export function GroupCard({ group, cohortId, zone, onChanged }: {
  group: LiveGroupPublic;
  cohortId: number; // moves go to any live group of it, found by name
  zone: string;
  onChanged: () => void;
}) {
  const headingId = `live-group-${group.id}`;
  const next = group.next_meeting;
  const live = group.status === "active";
  const lastHeld = group.attendance.at(-1);
  const [outcome, setOutcome] = useState<ReactNode>(null);
  return (
    <article className="card" aria-labelledby={headingId}>
      <h3 id={headingId}>
        {group.name}
        {!live && <span className="badge"> {group.status}</span>}
        {group.below_min && <span className="badge"> below minimum size</span>}
      </h3>
      <p>
        <strong>{group.weekly_time.local.label}</strong> your time · {group.anchor_time.local.label} in{" "}
        {group.anchor_time.timezone}
        <br />
        <span className="muted small">
          Facilitator: {group.facilitator_names.join(", ") || "none"} · {group.learner_count} learners
          {group.inactive_count > 0 && `, ${group.inactive_count} inactive`} · meetings held {group.meetings_held} of{" "}
          {group.meetings_total}
        </span>
      </p>
      {group.weekly_time.note && <p className="notice small">{group.weekly_time.note}</p>}
      <p>
        {next ? (
          <>
            Next: meeting {next.number}, {formatDateTime(next.starts_at, zone)} — {rsvpSummary(group.rsvps)}
          </>
        ) : (
          "No meeting ahead."
        )}
      </p>
      <p className="small">Attendance so far: {attendanceSummary(group)}</p>
      {group.discord_export_key && (
        <p className="small">
          Discord channels deleted after the retention period; messages exported to{" "}
          <code>{group.discord_export_key}</code> in the content bucket.
        </p>
      )}
      <DataTable
        label={`Members of ${group.name}`}
        className="stack"
        columns={["Member", "Role", "Attendance", "Next meeting", "Actions"]}
      >
        {group.members.map((m) => (
          <MemberRow
            key={m.user_id}
            member={m}
            group={group}
            cohortId={cohortId}
            onChanged={onChanged}
            onOutcome={setOutcome}
          />
        ))}
      </DataTable>
      {outcome && (
        <p role="status" className="success small">
          {outcome}
        </p>
      )}
      <SyncState group={group} zone={zone} onChanged={onChanged} />
      {next && <NotificationAudit meetingId={next.id} number={next.number} zone={zone} />}
      {lastHeld && <NotificationAudit meetingId={lastHeld.id} number={lastHeld.number} zone={zone} />}
      {live && (
        <>
          <AddPerson group={group} onChanged={onChanged} />
          <GroupSettings group={group} onChanged={onChanged} />
        </>
      )}
    </article>
  );
}
