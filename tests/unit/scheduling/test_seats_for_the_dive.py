"""The search's moves along paths left for after the LP dive where the plan pays many
if-needed seats above the bound (phase_preferences._seats_for_the_dive): the phase still
reaches the brute-forced optimum, the search without them makes none of those moves, and
HiGHS after the dive goes without its neighbourhoods on small models and still reaches the
optimum."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from roundtable.scheduling import phase_preferences, preferences
from roundtable.scheduling.cycles import cancel_cycles
from roundtable.scheduling.generate import generate_instance
from roundtable.scheduling.heuristic import solve_heuristic
from roundtable.scheduling.highs import PhaseResult
from roundtable.scheduling.instance import parse_instance
from roundtable.scheduling.path_relocation import preference_cost
from roundtable.scheduling.scheduler import schedule
from roundtable.scheduling.search import Search
from tests.unit.scheduling.test_phase_bounds import (
    _assert_exact_reaches_the_brute_forced_optimum,
    _cohort,
)
from tests.unit.scheduling.test_preference_moves import (
    _few_facilitators,
    assert_earlier_phases_kept,
)


def _gates(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Every answer of the gate from now on."""
    answers: list[bool] = []
    gate = phase_preferences._seats_for_the_dive

    def recorded(context: phase_preferences.PhaseContext, bound: int) -> bool:
        answers.append(gate(context, bound))
        return answers[-1]

    monkeypatch.setattr(phase_preferences, "_seats_for_the_dive", recorded)
    return answers


def _seats_model(monkeypatch: pytest.MonkeyPatch, applies: bool) -> None:
    """Whether HiGHS within the fewest seats (`test_fewest_seats`) may replace the dive:
    these cohorts' held sizes allow one total, so with the gate at 0 seats it would."""
    monkeypatch.setattr(phase_preferences, "_one_total_many_seats", lambda *_: applies)


def _no_seats_first(monkeypatch: pytest.MonkeyPatch) -> None:
    """The dive's path: the seats' proof before it (`_seats_first`, test_proof_beside)
    would decide these tiny cohorts first."""
    monkeypatch.setattr(phase_preferences, "_seats_first", lambda *_args: None)


