"""Groups as learners see them: my group, joinable groups, joining and switching."""

from __future__ import annotations

import base64
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, func, select

from roundtable.config import Settings
from roundtable.db.tables import (
    attendances,
    cohorts,
    discord_servers,
    group_members,
    groups,
    meetings,
    signups,
    users,
)
from roundtable.errors import ConflictError, NotFoundError
from roundtable.groups.memberships import Placement, count_active_members, place_learner
from roundtable.meetings.times import (
    WeeklySlot,
    WeeklyTimeView,
    describe_series,
    format_moment,
    series_starts,
)
from roundtable.people.availability import load_availability, missed_meetings
from roundtable.people.profiles import Viewer, avatar_url
from roundtable.venues.choice import group_venues

PUBLISHED = ("active", "completed")


@dataclass(frozen=True)
class Member:
    user_id: int
    display_name: str
    role: str
    avatar_url: str | None


@dataclass(frozen=True)
class MeetingView:
    id: int
    number: int
    starts_at: datetime
    ends_at: datetime
    local_label: str
    my_rsvp: str | None


@dataclass(frozen=True)
class MyGroup:
    id: int
    name: str
    status: str
    cohort_id: int
    cohort_name: str
    course_slug: str
    my_role: str
    meeting_minutes: int
    weekly_time: WeeklyTimeView
    members: list[Member]
    next_meetings: list[MeetingView]  # not yet over, soonest first
    discord_channel_id: str | None
    discord_channel_url: str | None  # None until the guild is configured
    calendar_url: str | None
    # The group's Discord server's invite (discord_servers.invite_url), when one is set.
    discord_invite_url: str | None = None
    # Where the group meets (cohorts.options.MEETING_VENUES) and, for Zoom or Meet, the
    # link that joins its next meeting (roundtable.venues.choice).
    meeting_venue: str = "discord"
    join_url: str | None = None


@dataclass(frozen=True)
class NextMeeting:
    """My soonest meeting not yet over, across my groups, with my RSVP."""

    group_id: int
    group_name: str
    cohort_name: str
    meeting: MeetingView


@dataclass(frozen=True)
class JoinableGroup:
    id: int
    name: str
    member_count: int
    capacity: int
    spots_left: int
    weekly_time: WeeklyTimeView
    first_meeting_at: datetime
    has_started: bool
    is_current: bool
    fits_my_availability: bool | None
    meetings_i_would_miss: int
    facilitator_names: list[str]


def slot_of(group: Any) -> WeeklySlot:
    """The group row's weekly time."""
    return WeeklySlot(group.anchor_timezone, group.weekday, group.local_time, group.meeting_minutes)


def meeting_intervals(conn: Connection, group: Any, count: int) -> list[tuple[datetime, datetime]]:
    """The group's meetings: the stored rows once published, else its planned weekly series."""
    rows = conn.execute(
        select(meetings.c.starts_at, meetings.c.ends_at)
        .where(meetings.c.group_id == group.id)
        .order_by(meetings.c.meeting_number)
    ).all()
    if rows:
        return [(row.starts_at, row.ends_at) for row in rows]
    length = timedelta(minutes=group.meeting_minutes)
    return [(s, s + length) for s in series_starts(slot_of(group), group.first_meeting_at, count)]


def list_members(conn: Connection, group_id: int) -> list[Member]:
    """Active members, facilitators first."""
    rows = conn.execute(
        select(
            users.c.id,
            users.c.display_name,
            users.c.discord_id,
            users.c.discord_avatar,
            group_members.c.role,
        )
        .join(group_members, group_members.c.user_id == users.c.id)
        .where(group_members.c.group_id == group_id, group_members.c.status == "active")
        .order_by(group_members.c.role.desc(), users.c.display_name)
    )
    return [
        Member(r.id, r.display_name, r.role, avatar_url(r.discord_id, r.discord_avatar))
        for r in rows
    ]


def channel_url(
    settings: Settings, channel_id: str | None, guild_id: str | None = None
) -> str | None:
    """The Discord link to a group's channel on its server (`guild_id`, the group's;
    None: DISCORD_GUILD_ID); None until a server is configured."""
    guild_id = guild_id or settings.discord_guild_id
    if not (guild_id and channel_id):
        return None
    return f"https://discord.com/channels/{guild_id}/{channel_id}"


def _calendar_url(settings: Settings, event_id: str | None) -> str | None:
    # Google's event links carry base64("<event id> <organiser calendar>").
    calendar = settings.google_calendar_id
    if calendar == "primary":
        calendar = settings.google_delegated_user or ""
    if not (event_id and calendar):
        return None
    eid = base64.urlsafe_b64encode(f"{event_id} {calendar}".encode()).decode().rstrip("=")
    return f"https://calendar.google.com/calendar/event?eid={eid}"


