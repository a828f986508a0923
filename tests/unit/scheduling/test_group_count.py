"""The fewest new groups by HiGHS (group_count.py): the spread bound it gives never exceeds
the brute-forced optimum, and it counts groups the held sizes alone allow to be fewer;
spread's own relaxation never exceeds the optimum either, nor does the bound from the
learners' least by a relaxation, which sees seats the leaders' capacity keeps from them."""

from __future__ import annotations

import pytest

from roundtable.scheduling import phase_spread
from roundtable.scheduling.bounds import learner_cost_bound, seats, spread_bound
from roundtable.scheduling.group_count import (
    _learners_pay,
    least_learner_cost,
    least_new_groups,
    least_spread,
)
from roundtable.scheduling.heuristic import solve_heuristic
from roundtable.scheduling.highs import Runner
from roundtable.scheduling.plan import Plan
from roundtable.scheduling.problem import Problem
from roundtable.scheduling.solver import solve_exact
from roundtable.scheduling.values import learners_pay, plan_objectives, values_from_plan
from tests.unit.scheduling.helpers import person
from tests.unit.scheduling.test_phase_bounds import (
    _brute_force,
    _cohort,
    _fewest_groups,
    _problem_of,
)

_THREE_DAYS = {day: [["18:00", "19:00"]] for day in ("Tuesday", "Wednesday", "Thursday")}
_TUESDAY, _WEDNESDAY, _THURSDAY = ({day: hours} for day, hours in _THREE_DAYS.items())


def _held(problem: Problem, held: tuple[int, int, int]) -> tuple[Runner, Plan]:
    """A runner holding (placed, sizes, preferences), and an answer keeping them."""
    runner = Runner(problem, 1)
    for name, value in zip(("placed", "sizes", "preferences"), held, strict=True):
        runner.hold(name, value)
    return runner, solve_exact(problem, solve_heuristic(problem, 1), 1, 10.0).plan


@pytest.mark.parametrize("seed", range(10))
def test_the_spread_bound_by_counted_groups_never_exceeds_the_brute_forced_optimum(seed):
    problem = _cohort(seed, facilitators=2, most_groups=2)
    placed, sizes, preferences, spread = _brute_force(problem)
    runner, plan = _held(problem, (placed, sizes, preferences))
    least = least_new_groups(runner, 10.0)
    assert least <= plan.group_count()
    budget = preferences - learner_cost_bound(problem, placed)
    assert spread_bound(problem, least, budget) <= spread


@pytest.mark.parametrize("seed", range(10))
def test_the_relaxed_spread_never_exceeds_the_brute_forced_optimum(seed):
    problem = _cohort(seed, facilitators=2, most_groups=2)
    placed, sizes, preferences, spread = _brute_force(problem)
    runner, _plan = _held(problem, (placed, sizes, preferences))
    assert 0 < least_spread(runner, 10.0) <= spread


def test_learners_on_three_days_need_three_groups_though_the_sizes_allow_two():
    # two learners on each of three days, groups of 2-3 learners (target 3): the held
    # sizes (3) allow two groups by the count alone (3 * 2 >= 6 - 3), the days only three;
    # two facilitators able to lead two each, so one of them leads a second group
    people = [person(f"F{k}", "UTC", _THREE_DAYS, max_groups=2) for k in range(2)]
    for day in _THREE_DAYS:
        people += [person(f"{day}{k}", "UTC", {day: _THREE_DAYS[day]}) for k in range(2)]
    problem = _problem_of(people)
    assert seats(problem) == 6 and problem.params.learner_bounds() == (2, 3)
    placed, sizes, preferences, spread = _brute_force(problem)
    assert (placed, sizes, spread) == (6, 3, 11)
    assert _fewest_groups(problem, placed, sizes) == 3 - 1
    runner, plan = _held(problem, (placed, sizes, preferences))
    assert least_new_groups(runner, 10.0) == 3
    assert spread_bound(problem, 2, 0) == 1 < spread_bound(problem, 3, 0) == spread


