import { useMutation } from "@tanstack/react-query";
import { useId, useState } from "react";
import { updateGroup } from "../../../api/staff";
import type { LiveGroupPublic } from "../../../client/schema";
import { WEEKDAYS } from "../../../lib/time";
import { ErrorMessage } from "../../Feedback/Feedback";
import { ForceableError } from "./ForceableError";

function RenameForm({ group, onChanged }: { group: LiveGroupPublic; onChanged: () => void }) {
  const id = useId();
  const [name, setName] = useState(group.name);
  const rename = useMutation({ mutationFn: () => updateGroup(group.id, { name, force: false }), onSuccess: onChanged });
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        rename.mutate();
      }}
    >
      <label htmlFor={id}>Name</label>
      <div className="row">
        <input id={id} value={name} maxLength={80} onChange={(e) => setName(e.target.value)} />
        <button type="submit" className="secondary small" disabled={!name.trim() || name === group.name || rename.isPending}>
          Rename
        </button>
      </div>
      {rename.error && <ErrorMessage error={rename.error} title="Not renamed:" />}
      {rename.isSuccess && <p role="status" className="success small">Renamed; the Discord channel follows at the next sync.</p>}
    </form>
  );
}

/** The weekly time in the group's anchor zone: the meetings still to come move; members are told. */
function TimeForm({ group, onChanged }: { group: LiveGroupPublic; onChanged: () => void }) {
  const dayId = useId();
  const timeId = useId();
  const [weekday, setWeekday] = useState(group.anchor_time.local.weekday);
  const [clock, setClock] = useState(group.anchor_time.local.time);
  const move = useMutation({
    mutationFn: (force: boolean) => updateGroup(group.id, { weekday, local_time: clock, force }),
    onSuccess: onChanged,
  });
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        move.mutate(false);
      }}
    >
      <p className="muted small">New weekly time, in {group.anchor_time.timezone} (the group's anchor zone):</p>
      <div className="row">
        <label htmlFor={dayId}>Day</label>
        <select id={dayId} value={weekday} onChange={(e) => setWeekday(Number(e.target.value))}>
          {WEEKDAYS.map((d, i) => (
            <option key={d} value={i}>
              {d}
            </option>
          ))}
        </select>
        <label htmlFor={timeId}>Time</label>
        <input id={timeId} type="time" step={900} value={clock} onChange={(e) => setClock(e.target.value)} />
        <button type="submit" className="secondary small" disabled={move.isPending}>
          Change time
        </button>
      </div>
      {move.error && (
        <ForceableError
          error={move.error}
          title="The time did not change:"
          actionLabel="Change it anyway"
          onForce={() => move.mutate(true)}
          disabled={move.isPending}
        />
      )}
      {move.isSuccess && (
        <p role="status" className="success small">
          Now {move.data.weekly_time.local.label} your time. Members are told; the calendar follows.
        </p>
      )}
    </form>
  );
}

export function GroupSettings({ group, onChanged }: { group: LiveGroupPublic; onChanged: () => void }) {
  return (
    <details>
      <summary>Rename or change the weekly time of {group.name}</summary>
      <RenameForm group={group} onChanged={onChanged} />
      <TimeForm group={group} onChanged={onChanged} />
    </details>
  );
}
