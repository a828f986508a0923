"""The public per-person, per-series check (scheduling.feasibility), daylight saving included."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from roundtable.people.availability import Interval
from roundtable.people.availability import missed_meetings as api_missed_meetings
from roundtable.scheduling.checks import InvalidInputError
from roundtable.scheduling.feasibility import (
    group_time_is_feasible,
    missed_meetings,
    person_can_attend,
    weekly_series,
)
from roundtable.scheduling.model import Block, Person, Role

TUESDAY_18_19 = [Block(1, 18 * 60, 19 * 60)]
ZONES = [
    "UTC",
    "Europe/London",
    "America/New_York",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Pacific/Chatham",
]


def test_a_clock_change_in_the_persons_zone_costs_exactly_the_meetings_after_it():
    # 18:00 UTC is 18:00 in London until 30 March 2025, then 19:00.
    meetings = weekly_series("UTC", 1, 18 * 60, date(2025, 3, 11), 6)

    missed = missed_meetings(TUESDAY_18_19, "Europe/London", meetings, 60)

    assert missed == [m for m in meetings if m >= datetime(2025, 3, 30, tzinfo=UTC)]
    assert len(missed) == 3
    assert not person_can_attend(TUESDAY_18_19, "Europe/London", meetings, 60)


def test_a_series_anchored_in_the_persons_own_zone_keeps_their_local_time():
    meetings = weekly_series("Europe/London", 1, 18 * 60, date(2025, 3, 11), 6)

    assert person_can_attend(TUESDAY_18_19, "Europe/London", meetings, 60)
    assert meetings[0] == datetime(2025, 3, 11, 18, 0, tzinfo=UTC)
    assert meetings[-1] == datetime(2025, 4, 15, 17, 0, tzinfo=UTC)


def test_the_utc_week_wrap_and_a_quarter_hour_zone_are_checked_on_real_instants():
    # Sunday 23:30 UTC is Monday 05:15 in Kathmandu (UTC+05:45).
    meetings = weekly_series("UTC", 6, 23 * 60 + 30, date(2025, 1, 5), 2)
    monday_early = [Block(0, 5 * 60, 6 * 60 + 30)]

    assert person_can_attend(monday_early, "Asia/Kathmandu", meetings, 60)
    assert not person_can_attend([Block(0, 5 * 60 + 30, 7 * 60)], "Asia/Kathmandu", meetings, 60)


def test_a_meeting_during_the_change_itself_needs_the_local_hours_it_really_covers():
    # New York springs forward at 02:00 on 9 March 2025: 06:30-07:30 UTC is 01:30-03:30 local.
    meeting = [datetime(2025, 3, 9, 6, 30, tzinfo=UTC)]

    assert person_can_attend([Block(6, 60, 4 * 60)], "America/New_York", meeting, 60)
    assert not person_can_attend([Block(6, 60, 2 * 60 + 30)], "America/New_York", meeting, 60)


def test_a_group_time_reports_who_misses_which_meetings():
    meetings = weekly_series("UTC", 1, 18 * 60, date(2025, 3, 11), 6)
    steady = Person("steady", Role.LEARNER, "UTC", tuple(TUESDAY_18_19))
    london = Person("london", Role.LEARNER, "Europe/London", tuple(TUESDAY_18_19))
    flexible = Person(
        "flexible",
        Role.LEARNER,
        "Europe/London",
        tuple(TUESDAY_18_19),
        if_needed=(Block(1, 19 * 60, 20 * 60),),
    )

    missed = group_time_is_feasible([steady, london, flexible], meetings, 60)

    assert set(missed) == {"london"} and len(missed["london"]) == 3
    strict = group_time_is_feasible([flexible], meetings, 60, use_if_needed=False)
    assert set(strict) == {"flexible"}


def test_unknown_zones_and_lengths_are_refused_by_name():
    meetings = weekly_series("UTC", 1, 18 * 60, date(2025, 3, 11), 1)
    with pytest.raises(InvalidInputError, match="unknown time zone 'Mars/Olympus'"):
        person_can_attend(TUESDAY_18_19, "Mars/Olympus", meetings, 60)
    with pytest.raises(InvalidInputError, match="meeting_minutes: 0 is not positive"):
        missed_meetings(TUESDAY_18_19, "UTC", meetings, 0)
    assert missed_meetings(TUESDAY_18_19, "UTC", [], 60) == []


_blocks = st.lists(
    st.tuples(st.integers(0, 6), st.integers(0, 47), st.integers(1, 12)).map(
        lambda t: Interval(t[0], t[1] * 30, min(t[1] * 30 + t[2] * 30, 1440))
    ),
    max_size=6,
)


@settings(max_examples=150, deadline=None)
@given(
    blocks=_blocks,
    person_zone=st.sampled_from(ZONES),
    anchor=st.sampled_from(ZONES),
    weekday=st.integers(0, 6),
    slot=st.integers(0, 47),
    first=st.sampled_from([date(2025, 3, 3), date(2025, 3, 24), date(2025, 10, 20)]),
    count=st.integers(1, 8),
    length=st.sampled_from([30, 60, 90]),
)
def test_agrees_with_the_web_apis_own_check_on_every_meeting(
    blocks, person_zone, anchor, weekday, slot, first, count, length
):
    meetings = weekly_series(anchor, weekday, slot * 30, first, count)
    intervals = [(m, m + timedelta(minutes=length)) for m in meetings]

    mine = missed_meetings(blocks, person_zone, meetings, length)

    assert mine == api_missed_meetings(blocks, person_zone, intervals)
