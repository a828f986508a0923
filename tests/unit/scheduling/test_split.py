"""Solving a cohort by its independent parts gives the whole model's values (split.py)."""

from __future__ import annotations

import random
import re
from typing import Any

import pytest

from roundtable.scheduling.generate import generate_instance
from roundtable.scheduling.instance import parse_instance
from roundtable.scheduling.parts import find_parts, sub_problem, whole_part
from roundtable.scheduling.regions import region_parts
from roundtable.scheduling.scheduler import _problem
from roundtable.scheduling.split import spread_lower_bound
from tests.unit.scheduling.helpers import crowd, instance, person, solve
from tests.unit.scheduling.validator import validate

# Days of the week each part may use: far enough apart that no meeting of one part
# can be attended by anybody of another (all zones are European, a few hours apart).
_PART_DAYS = (("Monday", "Tuesday"), ("Thursday",), ("Saturday", "Sunday"))
_ZONES = ("Europe/London", "Europe/Berlin", "Europe/Warsaw", "Europe/Madrid")
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _parted_cohort(seed: int, sizes: tuple[int, ...], **params: Any) -> dict[str, Any]:
    """Generated people, each part's availability moved onto its own days."""
    rng = random.Random(seed)
    people: list[dict[str, Any]] = []
    for part, size in enumerate(sizes):
        document = generate_instance(size, seed=seed * 10 + part)
        for entry in document["people"]:
            days = _PART_DAYS[part]
            moved: dict[str, list[list[str]]] = {}
            for day, blocks in entry["availability_local"].items():
                moved.setdefault(days[_DAYS.index(day) % len(days)], []).extend(blocks)
            people.append(
                {
                    **entry,
                    "id": f"{entry['id'][0]}{part}-{entry['id'][1:]}",
                    "timezone": rng.choice(_ZONES),
                    "availability_local": {d: _merged(b) for d, b in moved.items()},
                    "if_needed_local": {},
                }
            )
    return instance(people, cohort_start_date="2025-01-13", number_of_meetings=6, **params)


def _merged(blocks: list[list[str]]) -> list[list[str]]:
    """Overlapping blocks of one day joined (the instance format refuses overlaps)."""
    result: list[list[str]] = []
    for begin, end in sorted(blocks):
        if result and begin <= result[-1][1]:
            result[-1][1] = max(result[-1][1], end)
        else:
            result.append([begin, end])
    return result


def _phase_values(result: dict[str, Any]) -> dict[str, tuple[int, bool]]:
    """Each phase's value and whether it was proven optimal, read off the phase lines."""
    found = {}
    for line in result["stats"]["phases"]:
        match = re.match(r"^(\w+) \([\d.]+ s\): (\d+)", line)
        if match and match.group(1) != "exact":
            found[match.group(1)] = (int(match.group(2)), line.endswith("optimal"))
    return found


def _parts_of(document: dict[str, Any]) -> list[set[str]]:
    params, people, existing = parse_instance(document)
    problem = _problem(people, params, existing)
    return [{problem.learners[i].person.id for i in part.learners} for part in find_parts(problem)]


_SENSES = {"placed": True, "sizes": False, "preferences": False}


@pytest.mark.parametrize(("seed", "sizes"), [(1, (24, 18, 30)), (2, (12, 9)), (3, (8, 10, 6))])
def test_split_gives_the_whole_models_phase_values(seed: int, sizes: tuple[int, ...]) -> None:
    document = _parted_cohort(seed, sizes)
    whole = solve(document, split=False, time_limit=8.0, seed=seed)
    parts = solve(document, split=True, time_limit=8.0, seed=seed)
    assert parts["stats"]["phases"][0].startswith(f"exact: solved as {len(sizes)} independent")
    assert validate(document, parts) == []
    whole_values, part_values = _phase_values(whole), _phase_values(parts)
    for name, maximise in _SENSES.items():
        (value, proven), (mine, mine_proven) = whole_values[name], part_values[name]
        assert mine_proven, name  # parts this small are proven in every additive phase
        if proven:
            assert mine == value, name
        else:  # the whole model stopped short: its value is no better than the optimum
            assert (value <= mine) if maximise else (value >= mine), name
    assert parts["stats"]["placed"] == whole["stats"]["placed"]
    # spread where both proved it (under load the whole model may stop before spread)
    whole_spread, part_spread = whole_values.get("spread"), part_values.get("spread")
    if whole_spread and part_spread and whole_spread[1] and part_spread[1]:
        assert part_spread[0] == whole_spread[0]


def test_parts_are_the_connected_components() -> None:
    evening = {"Monday": [["18:00", "20:00"]]}
    morning = {"Thursday": [["08:00", "10:00"]]}
    # M3 bridges nothing (Thursday only); E-people and the bridge B meet on Monday.
    people = [
        person("F1", "Europe/London", evening),
        person("F2", "Europe/London", morning),
        *crowd("E", 4, "Europe/London", evening),
        *crowd("M", 4, "Europe/London", morning),
        person("B", "Europe/London", {**evening, **morning}),
    ]
    parts = _parts_of(instance(people, min_group_size=3, max_group_size=8))
    assert len(parts) == 1  # B can make both times: one component through B
    without_bridge = [p for p in people if p["id"] != "B"]
    parts = _parts_of(instance(without_bridge, min_group_size=3, max_group_size=8))
    assert parts == [{"E0", "E1", "E2", "E3"}, {"M0", "M1", "M2", "M3"}]


