import { useQuery } from "@tanstack/react-query";
import { Link, useParams } from "react-router";
import { groupMembersQuery, type GroupMembers } from "../../api/staff";
import { QueryState } from "../../components/Feedback/Feedback";
import { useMe } from "../../hooks/useMe";
import { formatDateTime } from "../../lib/time";

const RSVP = { attending: "Going", tentative: "Maybe", not_attending: "Can't go", pending: "No answer" } as Record<string, string>;
const ATTENDANCE = { attended: "Attended", missed: "Missed", upcoming: "—" } as Record<string, string>;

function MembersTable({ data, zone }: { data: GroupMembers; zone: string }) {
  return (
    <div className="table-scroll" role="region" aria-label="Members" tabIndex={0}>
      <table>
        <caption className="sr-only">Members with progress, last activity, RSVPs and attendance per meeting</caption>
        <thead>
          <tr>
            <th scope="col">Member</th>
            <th scope="col">Progress</th>
            <th scope="col">Last active</th>
            {data.meetings.map((m) => (
              <th scope="col" key={m.meeting_number}>
                Meeting {m.meeting_number}
                <br />
                <span className="muted">{formatDateTime(m.starts_at, zone)}</span>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {data.members.map((member) => (
            <tr key={member.user_id}>
              <th scope="row">
                <Link to={`/facilitator/groups/${data.group.id}/members/${member.user_id}`}>{member.display_name}</Link>
                {member.role === "facilitator" && <span className="badge">Facilitator</span>}
              </th>
              <td>
                <progress max={Math.max(member.total_sections, 1)} value={member.completed_sections} aria-hidden="true" />{" "}
                {member.completed_sections}/{member.total_sections} sections
              </td>
              <td>{member.last_active_at ? formatDateTime(member.last_active_at, zone) : "Never"}</td>
              {data.meetings.map((m) => {
                const n = String(m.meeting_number);
                return (
                  <td key={n}>
                    {RSVP[member.rsvps[n] ?? "pending"]}
                    <br />
                    <span className="muted">{ATTENDANCE[member.attendance[n] ?? "upcoming"]}</span>
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function FacilitatorGroupPage() {
  const gid = Number(useParams().groupId);
  const { timeZone } = useMe();
  const members = useQuery(groupMembersQuery(gid));
  return (
    <section>
      <p>
        <Link to="/facilitator">← My groups</Link>
      </p>
      <QueryState query={members} label="Loading members…">
        {(data) => (
          <>
            <h1>{data.group.name}</h1>
            <p className="muted">
              {data.group.cohort_name} · times in {timeZone}
            </p>
            <MembersTable data={data} zone={timeZone} />
          </>
        )}
      </QueryState>
    </section>
  );
}
