import { Link } from "react-router";
import type {
  DueModulePublic,
  GroupTimelinePublic as Timeline,
  LearnerStatePublic,
  PresencePublic,
  TimelineMemberPublic,
} from "../../client/schema";
import { DataTable } from "../ui/DataTable";

const MARK: Record<LearnerStatePublic["status"], { symbol: string; words: string }> = {
  completed: { symbol: "✓", words: "done" },
  in_progress: { symbol: "◐", words: "in progress" },
  not_started: { symbol: "○", words: "not started" },
};

const RSVP: Record<string, string> = {
  attending: "going",
  tentative: "maybe",
  not_attending: "can't go",
  pending: "no answer",
};

function StateCell({ module, member }: { module: DueModulePublic; member: TimelineMemberPublic }) {
  const state = module.states.find((s) => s.user_id === member.user_id);
  if (!state) return <td>—</td>;
  const mark = MARK[state.status];
  // Words beside the symbol, not visually hidden ones: an absolutely positioned
  // hidden text would widen the page from inside the scrolling table.
  const words = state.status === "in_progress" ? `${state.sections_done} of ${state.sections_total}` : mark.words;
  return (
    <td title={`${member.display_name}: ${module.title}, ${mark.words}`}>
      <span aria-hidden="true">{mark.symbol}</span> {words}
    </td>
  );
}

function presenceText(p: PresencePublic): string {
  if (p.outcome === "not_a_member") return "not yet a member";
  const where = p.visiting_group ? `away, visiting ${p.visiting_group}: ` : "";
  if (p.outcome === "upcoming") return `${where}${RSVP[p.rsvp] ?? p.rsvp}`;
  return `${where}${p.outcome}`;
}

/** Members × modules due by each meeting, then attendance per meeting. */
function ProgressGrid({ timeline, groupId }: { timeline: Timeline; groupId: number }) {
  const withDue = timeline.meetings.filter((m) => m.due.length > 0);
  const columns = [
    ...withDue.map((m) => ({ key: `m${m.id}`, label: `Due by meeting ${m.number}`, modules: m.due })),
    ...(timeline.after_last_meeting.length > 0
      ? [{ key: "after", label: "After the meetings", modules: timeline.after_last_meeting }]
      : []),
  ];
  if (columns.length === 0) return <p className="muted">No modules are due by this group's meetings.</p>;
  return (
    <DataTable
      label="Progress on the modules due by each meeting"
      className="timeline"
      caption="✓ done · ◐ in progress (required sections done of all) · ○ not started"
      head={
        <>
          <tr>
            <td />
            {columns.map((c) => (
              <th scope="colgroup" colSpan={c.modules.length} key={c.key}>
                {c.label}
              </th>
            ))}
          </tr>
          <tr>
            <th scope="col">Learner</th>
            {columns.flatMap((c) =>
              c.modules.map((mod) => (
                <th scope="col" key={`${c.key}-${mod.slug}`} title={mod.section_titles.join(" · ")}>
                  {mod.title}
                  {mod.optional && <span className="muted"> (optional)</span>}
                </th>
              )),
            )}
          </tr>
        </>
      }
    >
      {timeline.members.map((member) => (
        <tr key={member.user_id}>
          <th scope="row">
            <Link to={`/facilitator/groups/${groupId}/members/${member.user_id}`}>{member.display_name}</Link>
            {member.behind && (
              <span className="badge badge-behind" title={`Not done: ${member.behind_on.join(", ")}`}>
                behind
              </span>
            )}
            {member.inactive && (
              <span className="badge badge-inactive" title={`Missed ${member.missed_in_a_row} meetings in a row`}>
                inactive
              </span>
            )}
          </th>
          {columns.flatMap((c) =>
            c.modules.map((mod) => <StateCell key={`${c.key}-${mod.slug}`} module={mod} member={member} />),
          )}
        </tr>
      ))}
    </DataTable>
  );
}

function AttendanceGrid({ timeline }: { timeline: Timeline }) {
  if (timeline.meetings.length === 0) return <p className="muted">No meetings yet.</p>;
  const people = new Map<number, PresencePublic>();
  timeline.meetings.forEach((m) => m.attendance.forEach((p) => people.has(p.user_id) || people.set(p.user_id, p)));
  return (
    <DataTable
      label="RSVPs and attendance"
      columns={[
        "Person",
        ...timeline.meetings.map((m) => (
          <>
            Meeting {m.number}
            {m.is_next && <span className="badge">next</span>}
            <br />
            <span className="muted">{m.local_label}</span>
          </>
        )),
      ]}
    >
      {[...people.values()].map((person) => (
        <tr key={person.user_id}>
          <th scope="row">
            {person.display_name}
            {person.role !== "learner" && (
              <span className="muted">
                {" "}
                ({person.role === "guest" ? `guest from ${person.guest_from_group}` : person.role})
              </span>
            )}
          </th>
          {timeline.meetings.map((m) => {
            const p = m.attendance.find((a) => a.user_id === person.user_id);
            return <td key={m.id}>{p ? presenceText(p) : "—"}</td>;
          })}
        </tr>
      ))}
    </DataTable>
  );
}

function Flags({ timeline, groupId }: { timeline: Timeline; groupId: number }) {
  const next = timeline.next_meeting_number;
  const behind = timeline.members.filter((m) => m.behind);
  const inactive = timeline.members.filter((m) => m.inactive);
  const chats = timeline.members.filter((m) => m.chat_sessions > 0);
  return (
    <ul>
      <li>
        {next === null
          ? "No meeting ahead."
          : behind.length === 0
            ? `Everyone is ready for meeting ${next}.`
            : `Behind before meeting ${next}: ${behind
                .map((m) => `${m.display_name} (${m.behind_on.join(", ")})`)
                .join("; ")}.`}
      </li>
      {inactive.length > 0 && (
        <li>
          Inactive (missed {timeline.inactive_after} or more meetings in a row):{" "}
          {inactive.map((m) => `${m.display_name} (${m.missed_in_a_row})`).join(", ")}.
        </li>
      )}
      <li>
        Tutor chats you can read:{" "}
        {chats.length === 0
          ? "none yet."
          : chats.map((m, i) => (
              <span key={m.user_id}>
                {i > 0 && ", "}
                <Link to={`/facilitator/groups/${groupId}/members/${m.user_id}`}>
                  {m.display_name} ({m.chat_sessions} chat{m.chat_sessions === 1 ? "" : "s"})
                </Link>
              </span>
            ))}
      </li>
    </ul>
  );
}

/** The facilitator's timeline of a group: who is keeping up, meeting by meeting. */
export function GroupTimeline({ timeline, groupId }: { timeline: Timeline; groupId: number }) {
  return (
    <>
      <p>
        {timeline.discord_channel_url ? (
          <a href={timeline.discord_channel_url} target="_blank" rel="noreferrer">
            Open the group's Discord channel
          </a>
        ) : (
          <span className="muted">The group has no Discord channel yet.</span>
        )}
      </p>
      <h3>At a glance</h3>
      <Flags timeline={timeline} groupId={groupId} />
      <h3>Modules due by each meeting</h3>
      {timeline.content_problem && <p className="notice">{timeline.content_problem}</p>}
      <ProgressGrid timeline={timeline} groupId={groupId} />
      <h3>RSVPs and attendance</h3>
      <AttendanceGrid timeline={timeline} />
    </>
  );
}
