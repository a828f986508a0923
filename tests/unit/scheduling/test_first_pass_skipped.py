"""HiGHS's first pass of the preferences phase, and the search before the dive, left out
where the facilitators' capacity limits placement (phase_preferences._leaders_scarce,
_dive_alone): the rule says so only where no answer places everyone, the phase without
them still reaches the brute-forced optimum, and neither runs before the dive there."""

from __future__ import annotations

from typing import Any

import pytest

from roundtable.scheduling import phase_preferences
from roundtable.scheduling.bounds import seats
from roundtable.scheduling.heuristic import solve_heuristic
from roundtable.scheduling.lp_dive import DiveOutcome
from roundtable.scheduling.plan import Plan
from roundtable.scheduling.solver import solve_exact
from tests.unit.scheduling.test_phase_bounds import (
    _assert_exact_reaches_the_brute_forced_optimum,
    _brute_force,
    _cohort,
)


def _first_passes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One entry per first pass run from now on."""
    runs: list[int] = []
    first_pass = phase_preferences._first_pass

    def counted(
        context: phase_preferences.PhaseContext, budget: float, bound: int
    ) -> phase_preferences.PhaseResult:
        runs.append(bound)
        return first_pass(context, budget, bound)

    monkeypatch.setattr(phase_preferences, "_first_pass", counted)
    return runs


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("facilitators", [1, 2])
def test_scarce_leaders_only_where_no_answer_places_everyone(seed: int, facilitators: int) -> None:
    problem = _cohort(seed, facilitators=facilitators, most_groups=1)
    placed, _sizes, _preferences, _spread = _brute_force(problem)
    if phase_preferences._leaders_scarce(problem):
        assert placed < seats(problem)


def test_small_cohorts_of_both_kinds_are_generated() -> None:
    # the rule is tested both ways: some of these cohorts have scarce leaders, some not
    scarce = {
        phase_preferences._leaders_scarce(_cohort(seed, facilitators=f, most_groups=1))
        for seed in range(12)
        for f in (1, 2)
    }
    assert scarce == {True, False}


def _dives(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One entry per dive run from now on."""
    dived: list[int] = []
    dive = phase_preferences._dive

    def counted(*args: object) -> int:
        dived.append(1)
        return dive(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(phase_preferences, "_dive", counted)
    return dived


def _steps(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The steps from now on, in order: "search" for each run of the preferences search,
    "dive" for each dive."""
    steps: list[str] = []
    improve, dive = phase_preferences.improve_preferences, phase_preferences._dive

    def searched(*args: object, **kwargs: object) -> None:
        steps.append("search")
        improve(*args, **kwargs)  # type: ignore[arg-type]

    def dived(*args: object) -> int:
        steps.append("dive")
        return dive(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(phase_preferences, "improve_preferences", searched)
    monkeypatch.setattr(phase_preferences, "_dive", dived)
    return steps


@pytest.mark.parametrize("scarce", [True, False])
def test_the_search_comes_before_the_dive_only_where_leaders_are_not_scarce(
    monkeypatch: pytest.MonkeyPatch, scarce: bool
) -> None:
    monkeypatch.setattr(phase_preferences, "_leaders_scarce", lambda _problem: scarce)
    firsts = set()
    for seed in range(12):
        steps = _steps(monkeypatch)
        problem = _cohort(seed, facilitators=3, most_groups=2)
        solve_exact(problem, solve_heuristic(problem, 1), 1, 10.0)
        if "dive" in steps:
            firsts.add(steps[0])
    assert firsts == ({"dive"} if scarce else {"search"})


def test_where_the_dive_came_alone_and_its_answer_is_not_taken_the_search_follows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(phase_preferences, "_leaders_scarce", lambda _problem: True)

    def nothing_better(_runner: object, _name: str, plan: Plan, *_args: object) -> DiveOutcome:
        return DiveOutcome(plan, 0)  # the incoming plan: not adopted

    monkeypatch.setattr(phase_preferences, "dive", nothing_better)
    followed = []
    for seed in range(12):
        steps = _steps(monkeypatch)
        problem = _cohort(seed, facilitators=3, most_groups=2)
        solve_exact(problem, solve_heuristic(problem, 1), 1, 10.0)
        if "dive" in steps:
            followed.append(steps[:2])
    assert followed and all(steps == ["dive", "search"] for steps in followed)


def test_where_the_dive_comes_alone_the_search_keeps_its_share_for_after_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(phase_preferences, "_leaders_scarce", lambda _problem: True)
    shares: list[tuple[float, float]] = []  # (the phase's share, the dive's)
    rest, dive = phase_preferences._first_then_dive, phase_preferences._dive

    def noted(context: object, budget: float, *args: object) -> object:
        shares.append((budget, 0.0))
        return rest(context, budget, *args)  # type: ignore[arg-type]

    def dived(context: object, relaxation: object, budget: float, bound: int) -> int:
        shares[-1] = (shares[-1][0], budget)
        return dive(context, relaxation, budget, bound)  # type: ignore[arg-type]

    monkeypatch.setattr(phase_preferences, "_first_then_dive", noted)
    monkeypatch.setattr(phase_preferences, "_dive", dived)
    for seed in range(12):
        problem = _cohort(seed, facilitators=3, most_groups=2)
        solve_exact(problem, solve_heuristic(problem, 1), 1, 10.0)
    kept = 1 - phase_preferences._SEARCH_SHARE
    assert shares and all(
        0 < dive <= phase * kept * phase_preferences._DIVE_SHARE for phase, dive in shares
    )


def _recorded(monkeypatch: pytest.MonkeyPatch, scarce: bool) -> tuple[list[int], list[int]]:
    """Every cohort's leaders taken as `scarce` or not; the first passes and the dives
    recorded from now on."""
    monkeypatch.setattr(phase_preferences, "_leaders_scarce", lambda _problem: scarce)
    return _first_passes(monkeypatch), _dives(monkeypatch)


def test_the_phase_without_the_first_pass_reaches_the_brute_forced_optimum(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # every cohort treated as one with scarce leaders: neither the pass nor the search
    # comes before the dive
    runs, dived = _recorded(monkeypatch, scarce=True)
    for seed in range(12):
        _assert_exact_reaches_the_brute_forced_optimum(_cohort(seed, facilitators=3, most_groups=2))
    assert runs == []
    assert dived  # some cohort went past the search to where the pass would have run


def test_the_first_pass_still_runs_where_leaders_are_not_scarce(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    runs, dived = _recorded(monkeypatch, scarce=False)
    for seed in range(12):
        problem = _cohort(seed, facilitators=3, most_groups=2)
        solve_exact(problem, solve_heuristic(problem, 1), 1, 10.0)
    assert runs and len(runs) >= len(dived)  # a first pass before every dive


def _dives_on_threads(monkeypatch: pytest.MonkeyPatch) -> list[tuple[bool, bool]]:
    """For each dive from now on: whether its relaxation runs on a thread as the dive
    begins, and whether it should, because it was asked ahead or a step ran before the
    dive in the phase (HiGHS's first pass, the if-needed seats' bound)."""
    noted: list[tuple[bool, bool]] = []
    before = [False]
    own_relaxation, own_dive = phase_preferences._dive_relaxation, phase_preferences._dive

    def relaxation(*args: Any) -> Any:
        made = own_relaxation(*args)
        before[0] = made is not None and made.started()  # asked ahead
        return made

    def ahead_of_the_dive(own: Any) -> Any:
        def step(*args: Any) -> Any:
            before[0] = True
            return own(*args)

        return step

    def dive(context: Any, made: Any, *args: Any) -> Any:
        noted.append((made.started(), before[0]))
        return own_dive(context, made, *args)

    monkeypatch.setattr(phase_preferences, "_dive_relaxation", relaxation)
    monkeypatch.setattr(phase_preferences, "_dive", dive)
    for name in ("_first_pass", "_if_needed_bound"):
        own = getattr(phase_preferences, name)
        monkeypatch.setattr(phase_preferences, name, ahead_of_the_dive(own))
    return noted


@pytest.mark.parametrize("scarce", [True, False])
def test_the_dives_relaxation_runs_on_a_thread_only_where_a_step_comes_before_it(
    monkeypatch: pytest.MonkeyPatch, scarce: bool
) -> None:
    # with scarce leaders nothing runs before the dive joins its relaxation: solved in
    # place (no thread, no interrupt callbacks); elsewhere it runs beside the first pass
    monkeypatch.setattr(phase_preferences, "_leaders_scarce", lambda _problem: scarce)
    monkeypatch.setattr(phase_preferences, "_seats_for_the_dive", lambda *_args: False)
    noted = _dives_on_threads(monkeypatch)
    for seed in range(12):
        problem = _cohort(seed, facilitators=3, most_groups=2)
        solve_exact(problem, solve_heuristic(problem, 1), 1, 10.0)
    assert noted and all(on_thread == should for on_thread, should in noted)
    assert {on_thread for on_thread, _should in noted} == {not scarce}