def _full_solves(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether each of the phase's full HiGHS solves from now on has its neighbourhoods."""
    solves: list[bool] = []
    solve = phase_preferences.solve_phase

    def recorded(*args: Any, **kwargs: Any) -> PhaseResult:
        call = inspect.signature(solve).bind(*args, **kwargs)
        call.apply_defaults()
        if call.arguments["full_model"]:
            solves.append(call.arguments["neighbourhoods"])
        return solve(*args, **kwargs)

    monkeypatch.setattr(phase_preferences, "solve_phase", recorded)
    return solves


@pytest.mark.parametrize("seed", range(12))
def test_the_phase_with_the_paths_after_the_dive_reaches_the_brute_forced_optimum(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the gate opened wherever the plan pays more than the bound at all
    monkeypatch.setattr(phase_preferences, "_SEATS_FOR_THE_DIVE", 0)
    gates = _gates(monkeypatch)
    _assert_exact_reaches_the_brute_forced_optimum(_cohort(seed, facilitators=3, most_groups=2))
    assert all(gates)


@pytest.mark.parametrize("above", [10**9, 0])
def test_highs_after_a_dive_that_finds_nothing_has_neighbourhoods_only_on_large_models(
    above: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # with the gate open and the dive finding nothing (its bound unchanged), HiGHS's
    # full model after it reaches the brute-forced optimum, with its neighbourhoods only
    # where the model has more group columns than `_NEIGHBOURHOODS_ABOVE`
    monkeypatch.setattr(phase_preferences, "_SEATS_FOR_THE_DIVE", 0)
    _seats_model(monkeypatch, False)  # the dive's path, not HiGHS within the fewest seats
    _no_seats_first(monkeypatch)
    monkeypatch.setattr(phase_preferences, "_NEIGHBOURHOODS_ABOVE", above)
    monkeypatch.setattr(phase_preferences, "_dive", lambda _c, _r, _budget, bound: bound)
    solves = _full_solves(monkeypatch)
    for seed in range(12):
        _assert_exact_reaches_the_brute_forced_optimum(_cohort(seed, facilitators=3, most_groups=2))
    assert solves and solves == [above == 0] * len(solves)


@pytest.mark.parametrize("seed", range(3))
def test_the_search_without_paths_moves_along_none_and_keeps_the_earlier_phases(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    moved: list[str] = []
    for name in ("relocate_along_paths", "relocate_groups_along_paths"):
        move = getattr(preferences, name)

        def counted(*args: object, _move: object = move, _name: str = name) -> bool:
            moved.append(_name)
            return _move(*args)  # type: ignore[operator, no-any-return]

        monkeypatch.setattr(preferences, name, counted)
    problem = _few_facilitators(seed, per_group=False)
    plan = solve_heuristic(problem, seed)
    search = Search(problem, plan)
    preferences.improve_preferences(search, 5.0, paths=False)
    assert moved == []
    assert_earlier_phases_kept(problem, plan, search.plan(), 0)
    preferences.improve_preferences(Search(problem, plan), 5.0)
    assert moved  # with them, the same search tries them


def _preferences_line(document: dict[str, object]) -> str:
    """The preferences phase's line of the whole schedule (solved part by part)."""
    params, people, existing = parse_instance(document)
    result = schedule(people, params, existing, seed=1, time_limit=20.0)
    return next(line for line in result.stats.phases if line.startswith("preferences"))


def test_a_narrow_cohort_leaves_its_paths_for_the_dive_and_ends_at_the_same_optimum(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the sweep's sparse 100 cohort: its plan pays 8 if-needed seats or more above the
    # bound in two of its three parts; both orders prove the same least cost
    params = {"cohort_start_date": "2025-03-03", "number_of_meetings": 8}
    document = generate_instance(100, seed=100, params=params, narrow=True)
    gates = _gates(monkeypatch)
    deferred = _preferences_line(document)
    assert any(gates)
    monkeypatch.setattr(phase_preferences, "_SEATS_FOR_THE_DIVE", 10**9)
    gates.clear()
    first = _preferences_line(document)
    assert gates and not any(gates)
    assert deferred.endswith("optimal") and first.endswith("optimal")
    assert deferred.split("): ")[1] == first.split("): ")[1]


def _steps(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The phase's search, HiGHS's first pass and the dive, in the order they begin."""
    steps: list[str] = []
    for name in ("improve_preferences", "_first_pass", "_dive"):
        step = getattr(phase_preferences, name)

        def recorded(*args: object, _step: object = step, _name: str = name) -> object:
            steps.append(_name)
            return _step(*args)  # type: ignore[operator]

        monkeypatch.setattr(phase_preferences, name, recorded)
    return steps


@pytest.mark.parametrize("seats_model", [False, True])
@pytest.mark.parametrize("left_out", [True, False])
@pytest.mark.parametrize("seed", [1, 3, 5])  # their heuristic's plans pay above the bound
def test_where_the_dive_runs_alone_nothing_comes_before_it_and_the_optimum_is_reached(
    seed: int, left_out: bool, seats_model: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the gate open wherever the plan pays more than the bound at all; the dive's runner
    # leaving the linking rows out everywhere, or nowhere
    monkeypatch.setattr(phase_preferences, "_SEATS_FOR_THE_DIVE", 0)
    monkeypatch.setattr("roundtable.scheduling.lp_dive._LINKING_NONZEROS", 0.0 if left_out else 1.0)
    _seats_model(monkeypatch, seats_model)
    _no_seats_first(monkeypatch)
    steps = _steps(monkeypatch)
    _assert_exact_reaches_the_brute_forced_optimum(_cohort(seed, facilitators=3, most_groups=2))
    # the plan pays above the bound: with the rows kept the search comes first (and
    # reaches it on these cohorts), left out the dive does, with no first pass, unless
    # the search's plan is to decide between the dive and the model within the seats
    first = "_dive" if left_out and not seats_model else "improve_preferences"
    assert steps[0] == first and "_first_pass" not in steps


@pytest.mark.parametrize("many_after_the_cycles", [False, True])
@pytest.mark.parametrize("seed", [1, 3, 5])  # their heuristic's plans pay above the bound
def test_where_the_dive_runs_alone_the_search_goes_on_after_its_cycles_only_while_seats_decide(
    seed: int, many_after_the_cycles: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the seats model's test says yes before the cycles, then `many_after_the_cycles`:
    # the rest of the search runs only where it still says yes, and the optimum is reached
    monkeypatch.setattr(phase_preferences, "_SEATS_FOR_THE_DIVE", 0)
    monkeypatch.setattr("roundtable.scheduling.lp_dive._LINKING_NONZEROS", 0.0)
    answers = iter([True, many_after_the_cycles])
    monkeypatch.setattr(phase_preferences, "_one_total_many_seats", lambda *_: next(answers, False))
    _no_seats_first(monkeypatch)
    cycles = phase_preferences.cancel_cycles

    def recorded(*args: Any) -> int:
        steps.append("cancel_cycles")
        return cycles(*args)

    steps = _steps(monkeypatch)
    monkeypatch.setattr(phase_preferences, "cancel_cycles", recorded)
    _assert_exact_reaches_the_brute_forced_optimum(_cohort(seed, facilitators=3, most_groups=2))
    # (the whole search may reach the bound, and the phase end before any dive)
    before = steps[: steps.index("_dive")] if "_dive" in steps else steps
    searched = ["improve_preferences"] if many_after_the_cycles else []
    assert before == ["cancel_cycles", *searched]
    assert many_after_the_cycles or "_dive" in steps


@pytest.mark.parametrize("seed", range(4))
def test_the_rest_of_the_search_never_raises_what_the_cycles_leave(seed: int) -> None:
    # so where the cycles leave fewer seats above the bound than the seats model needs,
    # the whole search would too
    problem = _few_facilitators(seed, per_group=False)
    search = Search(problem, solve_heuristic(problem, seed))
    cancel_cycles(search, 5.0)
    after_the_cycles = preference_cost(search)
    preferences.improve_preferences(search, 5.0, paths=False)
    assert preference_cost(search) <= after_the_cycles
    assert_earlier_phases_kept(problem, solve_heuristic(problem, seed), search.plan(), 0)
