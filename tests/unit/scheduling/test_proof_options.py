"""HiGHS's options for one phase's full model (highs.proof_options): placement's runs
without the sub-MIP heuristics, and without the feasibility jump where who can meet bounds
placement; every other phase's with HiGHS's own, and placement still at the brute-forced
optimum where HiGHS proves it. The preferences' model within the fewest if-needed seats
(phase_preferences._within_fewest_seats) runs without the feasibility jump too, its bound
still a bound of the brute-forced optimum."""

from __future__ import annotations

import time
from typing import Any

import pytest

from roundtable.scheduling import highs as highs_module
from roundtable.scheduling import phase_preferences
from roundtable.scheduling.bounds import placement_bound, seats
from roundtable.scheduling.heuristic import solve_heuristic
from roundtable.scheduling.highs_model import option_value
from roundtable.scheduling.solver import solve_exact
from roundtable.scheduling.values import plan_objectives
from tests.unit.scheduling.test_fewest_seats import _context_held_at
from tests.unit.scheduling.test_open_starts import _held
from tests.unit.scheduling.test_phase_bounds import _brute_force, _cohort

_HEURISTICS = ("mip_heuristic_run_rins", "mip_heuristic_run_rens")
_JUMP = "mip_heuristic_run_feasibility_jump"


def _options_by_phase(
    monkeypatch: pytest.MonkeyPatch, options: tuple[str, ...]
) -> dict[str, set[bool]]:
    """Per phase whose full model HiGHS runs from now on, whether each of these options
    was on in each run."""
    seen: dict[str, set[bool]] = {}
    phase = [""]
    run_phase, run_from = highs_module._run_phase, highs_module._run_from

    def named(*args: Any) -> Any:
        phase[0] = args[3]
        return run_phase(*args)

    def recorded(highs: Any, values: list[float], budget: float) -> None:
        on = {bool(option_value(highs, name)) for name in options}
        seen.setdefault(phase[0], set()).update(on)
        run_from(highs, values, budget)

    monkeypatch.setattr(highs_module, "_run_phase", named)
    monkeypatch.setattr(highs_module, "_run_from", recorded)
    return seen


def _placement_proven_by_highs() -> None:
    """Cohorts whose search places fewer than the solver-free bound, so HiGHS proves
    placement, and where who can meet is that bound: each solved, at the brute-forced
    optimum."""
    for seed in (17, 19, 27, 38):
        problem = _cohort(seed, facilitators=2, most_groups=1)
        assert placement_bound(problem) == seats(problem)
        plan = solve_exact(problem, solve_heuristic(problem, 1), 1, 10.0).plan
        assert plan_objectives(problem, plan)["placed"] == _brute_force(problem)[0]


@pytest.mark.parametrize("options", [_HEURISTICS, (_JUMP,)], ids=["sub-MIP", "jump"])
def test_placement_is_proven_without_the_sub_mip_heuristics_or_the_feasibility_jump(
    monkeypatch: pytest.MonkeyPatch, options: tuple[str, ...]
) -> None:
    seen = _options_by_phase(monkeypatch, options)
    _placement_proven_by_highs()
    assert seen["placed"] == {False}
    later = set().union(*(on for name, on in seen.items() if name != "placed"))
    assert later == {True}  # set back after placement's runs


def test_placement_bounded_by_the_leaders_keeps_the_feasibility_jump() -> None:
    problem = _cohort(0, facilitators=1, most_groups=1)  # one leader of one group
    assert placement_bound(problem) < seats(problem)
    assert _JUMP not in highs_module.proof_options(problem, "placed")
    assert highs_module.proof_options(problem, "placed")["mip_heuristic_run_rins"] is False
    assert highs_module.proof_options(problem, "sizes") == {}


@pytest.mark.parametrize("seed", range(4))
def test_the_model_within_the_fewest_seats_runs_without_the_feasibility_jump(
    monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    seen = _options_by_phase(monkeypatch, (_JUMP,))
    # the path's gate (one total, the plan many seats above the bound) aside: these small
    # cohorts' plans pay few seats
    monkeypatch.setattr(phase_preferences, "_one_total_many_seats", lambda *_args: True)
    _problem, _placed, sizes, preferences, _totals, _weight = _held(seed)
    context = _context_held_at(seed, sizes)[0]
    result = phase_preferences._within_fewest_seats(context, 10.0, time.monotonic(), 0)
    assert result is not None and result.bound <= preferences
    assert not result.proven or result.value == preferences
    assert seen["preferences"] == {False}
