"""The solver-free bounds are valid: never above the optimum of brute-forced small cohorts."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator

import pytest

from roundtable.scheduling.bounds import (
    held_totals,
    leader_cost_bound,
    learner_cost_bound,
    least_crowd,
    placement_bound,
    seats,
    size_bound,
    spread_bound,
)
from roundtable.scheduling.heuristic import solve_heuristic
from roundtable.scheduling.instance import parse_instance
from roundtable.scheduling.scheduler import _problem
from roundtable.scheduling.solver import solve_exact
from roundtable.scheduling.values import plan_objectives
from tests.unit.scheduling.helpers import instance, person, solve

_DAYS = ("Tuesday", "Wednesday", "Thursday")  # three starts at 18:00 that never overlap
WEDNESDAY = {"Wednesday": [["18:00", "19:00"]]}


def _hours(rng: random.Random) -> dict[str, list[list[str]]]:
    return {day: [["18:00", "19:00"]] for day in _DAYS if rng.random() < 0.5}


def _cohort(seed: int, facilitators: int = 3, most_groups: int = 1):
    rng = random.Random(seed)
    people = []
    for k in range(facilitators):
        extra = {"if_needed": _hours(rng)} if rng.random() < 0.5 else {}
        groups = rng.randint(1, most_groups)
        people.append(person(f"F{k}", "UTC", _hours(rng), max_groups=groups, **extra))
    for k in range(rng.randint(5, 6)):
        extra = {"if_needed": _hours(rng)} if rng.random() < 0.4 else {}
        people.append(person(f"L{k}", "UTC", _hours(rng), **extra))
    document = instance(people, min_group_size=3, max_group_size=4, target_group_size=4)
    params, everyone, existing = parse_instance(document)
    return _problem(everyone, params, existing)


def _brute_force(problem) -> tuple[int, int, int, int]:
    """(placed, sizes, preferences, spread), lexicographically best over every answer."""
    best = max(
        (
            (placed, -sizes, -cost, -spread)
            for placed, sizes, cost, spread, _led, _total in _answers(problem)
        ),
        default=(0, 0, 0, 0),
    )
    return best[0], -best[1], -best[2], -best[3]


def _assert_exact_reaches_the_brute_forced_optimum(problem) -> None:
    """The exact solver from the heuristic's plan reaches the brute-forced placed, sizes
    and preferences."""
    placed, sizes, preferences, _spread = _brute_force(problem)
    plan = solve_exact(problem, solve_heuristic(problem, 1), 1, 10.0).plan
    scores = plan_objectives(problem, plan)
    assert (scores["placed"], scores["sizes"], scores["preferences"]) == (
        placed,
        sizes,
        preferences,
    )


def _answers(problem) -> Iterator[tuple[int, int, int, int, int, int]]:
    """(placed, sizes, preferences, spread, facilitators leading, new groups) of every
    answer.

    Each facilitator leads any set of their starts up to their capacity (the three
    starts never overlap)."""
    low, high = problem.params.learner_bounds()
    target = problem.params.target_learners()
    leads = [
        [
            chosen
            for size in range(min(capacity, len(options)) + 1)
            for chosen in itertools.combinations(sorted(options), size)
        ]
        for capacity, options in zip(
            problem.facilitator_capacity, problem.facilitator_options, strict=True
        )
    ]
    seats = [[None, *sorted(options)] for options in problem.learner_options]
    yield 0, 0, 0, 0, 0, 0  # nobody placed is possible
    for leaders in itertools.product(*leads):
        groups: dict[int, int] = {}
        paid = 0
        for f, starts in enumerate(leaders):
            for start in starts:
                groups[start] = groups.get(start, 0) + 1
                paid += problem.facilitator_options[f][start]
        spread = 10 * sum(max(len(starts) - 1, 0) for starts in leaders)
        spread += max(groups.values(), default=0)
        led = sum(1 for starts in leaders if starts)
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
            yield sum(counts.values()), sizes, cost, spread, led, sum(groups.values())


def _fewest_groups(problem, placed: int, sizes: int) -> int:
    """The solver's fewest new groups: G*max >= P and t*G >= P - sizes."""
    low, high = problem.params.learner_bounds()
    target = problem.params.target_learners()
    return max(-(-placed // high), -(-(placed - sizes) // target)) if placed else 0


@pytest.mark.parametrize("slack", [0, 1])
@pytest.mark.parametrize("seed", range(12))
def test_every_answer_keeping_the_holds_has_a_total_of_groups_they_allow(seed, slack):
    # the if-needed seats' bound holds its total of groups within this range (`open_starts`);
    # `slack` loosens both holds, so answers below the optima are checked too
    problem = _cohort(seed, most_groups=2)
    placed, sizes, _preferences, _spread = _brute_force(problem)
    holds = {"placed": max(placed - slack, 0), "sizes": sizes + slack}
    totals = held_totals(problem, holds)
    kept = [
        total
        for p, s, _cost, _spread, _led, total in _answers(problem)
        if p >= holds["placed"] and s <= holds["sizes"]
    ]
    assert kept and all(total in totals for total in kept)
    # without holds every answer (nobody placed too) is within the size limits' range
    assert all(total in held_totals(problem, {}) for *_rest, total in _answers(problem))


@pytest.mark.parametrize("seed", range(12))
def test_size_and_preference_bounds_never_exceed_the_brute_forced_optimum(seed):
    problem = _cohort(seed)
    placed, sizes, preferences, _spread = _brute_force(problem)
    assert placed <= placement_bound(problem)
    assert size_bound(problem, placed) <= sizes
    fewest = _fewest_groups(problem, placed, sizes)
    bound = learner_cost_bound(problem, placed) + leader_cost_bound(problem, fewest)
    assert bound <= preferences


@pytest.mark.parametrize("seed", range(10))
def test_the_spread_bound_never_exceeds_the_brute_forced_optimum(seed):
    # two facilitators leading up to two groups each: seconds, paid leaders and crowds
    problem = _cohort(seed, facilitators=2, most_groups=2)
    placed, sizes, preferences, spread = _brute_force(problem)
    fewest = _fewest_groups(problem, placed, sizes)
    budget = preferences - learner_cost_bound(problem, placed)
    pinned = budget == 0 and placed == seats(problem)
    crowd = least_crowd(problem, fewest, placed - sizes, pinned)
    assert spread_bound(problem, fewest, budget, crowd) <= spread


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
    assert _brute_force(problem)[:3] == (6, 0, weight)


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


def _problem_of(people, **params):
    document = instance(people, min_group_size=3, max_group_size=4, target_group_size=4, **params)
    parsed, everyone, existing = parse_instance(document)
    return _problem(everyone, parsed, existing)


def test_the_spread_bound_counts_leaders_the_preferences_leave_idle():
    # two groups; F1 could lead the second only on if-needed time, which the held
    # preferences (nobody pays) rule out, so F0 leads both: 10 for a second group + 1
    tuesday = {"Tuesday": [["18:00", "19:00"]]}
    both = tuesday | {"Wednesday": [["18:00", "19:00"]]}
    people = [
        person("F0", "UTC", both, max_groups=2),
        person("F1", "UTC", {}, if_needed={"Wednesday": [["18:00", "19:00"]]}, max_groups=1),
        *[person(f"A{k}", "UTC", both) for k in range(6)],
    ]
    problem = _problem_of(people)
    assert _brute_force(problem) == (6, 0, 0, 11)
    assert spread_bound(problem, 2) == 1  # without the budget: F1 could lead one
    assert spread_bound(problem, 2, leader_budget=0) == 11


def test_the_crowd_bound_counts_learners_held_at_their_cheapest_time():
    # a peer cohort: eight learners at their regular Tuesday need two groups there, though
    # Wednesday (if-needed) would spread them over two starts
    people = [
        person(f"A{k}", "UTC", {"Tuesday": [["18:00", "19:00"]]}, if_needed=WEDNESDAY)
        for k in range(8)
    ]
    problem = _problem_of(people, require_facilitator=False)
    assert least_crowd(problem, 2, need=8, cheapest_only=False) == 1
    assert least_crowd(problem, 2, need=8, cheapest_only=True) == 2
    assert least_crowd(problem, 2, need=8, cheapest_only=True, most=1) == 1  # not tried
    assert spread_bound(problem, 2, crowd=2) == 2
    result = solve(
        instance(
            people,
            min_group_size=3,
            max_group_size=4,
            target_group_size=4,
            require_facilitator=False,
        )
    )
    assert "spread" in result["stats"]["phases"][-1]
    assert result["stats"]["phases"][-1].endswith("2 = lower bound, optimal")


def _peer_brute_force(problem) -> tuple[int, int, int, int]:
    """(placed, sizes, preferences, spread) of a peer cohort, lexicographically best: per
    start the group count with the least deviation, the fewest among those."""
    low, high = problem.params.learner_bounds()
    target = problem.params.target_learners()
    seats = [[None, *sorted(options)] for options in problem.learner_options]
    best = (0, 0, 0, 0)
    for chosen in itertools.product(*seats):
        counts: dict[int, int] = {}
        for start in chosen:
            if start is not None:
                counts[start] = counts.get(start, 0) + 1
        fits = {
            start: [g for g in range(1, count + 1) if low * g <= count <= high * g]
            for start, count in counts.items()
        }
        if not all(fits.values()):
            continue
        groups = {
            s: min(g, key=lambda k, s=s: (abs(counts[s] - target * k), k)) for s, g in fits.items()
        }
        sizes = sum(abs(counts[s] - target * g) for s, g in groups.items())
        cost = sum(problem.learner_options[i][s] for i, s in enumerate(chosen) if s is not None)
        spread = max(groups.values(), default=0)
        best = max(best, (sum(counts.values()), -sizes, -cost, -spread))
    return best[0], -best[1], -best[2], -best[3]


@pytest.mark.parametrize("seed", range(10))
def test_the_crowd_bound_never_exceeds_a_brute_forced_peer_optimum(seed):
    rng = random.Random(seed)
    people = []
    for k in range(rng.randint(6, 8)):
        # most learners on Tuesday, some only if needed elsewhere: crowds at one start
        regular = {"Tuesday": [["18:00", "19:00"]]} if rng.random() < 0.7 else _hours(rng)
        people.append(person(f"L{k}", "UTC", regular, if_needed=_hours(rng)))
    document = instance(
        people, min_group_size=2, max_group_size=3, target_group_size=3, require_facilitator=False
    )
    parsed, everyone, existing = parse_instance(document)
    problem = _problem(everyone, parsed, existing)
    placed, sizes, preferences, spread = _peer_brute_force(problem)
    fewest = _fewest_groups(problem, placed, sizes)
    pinned = preferences == learner_cost_bound(problem, placed) and placed == seats(problem)
    crowd = least_crowd(problem, fewest, placed - sizes, pinned)
    assert spread_bound(problem, fewest, crowd=crowd) <= spread
