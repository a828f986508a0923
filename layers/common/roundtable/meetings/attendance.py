"""RSVPs and check-ins: one `attendances` row per (meeting, user).

Check-in replaces the predecessor's voice-channel attendance (which needed a
gateway connection): a member checks in from 15 minutes before a meeting's
start to 60 minutes after it. Unlike the predecessor, a check-in is recorded
even when an RSVP row already exists for that meeting.

`rsvp` and `check_in` are the use cases every door calls (the web routes and
the Discord buttons and commands), so both refuse the same things in the same
words. Calendar answers arrive through `roundtable.sync.rsvps`.

Who may answer for and check in at a meeting is decided in one place,
`may_attend`: an active member of its group, or a learner booked into it as a
guest (`roundtable.meetings.guests`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, exists, func, or_, select
from sqlalchemy.dialects.postgresql import insert

from roundtable.db.tables import attendances, group_members, groups, guest_visits, meetings
from roundtable.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from roundtable.people.profiles import Viewer

CHECK_IN_OPENS_BEFORE = timedelta(minutes=15)
CHECK_IN_CLOSES_AFTER = timedelta(minutes=60)
MEMBER_ANSWERS = ("attending", "not_attending", "tentative")  # "pending" is no answer
RSVP_SOURCES = ("calendar", "discord", "web")


@dataclass(frozen=True)
class CheckIn:
    """The outcome of a check-in."""

    meeting_id: int
    group_id: int
    group_name: str
    meeting_number: int
    starts_at: datetime
    checked_in_at: datetime
    already_checked_in: bool


@dataclass(frozen=True)
class Rsvp:
    """A member's stored answer for one meeting, with what a door needs to show it."""

    meeting_id: int
    group_id: int
    group_name: str
    meeting_number: int
    starts_at: datetime
    ends_at: datetime
    user_id: int
    status: str
    source: str
    rsvp_at: datetime


def rsvp(
    conn: Connection, viewer: Viewer, meeting_id: int, answer: str, source: str, now: datetime
) -> Rsvp:
    """Say whether I will come to one of my group's meetings (any door: web, Discord).

    Refused when the meeting does not exist (NotFoundError), when I am not an
    active member of its group (PermissionDeniedError) or when it is over
    (ConflictError). A booked guest of the meeting answers like a member. A second
    answer replaces the first.
    """
    if answer not in MEMBER_ANSWERS:
        raise ValidationError(
            f"An RSVP is one of {', '.join(MEMBER_ANSWERS)}, got {answer!r}.", field="status"
        )
    if source not in RSVP_SOURCES:
        raise ValidationError(
            f"RSVP source must be one of {', '.join(RSVP_SOURCES)}, got {source!r}", field="source"
        )
    meeting = conn.execute(
        select(
            meetings.c.id,
            meetings.c.group_id,
            meetings.c.meeting_number,
            meetings.c.starts_at,
            meetings.c.ends_at,
            groups.c.name,
        )
        .join(groups, groups.c.id == meetings.c.group_id)
        .where(meetings.c.id == meeting_id)
    ).first()
    if meeting is None:
        raise NotFoundError(f"Meeting {meeting_id} does not exist.", field="meeting_id")
    if not may_attend(conn, meeting.id, viewer.id):
        raise PermissionDeniedError(
            f"Only members of {meeting.name} (and its booked guests) can answer for its meetings."
        )
    if meeting.ends_at <= now:
        raise ConflictError(
            f"This meeting is over ({meeting.name}, meeting {meeting.meeting_number}); "
            "RSVPs are closed."
        )
    values = {"rsvp": answer, "rsvp_at": now, "rsvp_source": source}
    stored = conn.execute(
        insert(attendances)
        .values(meeting_id=meeting_id, user_id=viewer.id, **values)
        .on_conflict_do_update(index_elements=["meeting_id", "user_id"], set_=values)
        .returning(attendances.c.rsvp, attendances.c.rsvp_source, attendances.c.rsvp_at)
    ).one()
    return Rsvp(
        meeting_id=meeting.id,
        group_id=meeting.group_id,
        group_name=meeting.name,
        meeting_number=meeting.meeting_number,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        user_id=viewer.id,
        status=stored.rsvp,
        source=stored.rsvp_source,
        rsvp_at=stored.rsvp_at,
    )