@pytest.mark.parametrize("seed", range(10))
def test_the_spread_bound_by_the_learners_least_never_exceeds_the_brute_forced_optimum(seed):
    problem = _cohort(seed, facilitators=2, most_groups=2)
    placed, sizes, preferences, spread = _brute_force(problem)
    runner, _plan = _held(problem, (placed, sizes, preferences))
    least = least_learner_cost(runner, 10.0)
    assert learner_cost_bound(problem, placed) <= least <= preferences
    assert (
        spread_bound(problem, _fewest_groups(problem, placed, sizes), preferences - least) <= spread
    )


def _thursday_crowded() -> Problem:
    # four learners on Thursday, where one facilitator leads one group of at most 3: the
    # fourth pays an if-needed Wednesday, which the solver-free count misses; the held
    # preferences then leave the leaders nothing, so F1 (if-needed Wednesday) cannot lead
    # and F0 leads Tuesday and Wednesday: 10 for a second group + 1
    return _problem_of(
        [
            person("F0", "UTC", _TUESDAY | _WEDNESDAY, max_groups=2),
            person("F1", "UTC", {}, if_needed=_WEDNESDAY, max_groups=1),
            person("F2", "UTC", _THURSDAY, max_groups=1),
            *[person(f"C{k}", "UTC", _THURSDAY, if_needed=_WEDNESDAY) for k in range(4)],
            *[person(f"B{k}", "UTC", _TUESDAY | _WEDNESDAY) for k in range(5)],
        ]
    )


def test_the_learners_least_counts_a_seat_the_leaders_capacity_keeps_from_the_cheapest_time():
    problem = _thursday_crowded()
    weight = problem.if_needed_weight()
    plan = solve_exact(problem, solve_heuristic(problem, 1), 1, 10.0).plan
    scores = plan_objectives(problem, plan)
    held = (scores["placed"], scores["sizes"], scores["preferences"])
    assert held == (9, 0, weight)
    runner, _plan = _held(problem, held)
    assert learner_cost_bound(problem, 9) == 0
    assert least_learner_cost(runner, 10.0) == weight
    assert spread_bound(problem, 3, weight - 0) == 1
    assert spread_bound(problem, 3, weight - weight) == 11 == scores["spread"]


def test_spread_asks_the_learners_least_only_where_it_could_accept_the_plan(monkeypatch):
    asked: list[int] = []

    def least(runner: Runner, budget: float) -> int:
        asked.append(least_learner_cost(runner, budget))
        return asked[-1]

    monkeypatch.setattr(phase_spread, "least_learner_cost", least)
    problem = _thursday_crowded()
    outcome = solve_exact(problem, solve_heuristic(problem, 1), 1, 10.0)
    assert asked == [problem.if_needed_weight()]
    assert outcome.results["spread"].value == outcome.results["spread"].bound == 11
    # the plan's learners pay nothing there: the least could not leave the leaders less
    asked.clear()
    tuesday_or_wednesday = _problem_of(
        [
            person("F0", "UTC", _TUESDAY | _WEDNESDAY, max_groups=2),
            person("F1", "UTC", {}, if_needed=_WEDNESDAY, max_groups=1),
            *[person(f"A{k}", "UTC", _TUESDAY | _WEDNESDAY) for k in range(6)],
        ]
    )
    solve_exact(tuesday_or_wednesday, solve_heuristic(tuesday_or_wednesday, 1), 1, 10.0)
    assert asked == []


@pytest.mark.parametrize("seed", range(6))
def test_what_the_learners_pay_is_what_the_models_learner_columns_cost(seed):
    """`values.learners_pay`, which spread's gate reads, counts what the model's learner
    columns cost in the preferences objective (the relaxation `least_learner_cost` bounds),
    and with the leaders' options it is the plan's preferences."""
    problem = _cohort(seed, facilitators=2, most_groups=2)
    plan = solve_exact(problem, solve_heuristic(problem, 1), 1, 10.0).plan
    model, _highs = Runner(problem, 1).loaded()
    values = values_from_plan(problem, model, plan)
    columns_cost = sum(cost * values[col] for col, cost in _learners_pay(model).items())
    leaders = sum(
        problem.facilitator_options[f][start]
        for start, facilitators in plan.groups_at.items()
        for f in facilitators
    )
    assert learners_pay(problem, plan) == round(columns_cost)
    assert learners_pay(problem, plan) + leaders == plan_objectives(problem, plan)["preferences"]
