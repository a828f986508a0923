import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link } from "react-router";
import type { MeetingPublic, MyGroupPublic, RsvpUpdate } from "../client/schema";
import { myGroupsQuery, openCohortsQuery, rsvp } from "../api/cohorts";
import { ErrorMessage, QueryState } from "../components/Feedback/Feedback";
import { JoinableGroups } from "../components/Groups/JoinableGroups";
import { GuestVisits } from "../components/Groups/GuestVisits";
import { OpenFeedback } from "../components/MeetingFeedback/OpenFeedback";
import { useMe } from "../hooks/useMe";
import { buildIcs } from "../lib/ics";
import { formatDateTime, formatWeeklySlot } from "../lib/time";

type RsvpStatus = RsvpUpdate["status"];
const VENUE_NAMES: Record<MyGroupPublic["meeting_venue"], string> = {
  discord: "Discord",
  google_meet: "Google Meet",
  zoom: "Zoom",
};
const RSVP_LABELS: Record<RsvpStatus, string> = { attending: "Going", tentative: "Maybe", not_attending: "Can't go" };

function RsvpButtons({ meeting }: { meeting: MeetingPublic }) {
  const queryClient = useQueryClient();
  const change = useMutation({
    mutationFn: (status: RsvpStatus) => rsvp(meeting.id, status),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: myGroupsQuery.queryKey }),
  });
  return (
    <div className="rsvp" role="group" aria-label={`Your answer for meeting ${meeting.number}`}>
      {(Object.keys(RSVP_LABELS) as RsvpStatus[]).map((status) => (
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

function calendarHref(group: MyGroupPublic): string {
  const ics = buildIcs(
    group.next_meetings.map((m) => ({
      uid: `roundtable-meeting-${m.id}`,
      start: m.starts_at,
      end: m.ends_at,
      title: `${group.name} (meeting ${m.number})`,
      url: group.discord_channel_url ?? undefined,
    })),
  );
  return `data:text/calendar;charset=utf-8,${encodeURIComponent(ics)}`;
}

function GroupCard({ group, zone }: { group: MyGroupPublic; zone: string }) {
  const { weekly_time: weekly } = group;
  const facilitators = group.members.filter((m) => m.role === "facilitator");
  const learners = group.members.filter((m) => m.role !== "facilitator");
  const next = group.next_meetings[0];
  return (
    <article className="card group-card" aria-labelledby={`group-${group.id}`}>
      <h2 id={`group-${group.id}`}>{group.name}</h2>
      <p className="muted">
        {group.cohort_name}
        {group.status === "preview" && " · not published yet"}
      </p>
      <p className="weekly-time">
        Every <strong>{weekly.local.label}</strong> for {group.meeting_minutes} minutes, your time ({weekly.timezone})
      </p>
      <p className="hint">
        The group's time is fixed at {weekly.anchor_label}
        {next && <> · {formatWeeklySlot(new Date(next.starts_at), group.meeting_minutes, "UTC")} UTC</>}.
      </p>
      {(weekly.shifts || weekly.note) && (
        <div className="notice" role="note">
          <strong>Daylight saving:</strong> {weekly.note}
          {weekly.changes.length > 0 && (
            <ul>
              {weekly.changes.map((c) => (
                <li key={c.meeting_number}>
                  From meeting {c.meeting_number} ({c.local_date}): {c.local.label} your time
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      <div className="row">
        {group.join_url && (
          <a className="button" href={group.join_url} target="_blank" rel="noreferrer">
            Join the meeting ({VENUE_NAMES[group.meeting_venue]})
          </a>
        )}
        {group.discord_channel_url && (
          <a className={group.join_url ? "button secondary" : "button"} href={group.discord_channel_url}>
            Open the Discord channel
          </a>
        )}
        {group.discord_invite_url && (
          <a className="button secondary" href={group.discord_invite_url}>
            Join the group's Discord server
          </a>
        )}
        {group.next_meetings.length > 0 && (
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
        <ul>
          {facilitators.map((m) => (
            <li key={m.user_id}>{m.display_name}</li>
          ))}
        </ul>
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
      {group.next_meetings.length === 0 ? (
        <p className="muted">No upcoming meetings yet.</p>
      ) : (
        <ol className="meetings">
          {group.next_meetings.map((m) => (
            <li key={m.id}>
              <span>
                Meeting {m.number}: <strong>{formatDateTime(m.starts_at, zone)}</strong>
              </span>
              <RsvpButtons meeting={m} />
            </li>
          ))}
        </ol>
      )}
      {next && group.my_role === "learner" && group.status === "active" && <GuestVisits meetingId={next.id} />}
    </article>
  );
}

export function MyGroupPage() {
  const { timeZone } = useMe();
  const groups = useQuery(myGroupsQuery);
  const cohorts = useQuery(openCohortsQuery);
  // Learners of cohorts whose groups exist can join one (late) or switch.
  const joinable = (cohorts.data ?? []).filter((c) => c.my_role === "learner" && c.has_groups);
  return (
    <section>
      <h1>My group</h1>
      <OpenFeedback />
      <QueryState query={groups} label="Loading your group…">
        {(list) => (
          <>
            {list.length === 0 && (
              <div className="notice">
                <p>
                  {joinable.length
                    ? "You are not in a group yet: the groups below still have room."
                    : "You are not in a group yet. Groups are formed after enrollment closes."}
                </p>
                <Link to="/enroll">Enroll or update your availability</Link>
              </div>
            )}
            {list.map((g) => (
              <GroupCard key={g.id} group={g} zone={timeZone} />
            ))}
            {joinable.map((c) => (
              <JoinableGroups
                key={c.id}
                cohortId={c.id}
                cohortName={c.name}
                inGroup={list.some((g) => g.cohort_id === c.id && g.my_role === "learner")}
              />
            ))}
          </>
        )}
      </QueryState>
    </section>
  );
}
