import { useQuery } from "@tanstack/react-query";
import { Link, useParams } from "react-router";
import type { MeetingAttendancePublic, MemberProgressPublic } from "../../client/schema";
import { facilitatorGroupsQuery, groupMeetingsQuery, groupMembersQuery } from "../../api/staff";
import { QueryState } from "../../components/Feedback/Feedback";
import { useMe } from "../../hooks/useMe";
import { formatDateTime } from "../../lib/time";

const RSVP: Record<string, string> = {
  attending: "Going",
  tentative: "Maybe",
  not_attending: "Can't go",
  pending: "No answer",
};

const minutes = (s: number) => (s < 60 ? `${s} s` : `${Math.round(s / 60)} min`);

function MembersTable({ gid, members, zone }: { gid: number; members: MemberProgressPublic[]; zone: string }) {
  return (
    <div className="table-scroll" role="region" aria-label="Members and progress" tabIndex={0}>
      <table>
        <thead>
          <tr>
            <th scope="col">Member</th>
            <th scope="col">Sections done</th>
            <th scope="col">Modules done</th>
            <th scope="col">Time spent</th>
            <th scope="col">Tutor messages</th>
            <th scope="col">Last active</th>
          </tr>
        </thead>
        <tbody>
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
        </tbody>
      </table>
    </div>
  );
}

function AttendanceTable({ meetings, zone }: { meetings: MeetingAttendancePublic[]; zone: string }) {
  if (meetings.length === 0) return <p className="muted">No meetings yet: they are created when the group is published.</p>;
  const people = new Map<number, string>();
  meetings.forEach((m) => m.members.forEach((p) => people.set(p.user_id, p.display_name)));
  return (
    <div className="table-scroll" role="region" aria-label="RSVPs and attendance" tabIndex={0}>
      <table>
        <thead>
          <tr>
            <th scope="col">Member</th>
            {meetings.map((m) => (
              <th scope="col" key={m.id}>
                Meeting {m.number}
                <br />
                <span className="muted">{formatDateTime(m.starts_at, zone)}</span>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {[...people].map(([uid, name]) => (
            <tr key={uid}>
              <th scope="row">{name}</th>
              {meetings.map((m) => {
                const entry = m.members.find((p) => p.user_id === uid);
                return (
                  <td key={m.id}>
                    {RSVP[entry?.rsvp ?? "pending"] ?? entry?.rsvp}
                    {m.is_past && entry && (
                      <>
                        <br />
                        <span className="muted">{entry.outcome.replace(/_/g, " ")}</span>
                      </>
                    )}
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
  const groups = useQuery(facilitatorGroupsQuery);
  const members = useQuery(groupMembersQuery(gid));
  const meetings = useQuery(groupMeetingsQuery(gid));
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
      <h2>RSVPs and attendance</h2>
      <QueryState query={meetings} label="Loading meetings…">
        {(list) => <AttendanceTable meetings={list} zone={timeZone} />}
      </QueryState>
    </section>
  );
}
