"""The solver-free bounds are valid: never above the optimum of brute-forced small cohorts."""

from __future__ import annotations

import itertools
import random

import pytest

from roundtable.scheduling.bounds import (
    leader_cost_bound,
    learner_cost_bound,
    placement_bound,
    size_bound,
)
from roundtable.scheduling.instance import parse_instance
from roundtable.scheduling.scheduler import _problem
from tests.unit.scheduling.helpers import instance, person

_DAYS = ("Tuesday", "Wednesday", "Thursday")  # three starts at 18:00 that never overlap


def _hours(rng: random.Random) -> dict[str, list[list[str]]]:
    return {day: [["18:00", "19:00"]] for day in _DAYS if rng.random() < 0.5}


def _cohort(seed: int):
    rng = random.Random(seed)
    people = []
    for k in range(3):
        extra = {"if_needed": _hours(rng)} if rng.random() < 0.5 else {}
        people.append(person(f"F{k}", "UTC", _hours(rng), max_groups=1, **extra))
    for k in range(rng.randint(5, 6)):
        extra = {"if_needed": _hours(rng)} if rng.random() < 0.4 else {}
        people.append(person(f"L{k}", "UTC", _hours(rng), **extra))
    document = instance(people, min_group_size=3, max_group_size=4, target_group_size=4)
    params, everyone, existing = parse_instance(document)
    return _problem(everyone, params, existing)


def _brute_force(problem) -> tuple[int, int, int]:
    """(placed, sizes, preferences), lexicographically best over every possible answer."""
    low, high = problem.params.learner_bounds()
    target = problem.params.target_learners()
    leads = [[None, *sorted(options)] for options in problem.facilitator_options]
    seats = [[None, *sorted(options)] for options in problem.learner_options]
    best = (0, 0, 0)  # (placed, -sizes, -preferences): nobody placed is always possible
    for leaders in itertools.product(*leads):
        groups: dict[int, int] = {}
        paid = 0
        for f, start in enumerate(leaders):
            if start is not None:
                groups[start] = groups.get(start, 0) + 1
                paid += problem.facilitator_options[f][start]
        for chosen in itertools.product(*seats):
            counts = dict.fromkeys(groups, 0)
            if any(start is not None and start not in groups for start in chosen):
                continue
            for start in chosen:
                if start is not None:
                    counts[start] += 1
            if any(not low * g <= counts[s] <= high * g for s, g in groups.items()):
                continue
            sizes = sum(abs(counts[s] - target * g) for s, g in groups.items())
            cost = paid + sum(
                problem.learner_options[i][s] for i, s in enumerate(chosen) if s is not None
            )
            best = max(best, (sum(counts.values()), -sizes, -cost))
    return best[0], -best[1], -best[2]


@pytest.mark.parametrize("seed", range(12))
def test_size_and_preference_bounds_never_exceed_the_brute_forced_optimum(seed):
    problem = _cohort(seed)
    placed, sizes, preferences = _brute_force(problem)
    assert placed <= placement_bound(problem)
    assert size_bound(problem, placed) <= sizes
    low, high = problem.params.learner_bounds()
    target = problem.params.target_learners()
    # the solver's fewest new groups: G*max >= P and t*G >= P - sizes
    fewest = max(-(-placed // high), -(-(placed - sizes) // target)) if placed else 0
    bound = learner_cost_bound(problem, placed) + leader_cost_bound(problem, fewest)
    assert bound <= preferences


def test_the_preference_bound_counts_leaders_who_must_pay():
    # two groups are needed; one facilitator is free on regular time, the other only on
    # if-needed time, so one group's leader pays the if-needed weight whatever the answer
    tuesday = {"Tuesday": [["18:00", "19:00"]]}
    wednesday = {"Wednesday": [["18:00", "19:00"]]}
    people = [
        person("F0", "UTC", tuesday, max_groups=1),
        person("F1", "UTC", {}, if_needed=wednesday, max_groups=1),
        *[person(f"A{k}", "UTC", tuesday) for k in range(3)],
        *[person(f"B{k}", "UTC", wednesday) for k in range(3)],
    ]
    document = instance(people, min_group_size=3, max_group_size=4, target_group_size=4)
    params, everyone, existing = parse_instance(document)
    problem = _problem(everyone, params, existing)
    weight = len(people) + 1
    assert learner_cost_bound(problem, 6) == 0
    assert leader_cost_bound(problem, 2) == weight
    assert _brute_force(problem) == (6, 0, weight)


def test_the_placement_bound_counts_what_the_facilitators_can_lead():
    # six learners can meet, but the only facilitator leads one group of at most 3 learners
    tuesday = {"Tuesday": [["18:00", "19:00"]]}
    people = [
        person("F0", "UTC", tuesday, max_groups=1),
        *[person(f"A{k}", "UTC", tuesday) for k in range(6)],
    ]
    document = instance(people, min_group_size=3, max_group_size=4, target_group_size=4)
    params, everyone, existing = parse_instance(document)
    problem = _problem(everyone, params, existing)
    assert placement_bound(problem) == 3 == _brute_force(problem)[0]
