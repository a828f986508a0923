"""Daylight saving, half-hour zones, the southern hemisphere and the UTC week wrap."""

from __future__ import annotations

from tests.unit.scheduling.helpers import crowd, group_of, instance, person, reasons, solve
from tests.unit.scheduling.validator import validate

MARCH = {"cohort_start_date": "2025-03-03", "number_of_meetings": 8}


def test_us_and_eu_members_share_a_group_across_the_weeks_their_clocks_change_apart():
    # 18:00 UTC is 13:00 in New York before 9 March and 14:00 after; 18:00 in London
    # before 30 March and 19:00 after. Both stay inside their availability.
    people = [
        person("F1", "Europe/London", {"Monday": [["17:00", "21:00"]]}),
        *crowd("US", 2, "America/New_York", {"Monday": [["13:00", "15:00"]]}),
        *crowd("EU", 2, "Europe/London", {"Monday": [["18:00", "20:00"]]}),
    ]
    document = instance(people, anchor_timezone="UTC", **MARCH)
    result = solve(document)
    assert validate(document, result) == []
    assert result["stats"]["placed"] == 4
    group = group_of(result, "US0")
    assert (group["weekday"], group["local_time"]) == ("Monday", "18:00")
    changes = {c["id"]: c for c in group["local_time_changes"]}
    assert changes["US0"]["from"] == "Monday 13:00" and changes["US0"]["to"] == "Monday 14:00"
    assert changes["EU0"]["from_meeting"] == 5  # 31 March, the first Monday after the EU change


def test_a_member_free_only_before_the_clock_change_is_not_placed_and_told_why():
    people = [
        person("F1", "Europe/London", {"Monday": [["17:00", "21:00"]]}),
        *crowd("EU", 3, "Europe/London", {"Monday": [["18:00", "20:00"]]}),
        person("US0", "America/New_York", {"Monday": [["13:00", "14:00"]]}),
    ]
    document = instance(people, anchor_timezone="UTC", **MARCH)
    result = solve(document)
    assert validate(document, result) == []
    assert reasons(result)["US0"] == "daylight_saving"
    assert "America/New_York changes clocks on 2025-03-09" in result["unplaced"][0]["detail"]


def test_the_same_member_fits_when_the_reference_week_alone_is_checked():
    people = [
        person("F1", "Europe/London", {"Monday": [["17:00", "21:00"]]}),
        *crowd("EU", 2, "Europe/London", {"Monday": [["18:00", "20:00"]]}),
        person("US0", "America/New_York", {"Monday": [["13:00", "14:00"]]}),
    ]
    document = instance(people, anchor_timezone="UTC", reference_week_monday="2025-03-03")
    result = solve(document)
    assert validate(document, result) == []
    assert result["stats"]["placed"] == 3


def test_southern_hemisphere_member_is_checked_when_sydney_leaves_daylight_saving():
    # Sydney leaves DST on 6 April 2025: 08:00 UTC is 19:00 before and 18:00 after.
    people = [
        person("F1", "Europe/London", {"Tuesday": [["08:00", "10:00"]]}),
        *crowd("AU", 2, "Australia/Sydney", {"Tuesday": [["18:00", "20:00"]]}),
        *crowd("IN", 2, "Asia/Kolkata", {"Tuesday": [["13:30", "14:30"]]}),
        person("AUX", "Australia/Sydney", {"Tuesday": [["19:00", "20:00"]]}),
    ]
    document = instance(
        people, anchor_timezone="UTC", cohort_start_date="2025-03-24", number_of_meetings=4
    )
    result = solve(document)
    assert validate(document, result) == []
    assert result["stats"]["placed"] == 4
    assert reasons(result)["AUX"] == "daylight_saving"
    group = group_of(result, "AU0")
    assert group["first_meeting_utc"] == "2025-03-25T08:00:00Z"


def test_half_hour_zones_india_and_adelaide_meet_on_the_half_hour_grid():
    # 10:00 UTC = 15:30 in Kolkata and 20:30 in Adelaide (ACDT, before 6 April).
    people = [
        person("F1", "Asia/Kolkata", {"Wednesday": [["15:00", "17:00"]]}),
        *crowd("IN", 2, "Asia/Kolkata", {"Wednesday": [["15:30", "16:30"]]}),
        *crowd("AD", 2, "Australia/Adelaide", {"Wednesday": [["20:30", "21:30"]]}),
    ]
    document = instance(
        people, anchor_timezone="Asia/Kolkata", cohort_start_date="2025-03-03", number_of_meetings=4
    )
    result = solve(document)
    assert validate(document, result) == []
    group = group_of(result, "AD0")
    assert (group["anchor_timezone"], group["local_time"]) == ("Asia/Kolkata", "15:30")
    assert group["first_meeting_utc"] == "2025-03-05T10:00:00Z"


def test_a_monday_morning_in_tokyo_wraps_to_sunday_in_utc():
    people = [
        person("F1", "Asia/Tokyo", {"Monday": [["08:00", "10:00"]]}),
        *crowd("JP", 3, "Asia/Tokyo", {"Monday": [["08:00", "09:00"]]}),
        person("NZ", "Pacific/Auckland", {"Monday": [["12:00", "13:00"]]}),
    ]
    document = instance(people, anchor_timezone="UTC", reference_week_monday="2025-01-06")
    result = solve(document)
    assert validate(document, result) == []
    group = group_of(result, "JP0")
    assert (group["weekday"], group["local_time"]) == ("Sunday", "23:00")
    assert group["start_minute"] == 6 * 1440 + 23 * 60
    assert sorted(group["learners"]) == ["JP0", "JP1", "JP2", "NZ"]


def test_a_meeting_spanning_sunday_midnight_utc_needs_both_days_free():
    people = [
        person("F1", "UTC", {"Sunday": [["23:00", "24:00"]], "Monday": [["00:00", "01:00"]]}),
        *crowd("A", 3, "UTC", {"Sunday": [["23:30", "24:00"]], "Monday": [["00:00", "00:30"]]}),
        person("B", "UTC", {"Sunday": [["23:30", "24:00"]]}),
    ]
    document = instance(people, anchor_timezone="UTC", reference_week_monday="2025-01-06")
    result = solve(document)
    assert validate(document, result) == []
    assert group_of(result, "A0")["local_time"] == "23:30"
    assert "B" in reasons(result)


def test_the_needed_cells_are_listed_in_order_and_padded_with_the_first() -> None:
    # against each row's needed cells listed one by one (random rows, empty ones too)
    import numpy as np

    from roundtable.scheduling.catalog import _cells_in_order

    chance = np.random.default_rng(1)
    for _ in range(200):
        rows, width = int(chance.integers(0, 12)), int(chance.integers(1, 30))
        needed = chance.random((rows, width)) < chance.random()
        listed = [[int(cell) for cell in np.flatnonzero(row)] for row in needed]
        longest = max([1, *(len(cells) for cells in listed)])
        expected = [cells + [cells[0] if cells else 0] * (longest - len(cells)) for cells in listed]
        assert _cells_in_order(needed).tolist() == expected
        assert _cells_in_order(needed).shape == (rows, longest)
