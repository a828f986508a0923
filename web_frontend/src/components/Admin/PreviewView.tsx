import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import type { GroupAdminPublic, PreviewPublic, UnplacedPublic } from "../../client/schema";
import { moveMember } from "../../api/staff";
import { ErrorMessage } from "../Feedback/Feedback";
import { type GroupChoice, GroupPicker } from "./GroupPicker";
import { LoadMore, type More } from "./LoadMore";
import { RunStats } from "./RunStats";
import { isAvailabilityConflict } from "./Live/ForceableError";
import { formatDateTime, formatWeeklySlot } from "../../lib/time";
import { DataTable } from "../ui/DataTable";

/** The preview as loaded so far: the first page's run and whole-preview summary, and the
 * groups and unplaced of the pages loaded (both lists page: docs/operations.md). */
export type LoadedPreview = Pick<PreviewPublic, "cohort_id" | "run" | "summary"> & {
  groups: GroupAdminPublic[];
  unplaced: UnplacedPublic[];
};

const REASONS: Record<string, string> = {
  no_availability: "No availability that fits a whole meeting",
  no_facilitator_time: "No facilitator is free at any time that fits",
  too_few_learners: "Too few others share their times",
  facilitator_capacity: "Facilitators are at capacity",
  daylight_saving: "A daylight-saving change breaks every fitting time",
  uncertified_facilitator: "Facilitator is not certified yet",
  not_optimal: "Left out by the optimiser to place more people overall",
};

/** "time: Tue 18:00 · your local time: Tue 19:00 · meetings you can attend: 6". */
function describe(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value !== "object") return String(value);
  return Object.entries(value as Record<string, unknown>)
    .map(([k, v]) => `${k.replace(/_/g, " ")}: ${typeof v === "object" ? JSON.stringify(v) : String(v)}`)
    .join(" · ");
}

/** The scheduler's two kinds of suggestion in words; anything else as key: value pairs. */
export function describeSuggestion(raw: unknown): string {
  const s = (raw ?? {}) as Record<string, unknown>;
  if (typeof s.group === "string") {
    const away = typeof s.minutes_away === "number" && s.minutes_away > 0 ? `, ${s.minutes_away} min from a time they gave` : "";
    return `${s.group}, which meets ${String(s.your_local_time)} their time${away}`;
  }
  if (typeof s.time === "string") {
    const weeks = typeof s.meetings_you_can_attend === "number" ? ` (they could attend ${s.meetings_you_can_attend} meetings)` : "";
    return `a group at ${s.time} (${String(s.your_local_time)} their time)${weeks}`;
  }
  return describe(raw);
}

function UnplacedItem({ person }: { person: UnplacedPublic }) {
  const detail = person.detail as { detail?: unknown; suggestions?: unknown[] } | string | null;
  const text = typeof detail === "string" ? detail : describe(detail?.detail);
  const suggestions = typeof detail === "object" && detail && Array.isArray(detail.suggestions) ? detail.suggestions : [];
  return (
    <li>
      <strong>{person.display_name}</strong> ({person.role}): {REASONS[person.reason] ?? person.reason}
      {text && <>. {text}</>}
      {suggestions.length > 0 && (
        <ul>
          {suggestions.map((s, i) => (
            <li key={i}>Suggestion: {describeSuggestion(s)}</li>
          ))}
        </ul>
      )}
    </li>
  );
}

function GroupRow({ group, zone }: { group: GroupAdminPublic; zone: string }) {
  const first = new Date(group.first_meeting_at);
  const learners = group.members.filter((m) => m.role !== "facilitator");
  const facilitators = group.members.filter((m) => m.role === "facilitator");
  return (
    <tr>
      <th scope="row">
        {group.name}
        <br />
        <span className="muted">{group.status}</span>
      </th>
      <td data-label="Weekly time">
        {group.weekly_time.local.label} <span className="muted">({zone})</span>
        <br />
        <span className="muted">
          {formatWeeklySlot(first, 0, "UTC").replace(/–.*$/, "")} UTC · fixed {group.anchor_label}
        </span>
        {(group.weekly_time.shifts || group.weekly_time.note) && (
          <p className="notice small">Daylight saving: {group.weekly_time.note ?? "the time moves on your clock during the course."}</p>
        )}
        {group.problems.map((p) => (
          <p key={p} className="error-text small">
            {p}
          </p>
        ))}
      </td>
      <td data-label="Size">
        {group.learner_count} learners
        {group.facilitator_count ? `, ${group.facilitator_count} facilitator${group.facilitator_count > 1 ? "s" : ""}` : ""}
      </td>
      <td data-label="Facilitator">
        {facilitators.map((f) => f.display_name).join(", ") || <span className="error-text">none</span>}
      </td>
      <td data-label="Learners">{learners.map((m) => m.display_name).join(", ")}</td>
    </tr>
  );
}

