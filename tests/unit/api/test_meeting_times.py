"""A group's weekly time in each viewer's zone, daylight saving included."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from roundtable.meetings.times import (
    WeeklySlot,
    describe_series,
    first_meeting_at,
    format_moment,
    series_starts,
)

LONDON_TUESDAY = WeeklySlot("Europe/London", 1, time(18, 0), 60)
BEFORE = datetime(2026, 3, 1, tzinfo=UTC)


def test_the_first_meeting_is_the_first_matching_weekday_in_the_anchor_zone() -> None:
    assert first_meeting_at(LONDON_TUESDAY, date(2026, 3, 4)) == datetime(
        2026, 3, 10, 18, 0, tzinfo=UTC
    )
    assert first_meeting_at(LONDON_TUESDAY, date(2026, 3, 10)).day == 10


def test_the_series_follows_the_anchor_clock_across_its_change() -> None:
    starts = series_starts(LONDON_TUESDAY, datetime(2026, 3, 24, 18, 0, tzinfo=UTC), 2)
    assert [s.hour for s in starts] == [18, 17]  # 18:00 GMT, then 18:00 BST


def test_a_viewer_in_the_anchor_zone_never_sees_a_shift() -> None:
    starts = series_starts(LONDON_TUESDAY, datetime(2026, 3, 10, 18, 0, tzinfo=UTC), 6)
    view = describe_series(starts, "Europe/London", LONDON_TUESDAY, BEFORE)
    assert view.local.label == "Tuesday 18:00 GMT"
    assert view.shifts is False and view.changes == [] and view.note is None


def test_a_viewer_whose_zone_changes_on_other_dates_sees_the_shift_with_dates() -> None:
    starts = series_starts(LONDON_TUESDAY, datetime(2026, 3, 3, 18, 0, tzinfo=UTC), 6)
    view = describe_series(starts, "America/New_York", LONDON_TUESDAY, BEFORE)
    assert view.local.label == "Tuesday 13:00 EST"
    assert view.shifts is True
    assert [(c.meeting_number, c.local.label) for c in view.changes] == [
        (1, "Tuesday 13:00 EST"),
        (2, "Tuesday 14:00 EDT"),  # 10 March: New York moved, London not yet
        (5, "Tuesday 13:00 EDT"),  # 31 March: London moved too
    ]
    assert view.note is not None and "Tuesday 14:00 EDT from 10 Mar" in view.note


def test_the_headline_is_the_next_meeting_from_now() -> None:
    starts = series_starts(LONDON_TUESDAY, datetime(2026, 3, 3, 18, 0, tzinfo=UTC), 6)
    view = describe_series(
        starts, "America/New_York", LONDON_TUESDAY, datetime(2026, 4, 1, tzinfo=UTC)
    )
    assert view.local.label == "Tuesday 13:00 EDT"


def test_a_moment_is_formatted_with_the_zone_abbreviation() -> None:
    moment = datetime(2026, 3, 3, 18, 0, tzinfo=UTC)
    assert format_moment(moment, "Europe/Berlin") == "Tue 3 Mar 2026, 19:00 CET"