def check_in(conn: Connection, viewer: Viewer, now: datetime) -> CheckIn:
    """Record that I am at my group's meeting happening around `now` (any door).

    Raises ConflictError, naming the next meeting, outside every check-in window.
    """
    if now.tzinfo is None:
        raise ValidationError(f"check-in time must carry a time zone, got {now!r}", field="now")
    meeting = _meeting_open_for_check_in(conn, viewer.id, now)
    if meeting is None:
        raise ConflictError(_no_meeting_message(conn, viewer.id, now))
    statement = (
        insert(attendances)
        .values(meeting_id=meeting.id, user_id=viewer.id, checked_in_at=now)
        # Keep the first check-in time; an RSVP-only row gets its check-in added.
        .on_conflict_do_update(
            index_elements=["meeting_id", "user_id"],
            set_={"checked_in_at": func.coalesce(attendances.c.checked_in_at, now)},
        )
        .returning(attendances.c.checked_in_at)
    )
    checked_in_at = conn.execute(statement).scalar_one()
    return CheckIn(
        meeting_id=meeting.id,
        group_id=meeting.group_id,
        group_name=meeting.name,
        meeting_number=meeting.meeting_number,
        starts_at=meeting.starts_at,
        checked_in_at=checked_in_at,
        already_checked_in=checked_in_at != now,
    )


def is_active_member(conn: Connection, group_id: int, user_id: int) -> bool:
    """Whether the user is an active member (learner or facilitator) of the group."""
    found = conn.scalar(
        select(group_members.c.id).where(
            group_members.c.group_id == group_id,
            group_members.c.user_id == user_id,
            group_members.c.status == "active",
        )
    )
    return found is not None


def may_attend(conn: Connection, meeting_id: int, user_id: int) -> bool:
    """Whether the user may RSVP to and check in at the meeting: a member or a booked guest."""
    found = conn.scalar(select(meetings.c.id).where(meetings.c.id == meeting_id, attends(user_id)))
    return found is not None


def attends(user_id: int) -> ColumnElement[bool]:
    """The condition on `meetings` that `may_attend` checks, usable in a query of meetings."""
    member = exists().where(
        group_members.c.group_id == meetings.c.group_id,
        group_members.c.user_id == user_id,
        group_members.c.status == "active",
    )
    guest = exists().where(
        guest_visits.c.host_meeting_id == meetings.c.id,
        guest_visits.c.user_id == user_id,
        guest_visits.c.status == "booked",
    )
    return or_(member, guest)


def _my_meetings(user_id: int) -> Any:
    return (
        select(
            meetings.c.id,
            meetings.c.group_id,
            meetings.c.meeting_number,
            meetings.c.starts_at,
            groups.c.name,
        )
        .join(groups, groups.c.id == meetings.c.group_id)
        .where(attends(user_id))
    )


def _meeting_open_for_check_in(conn: Connection, user_id: int, now: datetime) -> Any:
    window = _my_meetings(user_id).where(
        meetings.c.starts_at <= now + CHECK_IN_OPENS_BEFORE,
        meetings.c.starts_at >= now - CHECK_IN_CLOSES_AFTER,
    )
    # Two overlapping windows (two groups): the meeting whose start is nearest.
    nearest = func.abs(func.extract("epoch", meetings.c.starts_at - now))
    return conn.execute(window.order_by(nearest).limit(1)).first()


def _no_meeting_message(conn: Connection, user_id: int, now: datetime) -> str:
    upcoming = conn.execute(
        _my_meetings(user_id)
        .where(meetings.c.starts_at > now)
        .order_by(meetings.c.starts_at)
        .limit(1)
    ).first()
    rule = "Check-in opens 15 minutes before a meeting starts and closes 60 minutes after."
    if upcoming is None:
        return f"You have no meeting to check in to right now, and none coming up. {rule}"
    return (
        f"You have no meeting to check in to right now. {rule} Your next meeting "
        f"({upcoming.name}, meeting {upcoming.meeting_number}) starts at "
        f"{upcoming.starts_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC."
    )
