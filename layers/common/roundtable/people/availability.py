"""Weekly availability: local wall-clock intervals in the person's own zone.

Intervals lie on the 30-minute grid, within one day ([00:00, 24:00]), and
never overlap (whatever their kind). Meetings are checked against them on
every actual meeting date, in the person's zone, so a daylight-saving change
that pushes a meeting out of someone's hours is noticed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, delete, insert, select, update

from roundtable.db.tables import availability_blocks, users
from roundtable.errors import ValidationError

KINDS = ("available", "if_needed")
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
GRID_MINUTES = 30
MINUTES_PER_DAY = 1440
MAX_INTERVALS = 7 * MINUTES_PER_DAY // GRID_MINUTES
_CELL = 15  # feasibility is checked per quarter hour: some zones are offset by :45


@dataclass(frozen=True, order=True)
class Interval:
    """[start_minute, end_minute) on a weekday (0 = Monday), in the owner's zone."""

    weekday: int
    start_minute: int
    end_minute: int
    kind: str = "available"

    def label(self) -> str:
        """'Tuesday 09:00–10:30'."""
        start, end = format_clock(self.start_minute), format_clock(self.end_minute)
        return f"{DAY_NAMES[self.weekday]} {start}–{end}"


@dataclass(frozen=True)
class AvailabilitySummary:
    available_minutes: int
    if_needed_minutes: int
    days: list[str]
    text: str


def format_clock(minute: int) -> str:
    """Minutes after midnight as 'HH:MM' (1440 is '24:00')."""
    return f"{minute // 60:02d}:{minute % 60:02d}"


def parse_clock(text: str) -> int | None:
    """'HH:MM' (00:00 to 24:00) as minutes after midnight; None if it is not one."""
    hours, sep, minutes = text.partition(":")
    if not sep or not (hours.isdigit() and minutes.isdigit()) or len(minutes) != 2:
        return None
    value = int(hours) * 60 + int(minutes)
    return value if int(minutes) < 60 and 0 <= value <= MINUTES_PER_DAY else None


def parse_interval(index: int, weekday: int, start: str, end: str, kind: str) -> Interval:
    """One interval from its wire form, with errors naming it (intervals[i])."""
    where = f"intervals[{index}] ({_day(weekday)} {start}–{end})"
    if not 0 <= weekday <= 6:
        raise ValidationError(
            f"intervals[{index}]: weekday must be 0 (Monday) to 6 (Sunday), got {weekday}",
            field=f"intervals.{index}.weekday",
        )
    if kind not in KINDS:
        raise ValidationError(
            f"{where}: kind must be 'available' or 'if_needed', got {kind!r}",
            field=f"intervals.{index}.kind",
        )
    start_minute = _grid_time(where, index, "start", start)
    end_minute = _grid_time(where, index, "end", end)
    if end_minute <= start_minute:
        raise ValidationError(
            f"{where}: the end must be after the start, within the same day "
            "(split an evening that runs past midnight into two intervals)",
            field=f"intervals.{index}.end",
        )
    return Interval(weekday, start_minute, end_minute, kind)


def _day(weekday: int) -> str:
    return DAY_NAMES[weekday] if 0 <= weekday <= 6 else f"day {weekday}"


def _grid_time(where: str, index: int, name: str, text: str) -> int:
    minute = parse_clock(text)
    field = f"intervals.{index}.{name}"
    if minute is None:
        raise ValidationError(f"{where}: {text!r} is not a time from 00:00 to 24:00", field=field)
    if minute % GRID_MINUTES:
        raise ValidationError(f"{where}: {text} is not on the half hour", field=field)
    return minute


def check_no_overlaps(intervals: Sequence[Interval]) -> None:
    """ValidationError naming the first two intervals that overlap."""
    if len(intervals) > MAX_INTERVALS:
        raise ValidationError(
            f"at most {MAX_INTERVALS} intervals, got {len(intervals)}", field="intervals"
        )
    ordered = sorted(enumerate(intervals), key=lambda pair: pair[1])
    for (i, first), (j, second) in pairwise(ordered):
        if first.weekday == second.weekday and second.start_minute < first.end_minute:
            raise ValidationError(
                f"intervals[{j}] ({second.label()}) overlaps intervals[{i}] ({first.label()})",
                field=f"intervals.{j}",
            )


