"""A group's meeting series: weekly wall-clock time in its anchor zone.

Meeting k (1-based) is on the first meeting's local date plus 7·(k-1) days at
the group's local time in the anchor zone, converted to an instant per date.
So a group meeting at 18:00 in Europe/London meets at 18:00 London time on
both sides of a daylight-saving change, and the UTC instant moves instead.

Rows in `meetings` are updated in place (same id) when the time changes, so
reminders and attendances keyed by meeting follow the move. Meetings that
already started are history and never move.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, delete, select, update

from roundtable.db.tables import cohorts, groups, meetings


class SeriesError(ValueError):
    """A group's weekly time cannot produce meetings (bad zone, weekday or length)."""


@dataclass(frozen=True)
class WeeklySlot:
    """Where a group's weekly meeting sits: weekday and local time in a named zone."""

    anchor_timezone: str
    weekday: int  # 0 = Monday
    local_time: time
    meeting_minutes: int
    first_meeting_at: datetime  # the series starts on the first `weekday` on/after this

    @classmethod
    def from_row(cls, row: Any) -> WeeklySlot:
        """The slot of a `groups` row (mapping or Row)."""
        return cls(
            row.anchor_timezone,
            row.weekday,
            row.local_time,
            row.meeting_minutes,
            row.first_meeting_at,
        )

    @property
    def zone(self) -> ZoneInfo:
        try:
            return ZoneInfo(self.anchor_timezone)
        except (KeyError, ValueError) as exc:
            raise SeriesError(f"unknown anchor time zone {self.anchor_timezone!r}") from exc


@dataclass(frozen=True)
class Occurrence:
    number: int
    starts_at: datetime  # aware, UTC
    ends_at: datetime


def first_local_date(slot: WeeklySlot) -> date:
    """The local date of meeting 1: the slot's weekday on or after first_meeting_at."""
    if not 0 <= slot.weekday <= 6:
        raise SeriesError(f"weekday must be 0 (Monday) to 6 (Sunday), got {slot.weekday}")
    if slot.first_meeting_at.tzinfo is None:
        raise SeriesError(f"first_meeting_at must carry a zone, got {slot.first_meeting_at}")
    local = slot.first_meeting_at.astimezone(slot.zone).date()
    return local + timedelta(days=(slot.weekday - local.weekday()) % 7)


def local_start(slot: WeeklySlot, number: int = 1) -> datetime:
    """Meeting `number`'s start as an aware datetime in the anchor zone.

    A local time that does not exist on that date (inside a spring-forward
    gap) resolves with the offset before the gap, as RFC 5545 does.
    """
    day = first_local_date(slot) + timedelta(weeks=number - 1)
    return datetime.combine(day, slot.local_time, tzinfo=slot.zone)


def occurrences(slot: WeeklySlot, count: int) -> list[Occurrence]:
    """Every meeting of the series, numbered from 1, as UTC instants."""
    if slot.meeting_minutes <= 0:
        raise SeriesError(f"meeting_minutes must be positive, got {slot.meeting_minutes}")
    length = timedelta(minutes=slot.meeting_minutes)
    result = []
    for number in range(1, count + 1):
        start = local_start(slot, number).astimezone(UTC)
        result.append(Occurrence(number, start, start + length))
    return result


@dataclass
class MeetingChanges:
    created: int = 0
    moved: int = 0
    removed: int = 0
    kept_past: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.moved or self.removed)


def write_meetings(conn: Connection, group_id: int, *, now: datetime) -> MeetingChanges:
    """Make the group's `meetings` rows match its series; past meetings stay as they were."""
    row = conn.execute(
        select(groups, cohorts.c.number_of_meetings)
        .join(cohorts, cohorts.c.id == groups.c.cohort_id)
        .where(groups.c.id == group_id)
    ).one()
    wanted = {o.number: o for o in occurrences(WeeklySlot.from_row(row), row.number_of_meetings)}
    existing = {
        m.meeting_number: m
        for m in conn.execute(select(meetings).where(meetings.c.group_id == group_id))
    }
    changes = MeetingChanges()
    for number, occurrence in wanted.items():
        _write_one(conn, row, occurrence, existing.get(number), now, changes)
    for number, meeting in existing.items():
        if number not in wanted and meeting.starts_at > now:
            conn.execute(delete(meetings).where(meetings.c.id == meeting.id))
            changes.removed += 1
    return changes


def _write_one(
    conn: Connection,
    group: Any,
    occurrence: Occurrence,
    meeting: Any,
    now: datetime,
    changes: MeetingChanges,
) -> None:
    times = {"starts_at": occurrence.starts_at, "ends_at": occurrence.ends_at}
    if meeting is None:
        conn.execute(
            meetings.insert().values(
                group_id=group.id,
                cohort_id=group.cohort_id,
                meeting_number=occurrence.number,
                **times,
            )
        )
        changes.created += 1
    elif (meeting.starts_at, meeting.ends_at) == (occurrence.starts_at, occurrence.ends_at):
        return
    elif meeting.starts_at <= now:
        changes.kept_past += 1  # it happened (or is happening) at its old time
    else:
        conn.execute(update(meetings).where(meetings.c.id == meeting.id).values(**times))
        changes.moved += 1
