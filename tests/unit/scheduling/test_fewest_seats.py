"""HiGHS's model within the fewest if-needed seats (phase_preferences._within_fewest_seats):
step (a) alone never counts more learners' if-needed seats than an answer keeping the
holds pays, the model with the held total and those seats as rows reaches the
brute-forced optimum and bounds it, and the learners' least with so many seats
(`learner_cost_with_if_needed`, spread's leaders' budget) is the least of every seating.
Step (a) asked ahead beside the sizes phase (`open_starts.FewestAhead`) is the phase's
own answer only for the same question; while it runs, the phase asks it again with another
seed and takes the first proven count (`_first_proven`)."""

from __future__ import annotations

import itertools
import time

import pytest

from roundtable.scheduling.bounds import learner_cost_with_if_needed
from roundtable.scheduling.formulation import if_needed_row, total_row
from roundtable.scheduling.heuristic import solve_heuristic
from roundtable.scheduling.highs import Runner
from roundtable.scheduling.open_starts import FewestAhead, fewest_if_needed
from roundtable.scheduling.phase_context import PhaseContext
from roundtable.scheduling.phase_preferences import _fewest_seats, preferences_phase
from roundtable.scheduling.problem import Problem
from roundtable.scheduling.search import Search
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
    # the count asked again with another seed beside the thread's is the same
    assert fewest_if_needed(problem, placed, totals, weight, 10.0, sizes, seed=1) == found
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


def test_the_phase_takes_the_answer_asked_ahead_for_its_own_question() -> None:
    problem, placed, sizes, _preferences, totals, weight = _held(0)
    context = _context_held_at(0, sizes)[0]
    ahead = _Known(problem, placed, totals, weight, 10.0, sizes).start()
    assert ahead.join(10.0)  # ended before the phase asks: nothing asked again
    context.fewest_ahead = ahead
    assert _fewest_seats(context, placed, totals, 10.0) == (99, True)
    assert context.fewest_ahead is None  # taken once


def test_the_phase_proves_the_count_itself_while_the_question_asked_ahead_runs() -> None:
    problem, placed, sizes, _preferences, totals, weight = _held(0)
    context = _context_held_at(0, sizes)[0]
    ahead = _Running(problem, placed, totals, weight, 10.0, sizes).start()
    context.fewest_ahead = ahead
    own = fewest_if_needed(problem, placed, totals, weight, 10.0, sizes)
    assert own is not None and own[1]
    # waiting for the thread alone, the phase would get nothing within its 2 s
    assert _fewest_seats(context, placed, totals, 2.0) == own
    assert ahead.join(5.0) and ahead.found is None  # cancelled


def test_the_phase_asks_again_where_the_sizes_phase_ended_below_the_guess() -> None:
    problem, placed, sizes, _preferences, totals, weight = _held(0)
    context = _context_held_at(0, sizes)[0]
    ahead = _Known(problem, placed, totals, weight, 10.0, sizes + 1).start()
    context.fewest_ahead = ahead
    own = fewest_if_needed(problem, placed, totals, weight, 10.0, sizes)
    assert _fewest_seats(context, placed, totals, 10.0) == own != (99, True)
    assert ahead.ended() and context.fewest_ahead is None


def test_the_phase_cancels_an_unasked_question() -> None:
    problem, placed, sizes, _preferences, totals, weight = _held(0)
    context = _context_held_at(0, sizes)[0]
    ahead = FewestAhead(problem, placed, totals, weight, 10.0, sizes + 1).start()
    context.fewest_ahead = ahead
    preferences_phase(context, 10.0)
    assert ahead.ended() and context.fewest_ahead is None
