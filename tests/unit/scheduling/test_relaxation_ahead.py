"""The dive's relaxation asked ahead beside the sizes phase
(`phase_preferences.relaxation_ahead`): it is the relaxation of the held phases with the
sizes at the guessed bound, the preferences phase takes it only where its holds are the
same, and cancels it otherwise."""

from __future__ import annotations

import time

import pytest

from roundtable.scheduling import solver
from roundtable.scheduling.heuristic import solve_heuristic
from roundtable.scheduling.highs import PhaseResult, Runner
from roundtable.scheduling.lp_dive import DiveRelaxation, own_runner, start_relaxation
from roundtable.scheduling.open_starts import FewestAhead
from roundtable.scheduling.phase_context import PhaseContext
from roundtable.scheduling.phase_preferences import (
    _dive_relaxation,
    preferences_phase,
    relaxation_ahead,
)
from roundtable.scheduling.search import Search
from tests.unit.scheduling.test_open_starts import _held


def _context(seed: int, holds: dict[str, int]) -> PhaseContext:
    """The brute-forced cohort `seed` with these phases held, as a phase sees it."""
    problem = _held(seed)[0]
    runner = Runner(problem, 1)
    for name, value in holds.items():
        runner.hold(name, value)
    search = Search(problem, solve_heuristic(problem, 1))
    context = PhaseContext(problem, runner, search, time.monotonic() + 10.0, 10.0)
    context.proven = dict.fromkeys(holds, True)
    return context


def _asked_ahead(seed: int) -> tuple[PhaseContext, DiveRelaxation, int]:
    """The sizes phase's view (placement held) with the relaxation asked ahead at the
    brute-forced sizes; and those sizes."""
    _problem, placed, sizes, *_rest = _held(seed)
    context = _context(seed, {"placed": placed})
    relaxation_ahead(context, sizes)
    ahead = context.relaxation_ahead
    assert ahead is not None
    return context, ahead, sizes


@pytest.mark.parametrize("seed", range(6))
def test_the_relaxation_asked_ahead_is_the_held_phases_own(seed: int) -> None:
    context, ahead, sizes = _asked_ahead(seed)
    assert ahead.whole_runner.holds == [*context.runner.holds, ("sizes", sizes)]
    held = _context(seed, dict(ahead.whole_runner.holds))
    own = start_relaxation(own_runner(held.runner), "preferences", 10.0, held.search.plan())
    assert own is not None
    value, expected = ahead.solve(), own.solve()
    assert value is not None and expected is not None
    assert value == pytest.approx(expected, abs=1e-6)


def test_the_preferences_phase_takes_the_relaxation_asked_ahead_for_its_holds() -> None:
    context, ahead, _sizes = _asked_ahead(0)
    runner = own_runner(Runner(context.problem, 1))
    runner.holds = list(ahead.whole_runner.holds)
    plan = context.search.plan()
    assert _dive_relaxation(context, runner, 10.0, plan, loose=False) is ahead
    assert context.relaxation_ahead is None  # taken once
    ahead.cancel()


def test_the_preferences_phase_solves_its_own_where_the_sizes_ended_above_the_guess() -> None:
    context, ahead, sizes = _asked_ahead(0)
    runner = own_runner(Runner(context.problem, 1))
    runner.holds = [*context.runner.holds, ("sizes", sizes + 1)]
    own = _dive_relaxation(context, runner, 10.0, context.search.plan(), loose=False)
    assert own is not None and own is not ahead and own.whole_runner is runner
    assert ahead.ended() and context.relaxation_ahead is None
    own.cancel()


def test_the_preferences_phase_cancels_a_relaxation_it_did_not_take() -> None:
    _problem, placed, sizes, *_rest = _held(0)
    context = _context(0, {"placed": placed, "sizes": sizes + 1})  # ended above the guess
    ahead = _asked_ahead(0)[1]
    context.relaxation_ahead = ahead
    preferences_phase(context, 10.0)
    assert ahead.ended() and context.relaxation_ahead is None


class _UntilCancelled(FewestAhead):
    """Work asked ahead that runs until it is cancelled (or 10 s pass)."""

    def _solve(self) -> None:
        began = time.monotonic()
        while not self._cancelled and time.monotonic() - began < 10.0:
            time.sleep(0.01)


def test_a_run_that_ends_early_stops_what_was_asked_ahead(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    problem = _held(0)[0]
    asked: list[FewestAhead] = []

    def sizes_asking_ahead(context: PhaseContext, budget: float) -> PhaseResult:
        ahead = _UntilCancelled(problem, 1, range(1, 2), 1, 10.0, 0).start()
        context.fewest_ahead = ahead
        asked.append(ahead)
        return PhaseResult(0, 0, True, "held")

    def preferences_failing(context: PhaseContext, budget: float) -> PhaseResult:
        raise RuntimeError("the phase failed")

    monkeypatch.setitem(solver._PHASES, "sizes", sizes_asking_ahead)
    monkeypatch.setitem(solver._PHASES, "preferences", preferences_failing)
    with pytest.raises(RuntimeError, match="the phase failed"):
        solver.solve_exact(problem, solve_heuristic(problem, 1), 1, 30.0)
    assert asked and asked[0].ended()  # cancelled and joined, not left to its 10 s
