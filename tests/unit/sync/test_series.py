from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from roundtable.sync.series import SeriesError, WeeklySlot, first_local_date, occurrences

NEW_YORK = ZoneInfo("America/New_York")


def _slot(**changes: object) -> WeeklySlot:
    values: dict[str, object] = {
        "anchor_timezone": "America/New_York",
        "weekday": 2,
        "local_time": time(18, 0),
        "meeting_minutes": 90,
        "first_meeting_at": datetime(2026, 3, 4, 23, 0, tzinfo=UTC),
    }
    values.update(changes)
    return WeeklySlot(**values)  # type: ignore[arg-type]


def test_meetings_keep_their_wall_clock_time_across_the_spring_change() -> None:
    # New York moves its clocks on Sunday 8 March 2026.
    meetings = occurrences(_slot(), 3)

    local = [m.starts_at.astimezone(NEW_YORK) for m in meetings]
    assert [t.strftime("%a %d %H:%M") for t in local] == [
        "Wed 04 18:00",
        "Wed 11 18:00",
        "Wed 18 18:00",
    ]
    assert [m.starts_at.hour for m in meetings] == [23, 22, 22]
    assert all((m.ends_at - m.starts_at).total_seconds() == 90 * 60 for m in meetings)


def test_the_series_starts_on_the_first_meeting_weekday_on_or_after_the_first_meeting() -> None:
    slot = _slot(weekday=4, first_meeting_at=datetime(2026, 3, 4, 23, 0, tzinfo=UTC))

    assert first_local_date(slot).isoformat() == "2026-03-06"  # the Friday after


def test_the_first_date_is_taken_in_the_anchor_zone_not_in_utc() -> None:
    # 02:00 UTC on Thursday is still Wednesday evening in New York.
    slot = _slot(first_meeting_at=datetime(2026, 3, 5, 2, 0, tzinfo=UTC))

    assert first_local_date(slot).isoformat() == "2026-03-04"


def test_a_time_inside_the_spring_gap_resolves_with_the_offset_before_it() -> None:
    slot = _slot(
        weekday=6, local_time=time(2, 30), first_meeting_at=datetime(2026, 3, 8, tzinfo=UTC)
    )

    (meeting,) = occurrences(slot, 1)

    assert meeting.starts_at == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)  # 03:30 EDT


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"anchor_timezone": "Atlantis/Capital"}, "Atlantis/Capital"),
        ({"weekday": 7}, "weekday"),
        ({"meeting_minutes": 0}, "meeting_minutes"),
        ({"first_meeting_at": datetime(2026, 3, 4, 18, 0)}, "zone"),
    ],
)
def test_a_slot_that_cannot_make_meetings_says_why(changes: dict, message: str) -> None:
    with pytest.raises(SeriesError, match=message):
        occurrences(_slot(**changes), 2)


@given(
    zone=st.sampled_from(["Europe/London", "America/New_York", "Australia/Sydney", "Asia/Kolkata"]),
    weekday=st.integers(0, 6),
    minute=st.integers(0, 24 * 60 - 1).filter(lambda m: not 60 <= m < 240),  # clear of DST gaps
    start=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31)),
    count=st.integers(1, 20),
)
def test_every_meeting_is_on_the_weekday_at_the_local_time_a_week_apart(
    zone: str, weekday: int, minute: int, start: datetime, count: int
) -> None:
    slot = WeeklySlot(zone, weekday, time(minute // 60, minute % 60), 60, start.replace(tzinfo=UTC))

    local = [m.starts_at.astimezone(ZoneInfo(zone)) for m in occurrences(slot, count)]

    assert {(t.weekday(), t.hour * 60 + t.minute) for t in local} == {(weekday, minute)}
    assert all((b.date() - a.date()).days == 7 for a, b in zip(local, local[1:], strict=False))
