"""Availability intervals: validation, normalising, and fit with real meeting dates."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from roundtable.errors import ValidationError
from roundtable.meetings.times import WeeklySlot, series_intervals
from roundtable.people.availability import (
    Interval,
    check_no_overlaps,
    missed_meetings,
    normalise,
    parse_clock,
    parse_interval,
    summarise,
)


def test_clock_times_run_from_midnight_to_midnight() -> None:
    assert parse_clock("00:00") == 0 and parse_clock("24:00") == 1440
    assert [parse_clock(t) for t in ("24:30", "9:5", "ab:cd", "12:60", "1230")] == [None] * 5


def test_an_interval_must_be_on_the_half_hour_grid() -> None:
    with pytest.raises(ValidationError, match=r"intervals\[3\] \(Sunday 10:00–11:45\): 11:45"):
        parse_interval(3, 6, "10:00", "11:45", "available")


def test_an_unknown_kind_is_named() -> None:
    with pytest.raises(
        ValidationError, match="kind must be 'available' or 'if_needed', got 'maybe'"
    ):
        parse_interval(0, 0, "10:00", "11:00", "maybe")


def test_touching_intervals_do_not_overlap_but_crossing_ones_do_whatever_their_kind() -> None:
    check_no_overlaps([Interval(0, 540, 600), Interval(0, 600, 660, "if_needed")])
    check_no_overlaps([Interval(0, 540, 600), Interval(1, 540, 600)])
    with pytest.raises(ValidationError) as error:
        check_no_overlaps([Interval(2, 600, 720, "if_needed"), Interval(2, 540, 630)])
    assert error.value.field == "intervals.0"


def test_normalising_merges_touching_intervals_of_one_kind_only() -> None:
    merged = normalise(
        [Interval(0, 600, 660), Interval(0, 540, 600), Interval(0, 660, 720, "if_needed")]
    )
    assert merged == [Interval(0, 540, 660), Interval(0, 660, 720, "if_needed")]


def test_a_summary_totals_each_kind() -> None:
    summary = summarise([Interval(0, 540, 660), Interval(4, 1080, 1200, "if_needed")])
    assert (summary.available_minutes, summary.if_needed_minutes) == (120, 120)
    assert summary.days == ["Monday", "Friday"]
    assert summary.text == "Monday 09:00–11:00; Friday 18:00–20:00 (if needed)"


# A group meeting Tuesdays 18:00 in New York, across the March clock changes:
# the US moves on 8 March 2026, Europe on 29 March.
NEW_YORK_TUESDAY = WeeklySlot("America/New_York", 1, time(18, 0), 60)
FIRST = datetime(2026, 3, 3, 23, 0, tzinfo=UTC)  # 18:00 EST


def test_a_meeting_inside_the_availability_fits_on_every_date() -> None:
    meetings = series_intervals(NEW_YORK_TUESDAY, FIRST, 6)
    berlin_evenings = [Interval(1, 1380, 1440), Interval(2, 0, 60)]
    # 18:00 EST is 00:00 Wednesday in Berlin; 18:00 EDT is 23:00 Tuesday, 00:00 CEST Wednesday.
    assert missed_meetings(berlin_evenings, "Europe/Berlin", meetings) == []


def test_daylight_saving_pushes_some_dates_outside_the_availability() -> None:
    meetings = series_intervals(NEW_YORK_TUESDAY, FIRST, 6)
    wednesday_small_hours = [Interval(2, 0, 60)]  # Berlin, Wednesday 00:00–01:00
    missed = missed_meetings(wednesday_small_hours, "Europe/Berlin", meetings)
    # 10, 17 and 24 March: New York is on EDT, Berlin still on CET: 23:00 Tuesday in Berlin.
    assert [m.date().isoformat() for m in missed] == ["2026-03-10", "2026-03-17", "2026-03-24"]


def test_if_needed_time_counts_only_when_allowed() -> None:
    meetings = [(FIRST, FIRST + timedelta(hours=1))]
    only_if_needed = [Interval(1, 1380, 1440, "if_needed")]  # UTC Tuesday 23:00–24:00
    assert missed_meetings(only_if_needed, "UTC", meetings) == []
    assert missed_meetings(only_if_needed, "UTC", meetings, use_if_needed=False) == [FIRST]


def test_a_meeting_running_past_midnight_needs_both_days() -> None:
    start = datetime(2026, 3, 3, 23, 30, tzinfo=UTC)
    meetings = [(start, start + timedelta(hours=1))]
    assert missed_meetings([Interval(1, 1380, 1440)], "UTC", meetings) == [start]
    assert missed_meetings([Interval(1, 1380, 1440), Interval(2, 0, 60)], "UTC", meetings) == []


def test_quarter_hour_zones_are_checked_to_the_quarter_hour() -> None:
    start = datetime(2026, 3, 3, 12, 15, tzinfo=UTC)  # 18:00 in Kathmandu (+05:45)
    meetings = [(start, start + timedelta(hours=1))]
    assert missed_meetings([Interval(1, 1080, 1140)], "Asia/Kathmandu", meetings) == []
    assert missed_meetings([Interval(1, 1050, 1110)], "Asia/Kathmandu", meetings) == [start]
