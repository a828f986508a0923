"""A group's weekly time, shown in each viewer's own zone.

A group meets at a wall-clock time on a weekday in its anchor zone, so the
instants move with the anchor's daylight saving. A viewer in a zone that
changes clocks on other dates sees their local time shift for part of the
series; `describe_series` says so, with the dates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from roundtable.people.availability import DAY_NAMES


@lru_cache(maxsize=256)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def weekly_time_in(
    weekday: int, minute: int, from_zone: str, to_zone: str, reference: datetime
) -> tuple[int, int]:
    """Where a weekly wall-clock time (weekday 0 = Monday, minute of the day) in
    `from_zone` falls in `to_zone`, on the week of `reference` (it can differ across a
    daylight-saving change): (weekday, minute of the day)."""
    seen = reference.astimezone(zone(from_zone))
    day = seen.date() + timedelta(days=weekday - seen.weekday())
    local = datetime.combine(day, time()) + timedelta(minutes=minute)
    there = local.replace(tzinfo=zone(from_zone)).astimezone(zone(to_zone))
    return there.weekday(), there.hour * 60 + there.minute


@dataclass(frozen=True)
class WeeklySlot:
    """A weekly meeting time: weekday (0 = Monday) and wall-clock time in the anchor zone."""

    anchor_timezone: str
    weekday: int
    local_time: time
    meeting_minutes: int

    def label(self) -> str:
        """'Tuesday 18:30 (Europe/London)'."""
        return f"{DAY_NAMES[self.weekday]} {self.local_time:%H:%M} ({self.anchor_timezone})"


@dataclass(frozen=True)
class LocalTime:
    """One instant as a viewer sees it."""

    weekday: int
    weekday_name: str
    time: str
    zone_abbreviation: str
    label: str


@dataclass(frozen=True)
class SeriesChange:
    """From this meeting on, the viewer's local time is `local`."""

    meeting_number: int
    local_date: date
    local: LocalTime


@dataclass(frozen=True)
class WeeklyTimeView:
    timezone: str  # the viewer's
    anchor_timezone: str  # the group's: its wall-clock time is kept in this zone
    anchor_label: str
    local: LocalTime
    shifts: bool
    changes: list[SeriesChange]
    note: str | None


def first_meeting_at(slot: WeeklySlot, on_or_after: date) -> datetime:
    """The first meeting of the slot on or after a date (in the anchor zone), as UTC."""
    first = on_or_after + timedelta(days=(slot.weekday - on_or_after.weekday()) % 7)
    return datetime.combine(first, slot.local_time, zone(slot.anchor_timezone)).astimezone(UTC)


def series_starts(slot: WeeklySlot, first_meeting: datetime, count: int) -> list[datetime]:
    """Every meeting start of a weekly series, as UTC, following the anchor's clock."""
    anchor = zone(slot.anchor_timezone)
    first_date = first_meeting.astimezone(anchor).date()
    return [
        datetime.combine(first_date + timedelta(weeks=k), slot.local_time, anchor).astimezone(UTC)
        for k in range(count)
    ]


def series_intervals(
    slot: WeeklySlot, first_meeting: datetime, count: int
) -> list[tuple[datetime, datetime]]:
    """(start, end) of every meeting of the series."""
    length = timedelta(minutes=slot.meeting_minutes)
    return [(start, start + length) for start in series_starts(slot, first_meeting, count)]


def local_time(moment: datetime, zone_name: str) -> LocalTime:
    """How the instant reads in a zone: 'Tuesday 19:00 CET'."""
    local = moment.astimezone(zone(zone_name))
    abbreviation = local.tzname() or zone_name
    clock = f"{local:%H:%M}"
    name = DAY_NAMES[local.weekday()]
    return LocalTime(local.weekday(), name, clock, abbreviation, f"{name} {clock} {abbreviation}")


def format_moment(moment: datetime, zone_name: str) -> str:
    """'Tue 3 Mar 2026, 19:00 CET' in the given zone."""
    local = moment.astimezone(zone(zone_name))
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M} {local.tzname()}"


def describe_series(
    starts: Sequence[datetime], viewer_zone: str, slot: WeeklySlot, now: datetime
) -> WeeklyTimeView:
    """The weekly time in the viewer's zone, flagging shifts across the series."""
    if not starts:
        starts = [first_meeting_at(slot, now.date())]
    changes = _changes(starts, viewer_zone)
    upcoming = next((s for s in starts if s >= now), starts[-1])
    shifts = len(changes) > 1
    return WeeklyTimeView(
        timezone=viewer_zone,
        anchor_timezone=slot.anchor_timezone,
        anchor_label=slot.label(),
        local=local_time(upcoming, viewer_zone),
        shifts=shifts,
        changes=changes if shifts else [],
        note=_shift_note(changes, viewer_zone, slot) if shifts else None,
    )


def _changes(starts: Sequence[datetime], viewer_zone: str) -> list[SeriesChange]:
    changes: list[SeriesChange] = []
    for number, start in enumerate(starts, start=1):
        local = local_time(start, viewer_zone)
        previous = changes[-1].local if changes else None
        if previous is None or (previous.weekday, previous.time) != (local.weekday, local.time):
            local_date = start.astimezone(zone(viewer_zone)).date()
            changes.append(SeriesChange(number, local_date, local))
    return changes


def _shift_note(changes: list[SeriesChange], viewer_zone: str, slot: WeeklySlot) -> str:
    steps = [f"{c.local.label} from {c.local_date:%-d %b}" for c in changes]
    return (
        f"Daylight saving changes on different dates in {viewer_zone} and "
        f"{slot.anchor_timezone}, so your local meeting time shifts: " + ", then ".join(steps)
    )