def normalise(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, with touching intervals of the same kind merged."""
    merged: list[Interval] = []
    for interval in sorted(intervals):
        last = merged[-1] if merged else None
        if (
            last is not None
            and (last.weekday, last.kind) == (interval.weekday, interval.kind)
            and last.end_minute == interval.start_minute
        ):
            merged[-1] = Interval(last.weekday, last.start_minute, interval.end_minute, last.kind)
        else:
            merged.append(interval)
    return merged


def replace_availability(
    conn: Connection, user_id: int, intervals: Sequence[Interval], now: datetime
) -> list[Interval]:
    """Validate and store the user's whole weekly availability; returns what was stored."""
    check_no_overlaps(intervals)
    stored = normalise(intervals)
    conn.execute(delete(availability_blocks).where(availability_blocks.c.user_id == user_id))
    if stored:
        conn.execute(
            insert(availability_blocks),
            [
                {
                    "user_id": user_id,
                    "kind": block.kind,
                    "weekday": block.weekday,
                    "start_minute": block.start_minute,
                    "end_minute": block.end_minute,
                }
                for block in stored
            ],
        )
    conn.execute(update(users).where(users.c.id == user_id).values(availability_updated_at=now))
    return stored


def load_availability(conn: Connection, user_ids: Iterable[int]) -> dict[int, list[Interval]]:
    """Each user's intervals (users without any map to an empty list)."""
    ids = list(user_ids)
    found: dict[int, list[Interval]] = {user_id: [] for user_id in ids}
    rows = conn.execute(
        select(availability_blocks)
        .where(availability_blocks.c.user_id.in_(ids))
        .order_by(availability_blocks.c.weekday, availability_blocks.c.start_minute)
    )
    for row in rows:
        found[row.user_id].append(Interval(row.weekday, row.start_minute, row.end_minute, row.kind))
    return found


def summarise(intervals: Sequence[Interval]) -> AvailabilitySummary:
    """Totals and a one-line description, for admins scanning signups."""

    def total(kind: str) -> int:
        return sum(i.end_minute - i.start_minute for i in intervals if i.kind == kind)

    days = sorted({i.weekday for i in intervals})
    parts = [f"{i.label()}" + (" (if needed)" if i.kind == "if_needed" else "") for i in intervals]
    return AvailabilitySummary(
        available_minutes=total("available"),
        if_needed_minutes=total("if_needed"),
        days=[DAY_NAMES[d] for d in days],
        text="; ".join(parts) if parts else "no availability given",
    )


def _covered_cells(intervals: Iterable[Interval], use_if_needed: bool) -> set[int]:
    cells: set[int] = set()
    for interval in intervals:
        if interval.kind == "if_needed" and not use_if_needed:
            continue
        base = interval.weekday * (MINUTES_PER_DAY // _CELL)
        cells.update(
            base + minute // _CELL
            for minute in range(interval.start_minute, interval.end_minute, _CELL)
        )
    return cells


def missed_meetings(
    intervals: Iterable[Interval],
    timezone: str,
    meetings: Iterable[tuple[datetime, datetime]],
    *,
    use_if_needed: bool = True,
) -> list[datetime]:
    """Starts of the meetings (aware datetimes) that fall outside the person's availability."""
    cells = _covered_cells(intervals, use_if_needed)
    zone = ZoneInfo(timezone)
    return [
        start
        for start, end in meetings
        if not all(cell in cells for cell in _meeting_cells(start, end, zone))
    ]


def _meeting_cells(start: datetime, end: datetime, zone: ZoneInfo) -> Iterable[int]:
    # Stepping in real (UTC) time means a clock change during the meeting is handled.
    moment = start
    while moment < end:
        local = moment.astimezone(zone)
        yield (
            local.weekday() * (MINUTES_PER_DAY // _CELL) + (local.hour * 60 + local.minute) // _CELL
        )
        moment += timedelta(minutes=_CELL)
