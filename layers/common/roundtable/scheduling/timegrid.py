"""Real meeting datetimes and who can attend them, daylight saving included.

A `Start` becomes a series of concrete UTC instants (minutes since the Unix
epoch): the weekly local time in the anchor zone, from the first date on or
after the cohort's start date on that weekday. A person's weekly availability
is a bitmask of 15-minute local cells; a series needs, in each member's zone,
the cells its actual meetings cover. A person can attend iff every needed cell
is available: every meeting date, in their own zone, is checked.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from roundtable.scheduling.model import (
    CELL_MINUTES,
    MINUTES_PER_DAY,
    MINUTES_PER_WEEK,
    Block,
    Params,
    Start,
)

CELLS_PER_WEEK = MINUTES_PER_WEEK // CELL_MINUTES
_EPOCH_WEEKDAY = 3  # 1970-01-01 was a Thursday


@lru_cache(maxsize=512)
def zone(name: str) -> ZoneInfo:
    """The IANA zone of that name (cached)."""
    return ZoneInfo(name)


def first_meeting_date(start_weekday: int, earliest: date) -> date:
    """The first date on or after `earliest` that falls on the weekday."""
    return earliest + timedelta(days=(start_weekday - earliest.weekday()) % 7)


def series_datetimes(start: Start, params: Params) -> tuple[datetime, ...]:
    """The actual meeting datetimes (aware, UTC) of a start's weekly series."""
    first = first_meeting_date(start.weekday, params.first_date)
    hours, minutes = divmod(start.local_minute, 60)
    anchor = zone(start.anchor)
    return tuple(
        datetime.combine(first + timedelta(weeks=k), time(hours, minutes), anchor).astimezone(UTC)
        for k in range(params.meeting_count)
    )


def to_epoch_minutes(moment: datetime) -> int:
    """Minutes since the Unix epoch of an aware datetime."""
    return int(moment.timestamp()) // 60


@lru_cache(maxsize=4096)
def series_minutes(start: Start, params: Params) -> tuple[int, ...]:
    """The series as epoch minutes (cached: assembly and reasons ask for it per group)."""
    return tuple(to_epoch_minutes(moment) for moment in series_datetimes(start, params))


def availability_mask(blocks: Iterable[Block]) -> int:
    """The weekly local cells fully covered by the blocks, as a bitmask."""
    mask = 0
    for block in blocks:
        first = block.weekday * (MINUTES_PER_DAY // CELL_MINUTES)
        low = first + -(-block.start_minute // CELL_MINUTES)
        high = first + block.end_minute // CELL_MINUTES
        if high > low:
            mask |= ((1 << (high - low)) - 1) << low
    return mask


class ZoneOffsets:
    """A zone's UTC offsets (minutes) over a window, for fast repeated look-ups."""

    def __init__(self, name: str, lowest: int, highest: int) -> None:
        self.name = name
        self._bounds, self._offsets = _offset_table(zone(name), lowest, highest)

    def offset(self, epoch_minute: int) -> int:
        """The zone's UTC offset in minutes at that instant."""
        return self._offsets[bisect_right(self._bounds, epoch_minute) - 1]

    def changes(self) -> list[tuple[int, int, int]]:
        """(epoch minute, old offset, new offset) of each clock change in the window."""
        return [
            (bound, self._offsets[i], self._offsets[i + 1])
            for i, bound in enumerate(self._bounds[1:])
        ]

    def signature(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """Equal for zones that keep the same offsets over the window."""
        return tuple(self._bounds[1:]), tuple(self._offsets)

    def local_week_minute(self, epoch_minute: int) -> int:
        """Minutes since local Monday 00:00 of that instant."""
        local = epoch_minute + self.offset(epoch_minute)
        day = (local // MINUTES_PER_DAY + _EPOCH_WEEKDAY) % 7
        return day * MINUTES_PER_DAY + local % MINUTES_PER_DAY

    def meeting_mask(self, epoch_minute: int, minutes: int) -> int:
        """Local cells one meeting covers (rounded outwards)."""
        if self.offset(epoch_minute) == self.offset(epoch_minute + minutes - 1):
            begin = self.local_week_minute(epoch_minute)
            return _cell_range(begin // CELL_MINUTES, -(-(begin + minutes) // CELL_MINUTES))
        mask = 0  # a clock change during the meeting: look at each cell's instant
        for step in range(0, minutes, CELL_MINUTES):
            mask |= 1 << (self.local_week_minute(epoch_minute + step) // CELL_MINUTES)
        return mask


def _cell_range(low: int, high: int) -> int:
    """Cells [low, high) of the week, wrapping from Sunday night to Monday."""
    mask = 0
    for cell in range(low, high):
        mask |= 1 << (cell % CELLS_PER_WEEK)
    return mask


def _offset_table(tz: ZoneInfo, lowest: int, highest: int) -> tuple[list[int], list[int]]:
    """Breakpoints and offsets: scan daily, then hourly, refine each change to the quarter hour.

    A day whose end has the offset its start had is skipped (no zone changes its clocks
    twice within a day), which makes building the table 20 times faster.
    """
    bounds = [-(10**12)]
    offsets = [_offset_at(tz, lowest)]
    for day_start in range(lowest, highest + 60, MINUTES_PER_DAY):
        day_end = min(day_start + MINUTES_PER_DAY, highest + 60)
        if _offset_at(tz, day_end) == offsets[-1]:
            continue
        for hour_start in range(day_start, day_end, 60):
            if _offset_at(tz, hour_start + 60) == offsets[-1]:
                continue
            for minute in range(hour_start + CELL_MINUTES, hour_start + 61, CELL_MINUTES):
                current = _offset_at(tz, minute)
                if current != offsets[-1]:
                    bounds.append(minute)
                    offsets.append(current)
                    break
    return bounds, offsets


def _offset_at(tz: ZoneInfo, epoch_minute: int) -> int:
    offset = datetime.fromtimestamp(epoch_minute * 60, UTC).astimezone(tz).utcoffset()
    return int((offset or timedelta(0)).total_seconds()) // 60