def my_groups(conn: Connection, viewer: Viewer, settings: Settings, now: datetime) -> list[MyGroup]:
    """The published groups I am an active member of, with times in my zone."""
    rows = conn.execute(
        select(
            groups,
            cohorts.c.name.label("cohort_name"),
            cohorts.c.course_slug,
            cohorts.c.number_of_meetings,
            group_members.c.role.label("my_role"),
            discord_servers.c.invite_url,
        )
        .join(group_members, group_members.c.group_id == groups.c.id)
        .join(cohorts, cohorts.c.id == groups.c.cohort_id)
        .outerjoin(
            discord_servers,
            discord_servers.c.guild_id
            == func.coalesce(groups.c.discord_guild_id, settings.discord_guild_id),
        )
        .where(
            group_members.c.user_id == viewer.id,
            group_members.c.status == "active",
            groups.c.status.in_(PUBLISHED),
        )
        .order_by(groups.c.first_meeting_at)
    ).all()
    venues = group_venues(conn, [row.id for row in rows], now)
    return [
        replace(
            _my_group(conn, viewer, settings, row, now),
            meeting_venue=venues[row.id].kind,
            join_url=venues[row.id].join_url,
        )
        for row in rows
    ]


def _my_group(
    conn: Connection, viewer: Viewer, settings: Settings, row: Any, now: datetime
) -> MyGroup:
    series = _meetings_with_rsvp(conn, row.id, viewer)
    starts = [m.starts_at for m in series]
    if not starts:  # published but not yet realised: the planned series
        starts = [s for s, _ in meeting_intervals(conn, row, row.number_of_meetings)]
    return MyGroup(
        id=row.id,
        name=row.name,
        status=row.status,
        cohort_id=row.cohort_id,
        cohort_name=row.cohort_name,
        course_slug=row.course_slug,
        my_role=row.my_role,
        meeting_minutes=row.meeting_minutes,
        weekly_time=describe_series(starts, viewer.timezone, slot_of(row), now),
        members=list_members(conn, row.id),
        next_meetings=[m for m in series if m.ends_at > now],
        discord_channel_id=row.discord_text_channel_id,
        discord_channel_url=channel_url(
            settings, row.discord_text_channel_id, row.discord_guild_id
        ),
        discord_invite_url=row.invite_url,
        calendar_url=_calendar_url(settings, row.gcal_event_id),
    )


def _meetings_with_rsvp(conn: Connection, group_id: int, viewer: Viewer) -> list[MeetingView]:
    rows = conn.execute(
        _meetings_and_my_rsvp(viewer)
        .where(meetings.c.group_id == group_id)
        .order_by(meetings.c.meeting_number)
    )
    return [_meeting_view(r, viewer) for r in rows]


def _meetings_and_my_rsvp(viewer: Viewer) -> Any:
    mine = and_(attendances.c.meeting_id == meetings.c.id, attendances.c.user_id == viewer.id)
    return select(meetings, attendances.c.rsvp).select_from(meetings.outerjoin(attendances, mine))


def _meeting_view(row: Any, viewer: Viewer) -> MeetingView:
    return MeetingView(
        row.id,
        row.meeting_number,
        row.starts_at,
        row.ends_at,
        format_moment(row.starts_at, viewer.timezone),
        row.rsvp,
    )


def next_meeting(conn: Connection, viewer: Viewer, now: datetime) -> NextMeeting | None:
    """My soonest meeting not yet over in any of my published groups; None when there is none.

    The same meetings `my_groups` lists: a meeting still running counts (I can still check in).
    """
    row = conn.execute(
        _meetings_and_my_rsvp(viewer)
        .add_columns(groups.c.name.label("group_name"), cohorts.c.name.label("cohort_name"))
        .join(groups, groups.c.id == meetings.c.group_id)
        .join(cohorts, cohorts.c.id == groups.c.cohort_id)
        .join(
            group_members,
            and_(
                group_members.c.group_id == groups.c.id,
                group_members.c.user_id == viewer.id,
                group_members.c.status == "active",
            ),
        )
        .where(groups.c.status.in_(PUBLISHED), meetings.c.ends_at > now)
        .order_by(meetings.c.starts_at, meetings.c.id)
        .limit(1)
    ).first()
    if row is None:
        return None
    return NextMeeting(row.group_id, row.group_name, row.cohort_name, _meeting_view(row, viewer))


