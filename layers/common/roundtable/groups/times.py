"""Moving a published group's weekly time: only the meetings still to come move.

Meetings that started are history and keep their time and number. The rest
take the new weekday and local time from the first such moment after now (and
after the last meeting held), numbered on from the meetings held. The series is
stored as a weekly slot plus `first_meeting_at`, so the slot's meeting 1 is
placed as many weeks before that moment as meetings were held: the calendar's
recurring event and `meetings` rows then agree on every meeting still to come.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, select

from roundtable.db.tables import meetings, users
from roundtable.errors import ConflictError
from roundtable.groups.learners import list_members
from roundtable.meetings.times import format_moment
from roundtable.people.availability import load_availability
from roundtable.scheduling.feasibility import missed_meetings
from roundtable.sync.series import WeeklySlot, occurrences, write_meetings


@dataclass(frozen=True)
class NewTime:
    """A validated weekly time for a published group, and the meetings it gives."""

    values: dict[str, Any]  # anchor_timezone, weekday, local_time, first_meeting_at
    remaining: list[datetime]  # starts of the meetings still to come, at the new time


def plan_published_time(
    conn: Connection, group: Any, anchor: str, weekday: int, local: time, now: datetime
) -> NewTime:
    """The new slot for a published group, its meetings still to come from `now`."""
    held = conn.execute(
        select(meetings.c.starts_at, meetings.c.ends_at)
        .where(meetings.c.group_id == group.id, meetings.c.starts_at <= now)
        .order_by(meetings.c.meeting_number)
    ).all()
    if len(held) >= group.number_of_meetings:
        raise ConflictError(
            f"every meeting of {group.name} has started; there is no time left to move",
            field="local_time",
        )
    not_before = max([now, *(row.ends_at for row in held)])
    if not held:  # nothing happened yet: the cohort's start still holds
        start_day = datetime.combine(group.start_date, time(0), ZoneInfo(anchor))
        not_before = max(not_before, start_day)
    first_new = _next_weekly(anchor, weekday, local, not_before)
    slot = WeeklySlot(
        anchor,
        weekday,
        local,
        group.meeting_minutes,
        (first_new - timedelta(weeks=len(held))).astimezone(UTC),
    )
    series = occurrences(slot, group.number_of_meetings)[len(held) :]
    values = {
        "anchor_timezone": anchor,
        "weekday": weekday,
        "local_time": local,
        "first_meeting_at": slot.first_meeting_at,
    }
    return NewTime(values, [o.starts_at for o in series])


def members_who_would_miss(conn: Connection, group: Any, starts: Sequence[datetime]) -> list[str]:
    """One sentence per active member who cannot make every one of these meetings."""
    member_ids = [m.user_id for m in list_members(conn, group.id)]
    if not member_ids or not starts:
        return []
    blocks = load_availability(conn, member_ids)  # if-needed time counts, as for previews
    people = conn.execute(
        select(users.c.id, users.c.display_name, users.c.timezone)
        .where(users.c.id.in_(member_ids))
        .order_by(users.c.display_name)
    ).all()
    problems = []
    for person in people:
        missed = missed_meetings(blocks[person.id], person.timezone, starts, group.meeting_minutes)
        if missed:
            problems.append(
                f"{person.display_name} cannot make {len(missed)} of {len(starts)} remaining "
                f"meetings (first: {format_moment(missed[0], person.timezone)})"
            )
    return problems


def move_future_meetings(
    conn: Connection, group_id: int, now: datetime
) -> list[tuple[int, datetime]]:
    """Rewrite the meetings to the group's slot; (meeting id, previous start) per one moved."""
    before = {
        row.id: row.starts_at
        for row in conn.execute(
            select(meetings.c.id, meetings.c.starts_at).where(
                meetings.c.group_id == group_id, meetings.c.starts_at > now
            )
        )
    }
    write_meetings(conn, group_id, now=now)
    after = conn.execute(
        select(meetings.c.id, meetings.c.starts_at)
        .where(meetings.c.id.in_(before))
        .order_by(meetings.c.starts_at)
    ).all()
    return [(row.id, before[row.id]) for row in after if row.starts_at != before[row.id]]


def _next_weekly(anchor: str, weekday: int, local: time, not_before: datetime) -> datetime:
    """The first `weekday` at `local` in the anchor zone at or after `not_before`."""
    zone = ZoneInfo(anchor)
    day = not_before.astimezone(zone).date()
    day += timedelta(days=(weekday - day.weekday()) % 7)
    moment = datetime.combine(day, local, tzinfo=zone)
    if moment <= not_before:
        moment = datetime.combine(day + timedelta(weeks=1), local, tzinfo=zone)
    return moment
