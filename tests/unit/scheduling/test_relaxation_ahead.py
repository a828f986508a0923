"""The preferences' dive relaxation asked ahead, beside the sizes phase's question
(`phase_preferences.relaxation_ahead`): with the sizes held at the value the phase then
holds it is the relaxation the preferences phase would start (same value, same answer),
and the phase takes it only where its holds and rows are that relaxation's."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from roundtable.scheduling import phase_preferences, solver
from roundtable.scheduling.highs import PhaseResult, Runner
from roundtable.scheduling.lp_dive import DiveRelaxation, own_runner, start_relaxation
from roundtable.scheduling.phase_sizes import sizes_phase
from tests.unit.scheduling.test_phase_bounds import (
    _assert_exact_reaches_the_brute_forced_optimum,
    _brute_force,
    _cohort,
)


def _held(seed: int) -> tuple[Runner, int]:
    """A tiny cohort's runner with placement held at its brute-forced optimum, and the
    brute-forced sizes."""
    problem = _cohort(seed, facilitators=3, most_groups=2)
    placed, sizes, _preferences, _spread = _brute_force(problem)
    runner = Runner(problem, 1)
    runner.hold("placed", placed)
    return runner, sizes


def _ahead(runner: Runner, sizes: int) -> DiveRelaxation:
    """The relaxation as the sizes phase asks it ahead: on a runner of its own, the
    sizes held at `sizes` there only."""
    ahead = own_runner(runner)
    ahead.hold("sizes", sizes)
    relaxation = start_relaxation(ahead, "preferences", 10.0)
    assert relaxation is not None
    return relaxation


def _solution(relaxation: DiveRelaxation) -> list[float]:
    return [float(v) for v in relaxation.highs.getSolution().col_value]


@pytest.mark.parametrize("seed", range(12))
def test_asked_ahead_it_is_the_relaxation_the_phase_would_start(seed: int) -> None:
    runner, sizes = _held(seed)
    ahead = _ahead(runner, sizes)
    assert ahead.solve() is not None
    runner.hold("sizes", sizes)  # what the scheduler does once the sizes phase ends there
    later = start_relaxation(own_runner(runner), "preferences", 10.0)
    assert later is not None and later.solve() is not None
    assert ahead.value == later.value
    assert _solution(ahead) == _solution(later)  # the dive rounds from the same answer


def _context(ahead: DiveRelaxation) -> Any:
    return SimpleNamespace(relaxation_ahead=ahead)


def test_the_phase_takes_it_where_its_holds_are_the_phases() -> None:
    runner, sizes = _held(0)
    ahead = _ahead(runner, sizes)
    runner.hold("sizes", sizes)
    context = _context(ahead)
    assert phase_preferences._taken_ahead(context, own_runner(runner), loose=False) is ahead
    assert context.relaxation_ahead is None  # the phase's own now


@pytest.mark.parametrize("case", ["other sizes", "loose first", "no sizes held"])
def test_the_phase_leaves_it_where_it_is_not_the_phases(case: str) -> None:
    runner, sizes = _held(0)
    ahead = _ahead(runner, sizes)
    if case != "no sizes held":
        runner.hold("sizes", sizes + 1 if case == "other sizes" else sizes)
    context = _context(ahead)
    loose = case == "loose first"
    assert phase_preferences._taken_ahead(context, own_runner(runner), loose) is None
    assert context.relaxation_ahead is ahead  # left for the phase's end to cancel
    ahead.cancel()


def test_the_phase_with_it_asked_ahead_reaches_the_brute_forced_optimum(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the tiny cohorts' sizes phases end before their question: asked as each ends, with
    # the value it ends at (the runner holds it only after), as where the question is asked
    def sizes_then_ahead(context: Any, budget: float) -> PhaseResult:
        result = sizes_phase(context, budget)
        context.relaxation_ahead = phase_preferences.relaxation_ahead(context, result.value)
        return result

    taken: list[DiveRelaxation] = []
    take = phase_preferences._taken_ahead

    def counted(*args: Any) -> DiveRelaxation | None:
        found = take(*args)
        taken.extend([found] if found is not None else [])
        return found

    monkeypatch.setitem(solver._PHASES, "sizes", sizes_then_ahead)
    monkeypatch.setattr(phase_preferences, "_taken_ahead", counted)
    for seed in range(12):
        _assert_exact_reaches_the_brute_forced_optimum(_cohort(seed, facilitators=3, most_groups=2))
    assert taken  # some cohort's preferences phase dived from the relaxation asked ahead
