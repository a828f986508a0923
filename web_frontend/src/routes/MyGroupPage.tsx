import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link } from "react-router";
import { myGroupsQuery, rsvp } from "../api/cohorts";
import type { Meeting, MyGroup } from "../api/types";
import { ErrorMessage, QueryState } from "../components/Feedback/Feedback";
import { useMe } from "../hooks/useMe";
import { buildIcs } from "../lib/ics";
import {
  WEEKDAYS,
  formatDateTime,
  formatMinute,
  formatOffset,
  formatWeeklySlot,
  weeklyTimeShifts,
  zoneOffsetMinutes,
} from "../lib/time";

const RSVP_LABELS = { attending: "Going", tentative: "Maybe", not_attending: "Can't go" } as const;

function RsvpButtons({ meeting }: { meeting: Meeting }) {
  const queryClient = useQueryClient();
  const change = useMutation({
    mutationFn: (status: keyof typeof RSVP_LABELS) => rsvp(meeting.id, status),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: myGroupsQuery.queryKey }),
  });
  return (
    <div className="rsvp" role="group" aria-label={`Your answer for meeting ${meeting.meeting_number}`}>
      {(Object.keys(RSVP_LABELS) as (keyof typeof RSVP_LABELS)[]).map((status) => (
        <button
          key={status}
          type="button"
          className="small secondary"
          aria-pressed={meeting.my_rsvp === status}
          disabled={change.isPending}
          onClick={() => change.mutate(status)}
        >
          {RSVP_LABELS[status]}
        </button>
      ))}
      {change.error && <ErrorMessage error={change.error} />}
    </div>
  );
}

function calendarHref(group: MyGroup): string {
  const ics = buildIcs(
    group.meetings.map((m) => ({
      uid: `roundtable-meeting-${m.id}`,
      start: m.starts_at,
      end: m.ends_at,
      title: `${group.name} (meeting ${m.meeting_number})`,
      url: group.discord_channel_url ?? undefined,
    })),
  );
  return `data:text/calendar;charset=utf-8,${encodeURIComponent(ics)}`;
}

function GroupCard({ group, zone }: { group: MyGroup; zone: string }) {
  const now = Date.now();
  const upcoming = group.meetings.filter((m) => new Date(m.ends_at).getTime() > now);
  const anchor = upcoming[0]?.starts_at ?? group.first_meeting_at;
  const shifts = weeklyTimeShifts(group.meetings.map((m) => m.starts_at), zone);
  const facilitators = group.members.filter((m) => m.role === "facilitator");
  const learners = group.members.filter((m) => m.role !== "facilitator");
  return (
    <article className="card group-card" aria-labelledby={`group-${group.id}`}>
      <h2 id={`group-${group.id}`}>{group.name}</h2>
      <p className="muted">{group.cohort_name}</p>
      <p className="weekly-time">
        <strong>{formatWeeklySlot(new Date(anchor), group.meeting_minutes, zone)}</strong> your time ({zone},{" "}
        {formatOffset(zoneOffsetMinutes(new Date(anchor), zone))})
      </p>
      <p className="hint">
        The group's time is fixed at {WEEKDAYS[group.weekday]} {group.local_time.slice(0, 5)} in {group.anchor_timezone}.
      </p>
      {shifts.length > 0 && (
        <div className="notice" role="note">
          <strong>Daylight saving:</strong>{" "}
          {shifts.map((s) => (
            <span key={s.at}>
              from {formatDateTime(s.at, zone).split(",")[0]} the meeting is at {WEEKDAYS[s.to.weekday]}{" "}
              {formatMinute(s.to.minute)} your time (it was {formatMinute(s.from.minute)}).{" "}
            </span>
          ))}
        </div>
      )}
      <div className="row">
        {group.discord_channel_url && (
          <a className="button" href={group.discord_channel_url}>
            Open the Discord channel
          </a>
        )}
        {group.meetings.length > 0 && (
          <a className="button secondary" href={calendarHref(group)} download={`${group.name}.ics`}>
            Add to calendar (.ics)
          </a>
        )}
        {group.calendar_url && (
          <a className="button secondary" href={group.calendar_url}>
            Open in Google Calendar
          </a>
        )}
        {group.course_slug && (
          <Link className="button secondary" to={`/course/${group.course_slug}`}>
            Course
          </Link>
        )}
      </div>
      <h3>Facilitator</h3>
      {facilitators.length ? (
        <ul>{facilitators.map((m) => <li key={m.user_id}>{m.display_name}</li>)}</ul>
      ) : (
        <p className="muted">Not assigned yet.</p>
      )}
      <h3>Members ({learners.length})</h3>
      <ul className="members">
        {learners.map((m) => (
          <li key={m.user_id}>{m.display_name}</li>
        ))}
      </ul>
      <h3>Next meetings</h3>
      {upcoming.length === 0 ? (
        <p className="muted">No upcoming meetings.</p>
      ) : (
        <ol className="meetings">
          {upcoming.slice(0, 4).map((m) => (
            <li key={m.id}>
              <span>
                Meeting {m.meeting_number}: <strong>{formatDateTime(m.starts_at, zone)}</strong>
              </span>
              <RsvpButtons meeting={m} />
            </li>
          ))}
        </ol>
      )}
    </article>
  );
}

export function MyGroupPage() {
  const { timeZone } = useMe();
  const groups = useQuery(myGroupsQuery);
  return (
    <section>
      <h1>My group</h1>
      <QueryState query={groups} label="Loading your group…">
        {(list) =>
          list.length === 0 ? (
            <div className="notice">
              <p>You are not in a group yet. Groups are formed after enrollment closes.</p>
              <Link to="/enroll">Enroll or update your availability</Link>
            </div>
          ) : (
            list.map((g) => <GroupCard key={g.id} group={g} zone={timeZone} />)
          )
        }
      </QueryState>
    </section>
  );
}
