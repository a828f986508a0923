"""The fewest new groups by HiGHS (group_count.py): the spread bound it gives never exceeds
the brute-forced optimum, and it counts groups the held sizes alone allow to be fewer;
spread's own relaxation never exceeds the optimum either."""

from __future__ import annotations

import pytest

from roundtable.scheduling.bounds import learner_cost_bound, seats, spread_bound
from roundtable.scheduling.group_count import least_new_groups, least_spread
from roundtable.scheduling.heuristic import solve_heuristic
from roundtable.scheduling.highs import Runner
from roundtable.scheduling.plan import Plan
from roundtable.scheduling.problem import Problem
from roundtable.scheduling.solver import solve_exact
from tests.unit.scheduling.helpers import person
from tests.unit.scheduling.test_phase_bounds import (
    _brute_force,
    _cohort,
    _fewest_groups,
    _problem_of,
)

_THREE_DAYS = {day: [["18:00", "19:00"]] for day in ("Tuesday", "Wednesday", "Thursday")}


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
