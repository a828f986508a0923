"""The preferences' dive relaxation alone where HiGHS's first pass would run beside it, on
large facilitated models (phase_preferences._first_pass_or_relaxation): there no first
pass runs, the relaxation's bound proves a plan that meets it, and the phase still
reaches the brute-forced optimum; elsewhere (small or unfacilitated models) the pass
runs as before."""

from __future__ import annotations

import pytest

from roundtable.scheduling import phase_preferences
from roundtable.scheduling.heuristic import solve_heuristic
from roundtable.scheduling.highs import learner_column_count
from roundtable.scheduling.solver import solve_exact
from tests.unit.scheduling.test_first_pass_skipped import _first_passes
from tests.unit.scheduling.test_phase_bounds import (
    _assert_exact_reaches_the_brute_forced_optimum,
    _brute_force,
    _cohort,
)

_SEEDS = range(12)


def _dives_reached(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One entry per `_first_then_dive` run from now on: the phase got past the search."""
    reached: list[int] = []
    first_then_dive = phase_preferences._first_then_dive

    def counted(*args: object, **kwargs: object) -> phase_preferences.PhaseResult:
        reached.append(1)
        return first_then_dive(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(phase_preferences, "_first_then_dive", counted)
    return reached


def test_no_first_pass_on_large_facilitated_models_and_the_optimum_still_reached(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # every model is large with the limit at 0: the pass never runs, and the phase ends at
    # the brute-forced optimum, placement and sizes as they were
    monkeypatch.setattr(phase_preferences, "_RELAXATION_FIRST_COLUMNS", 0)
    passes, reached = _first_passes(monkeypatch), _dives_reached(monkeypatch)
    for seed in _SEEDS:
        _assert_exact_reaches_the_brute_forced_optimum(_cohort(seed, facilitators=3, most_groups=2))
    assert reached, "no cohort got past the search: the rule was not exercised"
    assert passes == []


def test_the_relaxation_alone_proves_a_plan_at_its_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # where the step ends the phase, it is by the relaxation's bound, which the
    # brute-forced optimum meets
    monkeypatch.setattr(phase_preferences, "_RELAXATION_FIRST_COLUMNS", 0)
    results: list[tuple[int, phase_preferences.PhaseResult]] = []
    step = phase_preferences._first_pass_or_relaxation

    def recorded(context, budget, relaxation, bound):  # type: ignore[no-untyped-def]
        result = step(context, budget, relaxation, bound)
        results.append((_brute_force(context.problem)[2], result))
        return result

    monkeypatch.setattr(phase_preferences, "_first_pass_or_relaxation", recorded)
    for seed in _SEEDS:
        problem = _cohort(seed, facilitators=3, most_groups=2)
        solve_exact(problem, solve_heuristic(problem, 1), 1, 10.0)
    assert any(result.proven for _optimum, result in results), "never proven there"
    for optimum, result in results:
        assert result.bound <= optimum  # a bound, never above the optimum
        if result.proven:
            assert result.value == result.bound == optimum
            assert "relaxation's bound" in result.status


def test_the_first_pass_still_runs_on_small_models(monkeypatch: pytest.MonkeyPatch) -> None:
    # the hand-made cohorts are far below the limit: where the phase gets past the search,
    # the pass runs beside the relaxation as before
    passes, reached = _first_passes(monkeypatch), _dives_reached(monkeypatch)
    for seed in _SEEDS:
        problem = _cohort(seed, facilitators=3, most_groups=2)
        assert learner_column_count(problem) <= phase_preferences._RELAXATION_FIRST_COLUMNS
        solve_exact(problem, solve_heuristic(problem, 1), 1, 10.0)
    assert reached and passes