def joinable_groups(
    conn: Connection, viewer: Viewer, cohort_id: int, now: datetime
) -> list[JoinableGroup]:
    """Published groups of the cohort I could join or switch to, best fits first."""
    cohort = conn.execute(select(cohorts).where(cohorts.c.id == cohort_id)).first()
    if cohort is None:
        raise NotFoundError(f"no cohort {cohort_id}")
    current = conn.scalar(
        select(group_members.c.group_id).where(
            group_members.c.user_id == viewer.id,
            group_members.c.cohort_id == cohort_id,
            group_members.c.role == "learner",
            group_members.c.status == "active",
        )
    )
    mine = load_availability(conn, [viewer.id])[viewer.id]
    rows = conn.execute(
        select(groups).where(groups.c.cohort_id == cohort_id, groups.c.status == "active")
    ).all()
    found = []
    for row in rows:
        option = _joinable(conn, viewer, cohort, row, current, mine, now)
        if option is not None:
            found.append(option)
    return sorted(
        found,
        key=lambda g: (not g.is_current, g.fits_my_availability is False, g.member_count, g.name),
    )


def _joinable(
    conn: Connection,
    viewer: Viewer,
    cohort: Any,
    row: Any,
    current: int | None,
    mine: list[Any],
    now: datetime,
) -> JoinableGroup | None:
    intervals = meeting_intervals(conn, row, cohort.number_of_meetings)
    has_started = bool(intervals) and intervals[0][0] <= now
    count = count_active_members(conn, row.id)
    is_current = row.id == current
    if not is_current and (count >= cohort.max_group_size or (has_started and current is None)):
        return None
    remaining = [(s, e) for s, e in intervals if s >= now]
    missed = missed_meetings(mine, viewer.timezone, remaining) if mine else []
    members = list_members(conn, row.id)
    return JoinableGroup(
        id=row.id,
        name=row.name,
        member_count=count,
        capacity=cohort.max_group_size,
        spots_left=max(0, cohort.max_group_size - count),
        weekly_time=describe_series([s for s, _ in intervals], viewer.timezone, slot_of(row), now),
        first_meeting_at=intervals[0][0] if intervals else row.first_meeting_at,
        has_started=has_started,
        is_current=is_current,
        fits_my_availability=(not missed) if mine else None,
        meetings_i_would_miss=len(missed),
        facilitator_names=[m.display_name for m in members if m.role == "facilitator"],
    )


def join_group(conn: Connection, viewer: Viewer, group_id: int, now: datetime) -> Placement:
    """Join a published group as a learner, or switch to it (leaving the old one)."""
    group = conn.execute(
        select(
            groups,
            cohorts.c.max_group_size,
            cohorts.c.name.label("cohort_name"),
            cohorts.c.number_of_meetings,
        )
        .join(cohorts, cohorts.c.id == groups.c.cohort_id)
        .where(groups.c.id == group_id)
        .with_for_update(of=groups)  # joins to one group queue here: capacity holds
    ).first()
    if group is None or group.status != "active":
        raise NotFoundError(f"no open group {group_id}", field="group_id")
    role = conn.scalar(
        select(signups.c.role).where(
            signups.c.user_id == viewer.id,
            signups.c.cohort_id == group.cohort_id,
            signups.c.withdrawn_at.is_(None),
        )
    )
    if role is None:
        raise ConflictError(
            f"enroll in {group.cohort_name} before joining a group", field="group_id"
        )
    if role != "learner":
        raise ConflictError("facilitators are placed in groups by admins", field="group_id")
    _check_room(conn, viewer, group, now)
    return place_learner(
        conn,
        viewer.id,
        group_id,
        group.cohort_id,
        now,
        reason=f"switched to group {group_id}",
        created_by=viewer.id,
    )


def _check_room(conn: Connection, viewer: Viewer, group: Any, now: datetime) -> None:
    current = conn.scalar(
        select(group_members.c.group_id).where(
            group_members.c.user_id == viewer.id,
            group_members.c.cohort_id == group.cohort_id,
            group_members.c.role == "learner",
            group_members.c.status == "active",
        )
    )
    if current == group.id:
        return
    count = count_active_members(conn, group.id)
    if count >= group.max_group_size:
        raise ConflictError(
            f"{group.name} is full ({count} of {group.max_group_size})", field="group_id"
        )
    first = meeting_intervals(conn, group, group.number_of_meetings)[0][0]
    if current is None and first <= now:
        raise ConflictError(
            f"{group.name} started on {first:%-d %b}; newcomers join groups that have not "
            "started yet",
            field="group_id",
        )
