"""HiGHS's model within the fewest if-needed seats (phase_preferences._within_fewest_seats):
step (a) alone never counts more learners' if-needed seats than an answer keeping the
holds pays, the model with the held total and those seats as rows reaches the
brute-forced optimum and bounds it, and the learners' least with so many seats
(`learner_cost_with_if_needed`, spread's leaders' budget) is the least of every seating."""

from __future__ import annotations

import itertools

import pytest

from roundtable.scheduling.bounds import learner_cost_with_if_needed
from roundtable.scheduling.formulation import if_needed_row, total_row
from roundtable.scheduling.heuristic import solve_heuristic
from roundtable.scheduling.highs import Runner
from roundtable.scheduling.open_starts import fewest_if_needed
from roundtable.scheduling.problem import Problem
from roundtable.scheduling.values import plan_objectives
from tests.unit.scheduling.test_open_starts import _held
from tests.unit.scheduling.test_phase_bounds import _answers, _cohort


def _kept_costs(problem: Problem, placed: int, sizes: int) -> list[int]:
    """The preference cost of every brute-forced answer keeping placement and sizes."""
    return [cost for p, s, cost, *_rest in _answers(problem) if p == placed and s <= sizes]


@pytest.mark.parametrize("seed", range(12))
def test_the_model_within_the_fewest_seats_reaches_and_bounds_the_optimum(seed: int) -> None:
    problem, placed, sizes, preferences, totals, weight = _held(seed)
    found = fewest_if_needed(problem, placed, totals, weight, 10.0, sizes)
    assert found is not None and found[1]  # proven
    fewest = found[0]
    # the learners' seats are some of every answer's if-needed seats
    assert fewest <= min(cost // weight for cost in _kept_costs(problem, placed, sizes))
    runner = Runner(problem, 1)
    runner.hold("placed", placed)
    runner.hold("sizes", sizes)
    model = runner._loaded()[0]
    cuts = [total_row(problem, model, totals), if_needed_row(problem, model, fewest)]
    warm, rows = solve_heuristic(problem, 1), runner.highs.getNumRow()
    plan, result = runner.solve("preferences", warm, 10.0, 0, neighbourhoods=False, cuts=cuts)
    # an answer with more learners' seats pays at least one seat more than `fewest`
    assert min(result.bound, weight * (fewest + 1)) <= preferences
    if preferences < weight * (fewest + 1):
        scores = plan_objectives(problem, plan)
        assert (scores["placed"], scores["sizes"], scores["preferences"]) == (
            placed,
            sizes,
            preferences,
        )
    assert runner.highs.getNumRow() == rows  # the cuts are for that solve only


@pytest.mark.parametrize("seed", range(12))
def test_the_learners_least_with_if_needed_seats_is_the_least_of_every_seating(seed: int) -> None:
    # every learner who can meet at any of their options, groups aside: a relaxation of
    # every answer placing everyone
    problem = _cohort(seed, facilitators=3, most_groups=2)
    weight = problem.if_needed_weight()
    options = [cls.options for cls in problem.classes for _member in cls.members]
    least: dict[int, int] = {}
    for seating in itertools.product(*options):
        paid = [price for _start, price in seating]
        on_if_needed = sum(price >= weight for price in paid)
        for fewer in range(on_if_needed + 1):
            least[fewer] = min(least.get(fewer, sum(paid)), sum(paid))
    for if_needed, cost in least.items():
        assert learner_cost_with_if_needed(problem, if_needed) == cost
    assert learner_cost_with_if_needed(problem, max(least) + 1) == 0  # none has so many
