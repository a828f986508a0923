"""Issue 10: each group chooses its own anchor; facilitator overlap on actual datetimes."""

from __future__ import annotations

from tests.unit.scheduling.helpers import crowd, group_of, instance, person, solve
from tests.unit.scheduling.validator import validate

# 10 March to 28 April 2025: the US has changed clocks (9 March), the EU not until 30 March.
MARCH = {"cohort_start_date": "2025-03-10", "number_of_meetings": 4}


def _people() -> list[dict]:
    return [
        person("F_US", "America/New_York", {"Monday": [["19:00", "21:00"]]}),
        person("F_EU", "Europe/Berlin", {"Monday": [["19:00", "21:00"]]}),
        *crowd("US", 4, "America/New_York", {"Monday": [["19:00", "20:00"]]}),
        *crowd("EU", 4, "Europe/Berlin", {"Monday": [["19:00", "20:00"]]}),
    ]


def test_us_only_and_eu_only_groups_each_take_their_own_anchor():
    document = instance(_people(), anchor_timezone="per_group", **MARCH)
    result = solve(document)
    assert validate(document, result) == []
    assert result["stats"]["placed"] == 8
    us, eu = group_of(result, "US0"), group_of(result, "EU0")
    assert (us["anchor_timezone"], us["local_time"]) == ("America/New_York", "19:00")
    assert (eu["anchor_timezone"], eu["local_time"]) == ("Europe/Berlin", "19:00")
    assert us["local_time_changes"] == [] and eu["local_time_changes"] == []


def test_one_utc_anchor_loses_the_learners_whose_clocks_change_during_the_cohort():
    document = instance(_people(), anchor_timezone="UTC", **MARCH)
    result = solve(document)
    assert validate(document, result) == []
    assert result["stats"]["placed"] == 4  # the US changed on 9 March, before the cohort
    assert {u["id"]: u["reason"] for u in result["unplaced"]}["EU0"] == "daylight_saving"


def test_a_mixed_us_eu_group_is_anchored_where_everyone_stays_free():
    # New York 14:00-16:00 and London 18:00-20:00: before 30 March 14:00 EDT = 18:00 GMT,
    # after it 15:00 EDT = 19:00 BST; a London (or New York) anchor at 18:00/14:00 fits both.
    people = [
        person("F1", "Europe/London", {"Thursday": [["18:00", "20:00"]]}),
        *crowd("US", 2, "America/New_York", {"Thursday": [["14:00", "15:00"]]}),
        *crowd("EU", 2, "Europe/London", {"Thursday": [["18:00", "20:00"]]}),
    ]
    document = instance(people, anchor_timezone="per_group", **MARCH)
    result = solve(document)
    assert validate(document, result) == []
    assert result["stats"]["placed"] == 4
    assert group_of(result, "US0")["anchor_timezone"] in {"America/New_York"}


def test_a_facilitator_is_not_given_two_groups_whose_meetings_collide_in_one_week_only():
    # F1 (London) could lead a London-anchored 18:00 group and a New-York-anchored 14:00 group
    # on Thursdays: identical instants before 9 March, an hour apart from 9 to 29 March, and
    # identical again from 30 March; the cohort spans all three, so at most one is allowed.
    people = [
        person("F1", "Europe/London", {"Thursday": [["17:00", "21:00"]]}),
        *crowd("EU", 3, "Europe/London", {"Thursday": [["18:00", "19:00"]]}),
        *crowd("US", 3, "America/New_York", {"Thursday": [["14:00", "15:00"]]}),
    ]
    params = {"cohort_start_date": "2025-03-06", "number_of_meetings": 5}
    document = instance(
        people,
        anchor_timezone="per_group",
        anchor_candidates=["Europe/London", "America/New_York"],
        **params,
    )
    result = solve(document)
    assert validate(document, result) == []
    assert len(result["groups"]) == 1
