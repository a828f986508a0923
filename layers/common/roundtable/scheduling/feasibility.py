"""Can someone make every meeting of a series? The scheduler's own test, for other callers.

The same arithmetic the scheduler uses: weekly availability as 15-minute local
cells in the person's zone, and each real meeting (an aware datetime) mapped
to the cells it covers in that zone on that date, so a clock change on either
side (theirs or the group's anchor) is seen, including one during a meeting.
A meeting fits when every cell it touches is available (starts and ends off
the quarter hour round outwards).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Protocol

from roundtable.scheduling.checks import InvalidInputError
from roundtable.scheduling.model import MINUTES_PER_DAY, Block, Params, Person, Start
from roundtable.scheduling.timegrid import (
    ZoneOffsets,
    availability_mask,
    series_datetimes,
    to_epoch_minutes,
    zone,
)


class WeeklyBlock(Protocol):
    """A weekly local interval: model.Block and availability.Interval both qualify."""

    @property
    def weekday(self) -> int: ...  # 0 = Monday

    @property
    def start_minute(self) -> int: ...

    @property
    def end_minute(self) -> int: ...


def missed_meetings(
    availability: Iterable[WeeklyBlock],
    timezone: str,
    meetings: Sequence[datetime],
    meeting_minutes: int,
) -> list[datetime]:
    """The meetings (aware datetimes) that do not lie wholly inside the availability."""
    if meeting_minutes <= 0:
        raise InvalidInputError(f"meeting_minutes: {meeting_minutes} is not positive")
    if not meetings:
        return []
    _check_zone(timezone)
    mask = availability_mask(Block(b.weekday, b.start_minute, b.end_minute) for b in availability)
    moments = [to_epoch_minutes(meeting) for meeting in meetings]
    offsets = ZoneOffsets(
        timezone, min(moments) - MINUTES_PER_DAY, max(moments) + meeting_minutes + MINUTES_PER_DAY
    )
    return [
        meeting
        for meeting, moment in zip(meetings, moments, strict=True)
        if offsets.meeting_mask(moment, meeting_minutes) & ~mask
    ]


def person_can_attend(
    availability: Iterable[WeeklyBlock],
    timezone: str,
    meetings: Sequence[datetime],
    meeting_minutes: int,
) -> bool:
    """Whether every meeting lies inside the availability, in the person's own zone."""
    return not missed_meetings(availability, timezone, meetings, meeting_minutes)


def weekly_series(
    anchor_timezone: str, weekday: int, local_minute: int, first_date: date, count: int
) -> tuple[datetime, ...]:
    """A weekly time's meetings (UTC): the weekday on/after first_date, then weekly."""
    _check_zone(anchor_timezone)
    params = Params(cohort_start_date=first_date, number_of_meetings=count)
    return series_datetimes(Start(anchor_timezone, weekday, local_minute), params)


def group_time_is_feasible(
    members: Iterable[Person],
    meetings: Sequence[datetime],
    meeting_minutes: int,
    *,
    use_if_needed: bool = True,
) -> dict[str, list[datetime]]:
    """Per member who cannot make them all, the meetings they miss; empty when all can."""
    missed = {}
    for person in members:
        blocks = (*person.available, *(person.if_needed if use_if_needed else ()))
        found = missed_meetings(blocks, person.timezone, meetings, meeting_minutes)
        if found:
            missed[person.id] = found
    return missed


def _check_zone(name: str) -> None:
    try:
        zone(name)
    except (KeyError, ValueError) as exc:  # ZoneInfoNotFoundError is a KeyError
        raise InvalidInputError(f"unknown time zone {name!r}") from exc