def test_a_facilitator_connects_what_learners_alone_do_not() -> None:
    monday = {"Monday": [["18:00", "19:00"]]}
    thursday = {"Thursday": [["18:00", "19:00"]]}
    people = [
        person("F1", "Europe/London", {**monday, **thursday}, max_groups=1),
        *crowd("A", 3, "Europe/London", monday),
        *crowd("T", 3, "Europe/London", thursday),
    ]
    document = instance(people, min_group_size=3, max_group_size=6)
    assert len(_parts_of(document)) == 1  # one facilitator for both: not independent
    result = solve(document, split=True)
    assert result["stats"]["placed"] == 3


def test_people_who_can_meet_nobody_form_no_part() -> None:
    people = [
        person("F1", "Europe/London", {"Monday": [["18:00", "20:00"]]}),
        *crowd("E", 4, "Europe/London", {"Monday": [["18:00", "20:00"]]}),
        person("X", "Europe/London", {"Friday": [["08:00", "09:00"]]}),
    ]
    document = instance(people, min_group_size=3, max_group_size=8)
    assert _parts_of(document) == [{"E0", "E1", "E2", "E3"}]


def test_sub_problems_keep_the_catalogue_and_remap_people() -> None:
    document = _parted_cohort(5, (12, 12))
    params, people, existing = parse_instance(document)
    problem = _problem(people, params, existing)
    parts = find_parts(problem)
    assert len(parts) == 2
    covered = sorted(i for part in parts for i in part.learners)
    assert len(covered) == len(set(covered))
    for part in parts:
        sub = sub_problem(problem, part)
        assert sub.catalog is problem.catalog
        assert [a.person.id for a in sub.learners] == [
            problem.learners[i].person.id for i in part.learners
        ]
        assert set(sub.viable_starts) <= set(problem.viable_starts)
        for cls in sub.classes:
            for k in cls.members:
                assert sub.learner_options[k] == dict(cls.options)


def test_split_is_deterministic() -> None:
    # every phase proven in every part: no answer depends on the clock
    document = _parted_cohort(7, (16, 12, 10))
    first = solve(document, split=True, seed=3)
    second = solve(document, split=True, seed=3)
    assert first["groups"] == second["groups"]
    assert first["unplaced"] == second["unplaced"]
    assert all(line.endswith("optimal") for line in first["stats"]["phases"][1:])


@pytest.mark.parametrize(
    ("bounds", "crowds", "expected"),
    [
        ([], [], 0),
        ([3, 5], [4, 6], 5),  # peer-like: only the most groups at a start counts
        ([11, 4], [12, 5], 11),  # 10·1 + 1 in one part, or M = 11 with no double-up
        ([11, 4], [3, 5], 14),  # at most 5 groups at a start: the double-up stays
        ([21, 21], [30, 30], 21),  # M = 21 covers both
        ([11, 11, 21], [8, 8, 8], 41),  # M <= 8: every double-up stays (4 of them)
    ],
)
def test_spread_lower_bound(bounds: list[int], crowds: list[int], expected: int) -> None:
    assert spread_lower_bound(bounds, crowds) == expected


def _world_cohort(seed: int, size: int) -> dict[str, Any]:
    """A generated cohort across every region (one connected part), 8 meetings."""
    params = {"cohort_start_date": "2025-01-13", "number_of_meetings": 8}
    return generate_instance(size, seed=seed, params=params)


def test_regions_cut_between_zones_in_offset_order() -> None:
    params, people, existing = parse_instance(_world_cohort(11, 300))
    problem = _problem(people, params, existing)
    regions = region_parts(problem, 100)
    assert len(regions) == 3
    zones = [{problem.learners[i].person.timezone for i in part.learners} for part in regions]
    for first, second in zip(zones, zones[1:], strict=False):
        assert not first & second  # a zone is never cut
    covered = sorted(i for part in regions for i in part.learners)
    whole = whole_part(problem)
    assert covered == [i for i in whole.learners if any(i in c.members for c in problem.classes)]


@pytest.mark.parametrize("workers", [1, 2])
def test_a_part_above_the_limit_is_solved_by_region_with_its_gap_reported(workers: int) -> None:
    document = _world_cohort(12, 240)
    options = {"part_limit": 80, "workers": workers}
    result = solve(document, split=True, time_limit=12.0, seed=1, part_options=options)
    assert validate(document, result) == []
    phases = result["stats"]["phases"]
    assert "solved by region" in phases[0]
    placed = next(line for line in phases if line.startswith("placed"))
    assert placed.endswith("optimal") or "regions)" in placed  # proven, or the gap with why
    assert result["stats"]["placed"] >= 0.9 * result["stats"]["upper_bound"]


def _three_regions() -> dict[str, Any]:
    """Evening people in three far-apart zones, joined into one part by someone free all
    week: regions that are nearly independent, so each is proven in a moment."""
    evenings = {day: [["18:00", "21:00"]] for day in ("Monday", "Tuesday", "Wednesday")}
    people = [person("L-any", "UTC", {day: [["00:00", "24:00"]] for day in _DAYS})]
    for zone in ("America/Los_Angeles", "Europe/London", "Asia/Tokyo"):
        tag = zone.split("/")[1][:3]
        people += [person(f"F-{tag}{n}", zone, evenings) for n in range(2)]
        people += crowd(f"L-{tag}", 9, zone, evenings)
    return instance(people, min_group_size=3, max_group_size=6, target_group_size=5)


def test_region_solves_agree_across_processes() -> None:
    document = _three_regions()
    assert len(_parts_of(document)) == 1
    one = solve(document, time_limit=60.0, seed=2, part_options={"part_limit": 12, "workers": 1})
    two = solve(document, time_limit=60.0, seed=2, part_options={"part_limit": 12, "workers": 2})
    assert "solved by region" in two["stats"]["phases"][0]
    assert validate(document, two) == []
    assert one["groups"] == two["groups"]
