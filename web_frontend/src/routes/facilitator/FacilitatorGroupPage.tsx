import { useQuery } from "@tanstack/react-query";
import { Link, useParams } from "react-router";
import type { MemberProgressPublic } from "../../client/schema";
import { facilitatorGroupsQuery, groupMembersQuery } from "../../api/staff";
import { groupTimelineQuery } from "../../api/timeline";
import { QueryState } from "../../components/Feedback/Feedback";
import { GroupTimeline } from "../../components/Groups/GroupTimeline";
import { GroupFeedback } from "../../components/MeetingFeedback/GroupFeedback";
import { DataTable } from "../../components/ui/DataTable";
import { groupFeedbackQuery } from "../../api/feedback";
import { useMe } from "../../hooks/useMe";
import { formatDateTime } from "../../lib/time";

const minutes = (s: number) => (s < 60 ? `${s} s` : `${Math.round(s / 60)} min`);

function MembersTable({ gid, members, zone }: { gid: number; members: MemberProgressPublic[]; zone: string }) {
  return (
    <DataTable
      label="Members and progress"
      columns={["Member", "Sections done", "Modules done", "Time spent", "Tutor messages", "Last active"]}
    >
      {members.map((m) => (
        <tr key={m.user_id}>
          <th scope="row">
            <Link to={`/facilitator/groups/${gid}/members/${m.user_id}`}>{m.display_name}</Link>
          </th>
          <td>{m.completed_sections}</td>
          <td>{m.completed_modules}</td>
          <td>{minutes(m.total_time_s)}</td>
          <td>{m.chat_messages}</td>
          <td>{m.last_active_at ? formatDateTime(m.last_active_at, zone) : "Never"}</td>
        </tr>
      ))}
    </DataTable>
  );
}

export function FacilitatorGroupPage() {
  const gid = Number(useParams().groupId);
  const { timeZone } = useMe();
  const groups = useQuery(facilitatorGroupsQuery);
  const members = useQuery(groupMembersQuery(gid));
  const timeline = useQuery(groupTimelineQuery(gid));
  const feedback = useQuery(groupFeedbackQuery(gid));
  const group = groups.data?.find((g) => g.id === gid);
  return (
    <section>
      <p>
        <Link to="/facilitator">← My groups</Link>
      </p>
      <h1>{group?.name ?? "Group"}</h1>
      {group && (
        <p className="muted">
          {group.cohort_name} · times in {timeZone}
        </p>
      )}
      <h2>Members and progress</h2>
      <QueryState query={members} label="Loading members…">
        {(list) => <MembersTable gid={gid} members={list} zone={timeZone} />}
      </QueryState>
      <h2>Timeline</h2>
      <QueryState query={timeline} label="Loading the timeline…">
        {(t) => <GroupTimeline timeline={t} groupId={gid} />}
      </QueryState>
      <h2>Feedback after each meeting</h2>
      <QueryState query={feedback} label="Loading feedback…">
        {(f) => <GroupFeedback feedback={f} zone={timeZone} />}
      </QueryState>
    </section>
  );
}
