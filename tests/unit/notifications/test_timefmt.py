"""Times as people read them, in their own zone."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from roundtable.notifications.timefmt import (
    discord_timestamp,
    format_date,
    format_local,
    format_weekly,
    zone_or_utc,
)

MEETING = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)  # just after Europe leaves summer time


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        ("Europe/London", "Sunday 25 October 2026, 01:30 GMT"),
        ("Europe/Berlin", "Sunday 25 October 2026, 02:30 CET"),
        ("America/St_Johns", "Saturday 24 October 2026, 23:00 NDT"),
        ("Asia/Kolkata", "Sunday 25 October 2026, 07:00 IST"),
        ("Asia/Kathmandu", "Sunday 25 October 2026, 07:15 UTC+05:45"),
        ("America/Sao_Paulo", "Saturday 24 October 2026, 22:30 UTC-03:00"),
        ("UTC", "Sunday 25 October 2026, 01:30 UTC"),
    ],
)
def test_a_time_is_shown_in_the_zone_with_its_abbreviation_and_date(
    zone: str, expected: str
) -> None:
    assert format_local(MEETING, zone) == expected


def test_the_same_wall_clock_hour_shifts_across_a_daylight_saving_change() -> None:
    before = datetime(2026, 10, 24, 0, 30, tzinfo=UTC)
    assert format_local(before, "Europe/Berlin") == "Saturday 24 October 2026, 02:30 CEST"
    assert format_local(MEETING, "Europe/Berlin") == "Sunday 25 October 2026, 02:30 CET"


def test_an_unknown_or_empty_zone_falls_back_to_utc() -> None:
    assert format_local(MEETING, "Mars/Olympus_Mons").endswith("01:30 UTC")
    assert zone_or_utc("").key == "UTC"


def test_a_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="naive datetime"):
        format_local(datetime(2026, 1, 1, 12, 0), "UTC")


def test_weekly_time_names_the_weekday_in_the_readers_zone() -> None:
    assert format_weekly(MEETING, "America/Los_Angeles") == "Saturdays at 18:30 PDT"
    assert format_weekly(MEETING, "Asia/Tokyo") == "Sundays at 10:30 JST"


def test_discord_timestamps_use_unix_seconds() -> None:
    assert discord_timestamp(MEETING) == f"<t:{int(MEETING.timestamp())}:F>"
    assert discord_timestamp(MEETING, "R").endswith(":R>")


def test_dates_read_naturally() -> None:
    assert format_date(date(2026, 3, 2)) == "Monday 2 March 2026"
