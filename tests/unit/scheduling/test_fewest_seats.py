"""HiGHS's model within the fewest if-needed seats (phase_preferences._within_fewest_seats):
step (a) alone never counts more learners' if-needed seats than an answer keeping the
holds pays, the model with the held total and those seats as rows reaches the
brute-forced optimum and bounds it, and the learners' least with so many seats
(`learner_cost_with_if_needed`, spread's leaders' budget) is the least of every seating.
The phase's model does not wait for step (a): its seat row is at the plan's learners'
seats less one, its bound capped there, while step (a) runs on its thread beside it
(`open_starts.FewestAhead`), the one asked ahead beside the sizes phase where it asked the
same question (`_fewest_beside`), for the bound where the model is cut short and spread's
budget."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from typing import Any

import pytest

from roundtable.scheduling import phase_preferences
from roundtable.scheduling.bounds import learner_cost_with_if_needed, seats
from roundtable.scheduling.formulation import if_needed_row, total_row
from roundtable.scheduling.heuristic import solve_heuristic
from roundtable.scheduling.highs import Runner
from roundtable.scheduling.open_starts import FewestAhead, fewest_if_needed
from roundtable.scheduling.phase_context import PhaseContext
from roundtable.scheduling.phase_preferences import _fewest_beside, preferences_phase
from roundtable.scheduling.plan import Plan
from roundtable.scheduling.problem import Problem
from roundtable.scheduling.search import Search
from roundtable.scheduling.solver import solve_exact
from roundtable.scheduling.values import plan_objectives, values_from_plan
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
    # the count asked again with another seed beside the thread's is the same
    assert fewest_if_needed(problem, placed, totals, weight, 10.0, sizes, seed=1) == found
    fewest = found[0]
    # the learners' seats are some of every answer's if-needed seats
    assert fewest <= min(cost // weight for cost in _kept_costs(problem, placed, sizes))
    runner = Runner(problem, 1)
    runner.hold("placed", placed)
    runner.hold("sizes", sizes)
    model = runner.loaded()[0]
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


@pytest.mark.parametrize("seed", range(12))
def test_the_fewest_seats_asked_ahead_are_the_phases_own(seed: int) -> None:
    problem, placed, sizes, _preferences, totals, weight = _held(seed)
    ahead = FewestAhead(problem, placed, totals, weight, 10.0, sizes).start()
    assert ahead.join(10.0)
    assert ahead.found == fewest_if_needed(problem, placed, totals, weight, 10.0, sizes)
    assert ahead.answers(placed, totals, sizes)
    assert not ahead.answers(placed, totals, sizes - 1)  # held lower: maybe more seats


class _Known(FewestAhead):
    """Asked ahead with an answer no solve gives, to show where it is used."""

    def _solve(self) -> None:
        self.found = (99, True)


def _context_held_at(seed: int, sizes: int) -> tuple[PhaseContext, int, range]:
    problem, placed, _sizes, _preferences, totals, _weight = _held(seed)
    runner = Runner(problem, 1)
    runner.hold("placed", placed)
    runner.hold("sizes", sizes)
    search = Search(problem, solve_heuristic(problem, 1))
    context = PhaseContext(problem, runner, search, time.monotonic() + 10.0, 10.0)
    context.proven = {"placed": True, "sizes": True}
    return context, placed, totals


class _Running(FewestAhead):
    """Asked ahead and still running until cancelled, with an answer no solve gives."""

    def _solve(self) -> None:
        while not self._cancelled:
            time.sleep(0.01)
        self.found = None  # as HiGHS's run, cancelled


def test_the_phase_takes_the_question_asked_ahead_for_its_own() -> None:
    problem, placed, sizes, _preferences, totals, weight = _held(0)
    context = _context_held_at(0, sizes)[0]
    ahead = _Known(problem, placed, totals, weight, 10.0, sizes).start()
    context.fewest_ahead = ahead
    assert _fewest_beside(context, placed, totals) is ahead
    assert context.fewest_ahead is None  # taken once


def test_the_phase_asks_again_where_the_sizes_phase_ended_below_the_guess() -> None:
    problem, placed, sizes, _preferences, totals, weight = _held(0)
    context = _context_held_at(0, sizes)[0]
    ahead = _Known(problem, placed, totals, weight, 10.0, sizes + 1).start()
    context.fewest_ahead = ahead
    asked = _fewest_beside(context, placed, totals)
    assert asked is not ahead and ahead.ended() and context.fewest_ahead is None
    assert asked.join(10.0)
    assert asked.found == fewest_if_needed(problem, placed, totals, weight, 10.0, sizes)


def _learners_if_needed(problem: Problem, runner: Runner, plan: Plan) -> int:
    model = runner.loaded()[0]
    values = values_from_plan(problem, model, plan)
    return round(sum(values[col] for col in if_needed_row(problem, model, 0)[2]))


@pytest.mark.parametrize("seed", range(12))
def test_the_model_within_any_seat_row_capped_there_bounds_the_optimum(seed: int) -> None:
    problem, placed, sizes, preferences, totals, weight = _held(seed)
    most_seats = max(cost // weight for p, s, cost, *_rest in _answers(problem))
    for most in range(most_seats + 1):
        runner = Runner(problem, 1)
        runner.hold("placed", placed)
        runner.hold("sizes", sizes)
        model = runner.loaded()[0]
        cuts = [total_row(problem, model, totals), if_needed_row(problem, model, most)]
        plan, result = runner.solve(
            "preferences", solve_heuristic(problem, 1), 10.0, 0, neighbourhoods=False, cuts=cuts
        )
        # an answer with more learners' seats than the row pays at least (most + 1) seats
        assert min(result.bound, weight * (most + 1)) <= preferences
        scores = plan_objectives(problem, plan)
        if scores["placed"] == placed and scores["sizes"] <= sizes:
            assert scores["preferences"] >= preferences


def _context_keeping(seed: int, monkeypatch: pytest.MonkeyPatch) -> PhaseContext:
    """`_context_held_at` with a plan keeping the holds (as the search's does in the phase),
    the path's gate (one total, the plan many seats above the bound) aside: these small
    cohorts' plans pay few seats."""
    monkeypatch.setattr(phase_preferences, "_one_total_many_seats", lambda *_args: True)
    problem, _placed, sizes, *_rest = _held(seed)
    context = _context_held_at(seed, sizes)[0]
    context.search = Search(
        problem, solve_exact(problem, solve_heuristic(problem, 1), 1, 10.0).plan
    )
    return context


def _seat_rows_asked(
    monkeypatch: pytest.MonkeyPatch, holds: Callable[[], bool] = lambda: True
) -> list[float]:
    """The seat row's number of every model within the fewest seats from now on (`cuts[1]`
    of the phase's `solve_phase`), each asked only while `holds()`."""
    rows: list[float] = []
    solve = phase_preferences.solve_phase

    def recorded(*args: Any, **kwargs: Any) -> Any:
        assert holds()
        rows.append(kwargs["cuts"][1][1])
        return solve(*args, **kwargs)

    monkeypatch.setattr(phase_preferences, "solve_phase", recorded)
    return rows


@pytest.mark.parametrize("seed", range(6))
def test_the_model_within_runs_beside_the_count_with_the_row_below_the_plan(
    monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    problem, placed, sizes, preferences, totals, weight = _held(seed)
    context = _context_keeping(seed, monkeypatch)
    ahead = _Running(problem, placed, totals, weight, 10.0, sizes).start()
    context.fewest_ahead = ahead
    plan_seats = _learners_if_needed(problem, context.runner, context.search.plan())
    # the count still running as the model starts: the model did not wait for it
    rows = _seat_rows_asked(monkeypatch, lambda: not ahead.ended())
    result = phase_preferences._within_fewest_seats(context, 1.0, time.monotonic(), 0)
    assert rows == [max(plan_seats - 1, 0)]
    assert result is not None and result.bound <= preferences
    assert not result.proven or result.value == preferences
    assert ahead.ended()  # cancelled once the phase's share was spent


@pytest.mark.parametrize("seed", range(12))
def test_the_count_beside_the_model_bounds_the_phase_and_spreads_budget(
    monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    problem, placed, sizes, preferences, totals, weight = _held(seed)
    context = _context_keeping(seed, monkeypatch)
    result = phase_preferences._within_fewest_seats(context, 10.0, time.monotonic(), 0)
    found = fewest_if_needed(problem, placed, totals, weight, 10.0, sizes)
    assert found is not None and found[1] and result is not None
    assert weight * found[0] <= result.bound <= preferences
    everyone = placed == seats(problem)
    least = learner_cost_with_if_needed(problem, found[0]) if everyone else 0
    assert context.learners_least == least


def test_the_phase_cancels_an_unasked_question() -> None:
    problem, placed, sizes, _preferences, totals, weight = _held(0)
    context = _context_held_at(0, sizes)[0]
    ahead = FewestAhead(problem, placed, totals, weight, 10.0, sizes + 1).start()
    context.fewest_ahead = ahead
    preferences_phase(context, 10.0)
    assert ahead.ended() and context.fewest_ahead is None


@pytest.mark.parametrize("seed", range(12))
def test_a_plan_already_at_the_fewest_seats_is_asked_again_within_them(
    monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    # the plan's learners said to sit at the fewest seats: the row at one fewer keeps every
    # answer out, and once the count beside proves the fewest the model runs again with
    # the row there, the plan within it, so the phase still ends at the optimum, proven
    # (with the first run alone its bound stops at the fewest seats' weight, below any
    # optimum that also pays shifts or leaders)
    problem, placed, sizes, preferences, totals, weight = _held(seed)
    found = fewest_if_needed(problem, placed, totals, weight, 10.0, sizes)
    assert found is not None and found[1]
    context = _context_keeping(seed, monkeypatch)
    monkeypatch.setattr(phase_preferences, "_learners_if_needed", lambda *_args: found[0])
    rows = _seat_rows_asked(monkeypatch)
    result = phase_preferences._within_fewest_seats(context, 10.0, time.monotonic(), 0)
    assert result is not None
    if found[0] == 0:  # the row at 0 already holds the plan: one run
        assert rows == [0]
    else:
        assert rows == [found[0] - 1, found[0]]
    assert result.proven and result.value == result.bound == preferences


def test_some_cohort_has_fewest_seats_to_ask_again_at() -> None:
    # the case above is exercised: on some cohort the fewest learners' seats are above 0,
    # where the row at one fewer keeps every answer out
    counts = []
    for seed in range(12):
        problem, placed, sizes, _preferences, totals, weight = _held(seed)
        found = fewest_if_needed(problem, placed, totals, weight, 10.0, sizes)
        assert found is not None and found[1]
        counts.append(found[0])
    assert any(counts)