/** Move someone of the groups and unplaced loaded so far to any preview group (searched by name). */
function MoveForm({ preview, onMoved }: { preview: LoadedPreview; onMoved: () => void }) {
  const people = [
    ...preview.groups.flatMap((g) => g.members.map((m) => ({ ...m, groupName: g.name }))),
    ...preview.unplaced.map((u) => ({ ...u, groupName: "unplaced" })),
  ];
  const [userId, setUserId] = useState<number | "">("");
  const [toGroup, setToGroup] = useState<GroupChoice | null>(null);
  const [force, setForce] = useState(false);
  const person = people.find((p) => p.user_id === userId);
  const move = useMutation({
    mutationFn: () =>
      moveMember(Number(toGroup?.id), Number(userId), person?.role === "facilitator" ? "facilitator" : "learner", force),
    onSuccess: onMoved,
  });
  return (
    <form
      className="card"
      aria-labelledby="move-title"
      onSubmit={(e) => {
        e.preventDefault();
        move.mutate();
      }}
    >
      <h4 id="move-title">Move or place a person</h4>
      <div className="form-grid">
        <div className="field">
          <label htmlFor="move-person">Person</label>
          <select id="move-person" value={userId} onChange={(e) => setUserId(e.target.value ? Number(e.target.value) : "")}>
            <option value="">Choose a person…</option>
            {people.map((p) => (
              <option key={`${p.groupName}-${p.user_id}`} value={p.user_id}>
                {p.display_name} ({p.groupName})
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <GroupPicker cohortId={preview.cohort_id} status="preview" label="To group" value={toGroup} onChange={setToGroup} />
        </div>
      </div>
      <label className="checkbox">
        <input type="checkbox" checked={force} onChange={(e) => setForce(e.target.checked)} aria-describedby="move-anyway-hint" />
        Move anyway
      </label>
      <p id="move-anyway-hint" className="muted small">
        Places them even if the group's time doesn't fit their availability.
      </p>
      <button type="submit" disabled={userId === "" || toGroup === null || move.isPending}>
        {move.isPending ? "Checking…" : "Move"}
      </button>
      {move.error && <ErrorMessage error={move.error} title="Not moved:" />}
      {isAvailabilityConflict(move.error) && !force && (
        <p className="notice small">Tick “Move anyway” to move them all the same.</p>
      )}
      {move.isSuccess && (
        <p role="status" className="success">
          {move.data.changed ? "Moved." : "Nothing changed: they are already in that group."}
        </p>
      )}
    </form>
  );
}

function RunSummary({ run, summary, zone }: { run: NonNullable<PreviewPublic["run"]>; summary: PreviewPublic["summary"]; zone: string }) {
  const stats = (run.stats ?? {}) as Record<string, unknown>;
  const gap = typeof stats.gap === "number" ? stats.gap : typeof stats.mip_gap === "number" ? stats.mip_gap : null;
  const notes = Array.isArray(run.notes) ? (run.notes as unknown[]) : [];
  return (
    <>
      <p>
        Run {run.id} at {formatDateTime(run.created_at, zone)}.
        {gap !== null && (
          <>
            {" "}
            Optimality gap: <strong>{(gap * 100).toFixed(1)}%</strong>
            {gap === 0 && " (proven optimal)"}.
          </>
        )}
      </p>
      {Object.keys(stats).length > 0 && (
        <details className="card">
          <summary>Run statistics</summary>
          <RunStats stats={stats} summary={summary} />
        </details>
      )}
      {notes.map((n, i) => (
        <p key={i} className="notice">
          {describe(n)}
        </p>
      ))}
    </>
  );
}

export function PreviewView({
  preview,
  zone,
  onChanged,
  more,
}: {
  preview: LoadedPreview;
  zone: string;
  onChanged: () => void;
  more?: { groups: More; unplaced: More };
}) {
  const { run, summary, groups, unplaced } = preview;
  if (!run && summary.groups === 0) return <p className="muted">No scheduling run yet.</p>;
  const placed = summary.learners + summary.facilitators;
  return (
    <div className="preview">
      <p>
        <strong>{summary.groups.toLocaleString()}</strong> groups, <strong>{placed.toLocaleString()}</strong> people
        placed, <strong>{summary.unplaced.toLocaleString()}</strong> unplaced.
      </p>
      {run && <RunSummary run={run} summary={summary} zone={zone} />}
      <DataTable
        label="Preview groups"
        className="stack"
        caption={`Groups, with weekly times in your zone (${zone}) and in UTC`}
        columns={["Group", "Weekly time", "Size", "Facilitator", "Learners"]}
      >
        {groups.map((g) => (
          <GroupRow key={g.id} group={g} zone={zone} />
        ))}
      </DataTable>
      {more && <LoadMore shown={groups.length} total={summary.groups} noun="groups" {...more.groups} />}
      {groups.length > 0 && <MoveForm preview={preview} onMoved={onChanged} />}
      <h3>Unplaced ({summary.unplaced.toLocaleString()})</h3>
      {summary.unplaced === 0 ? (
        <p className="muted">Everyone has a group.</p>
      ) : (
        <ul className="unplaced">
          {unplaced.map((u) => (
            <UnplacedItem key={u.user_id} person={u} />
          ))}
        </ul>
      )}
      {more && <LoadMore shown={unplaced.length} total={summary.unplaced} noun="unplaced" {...more.unplaced} />}
    </div>
  );
}
