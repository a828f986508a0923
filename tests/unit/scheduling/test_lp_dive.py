"""The preferences phase's LP dive (lp_dive.py): its bound never exceeds the brute-forced
optimum, its answer never worsens an earlier phase or the plan it starts from, and every
leader it picks is legal."""

from __future__ import annotations

import math
import time
from typing import Any

import pytest

from roundtable.scheduling.formulation import INF, formulate, group_column_count
from roundtable.scheduling.heuristic import solve_heuristic
from roundtable.scheduling.highs import Runner
from roundtable.scheduling.highs_model import (
    learner_columns,
    relax,
    set_objective,
    solve_relaxation,
)
from roundtable.scheduling.lp_dive import (
    DiveOutcome,
    DiveRelaxation,
    PricedHighs,
    _add_count_rows,
    _close_together,
    _counts,
    _integral,
    _round_row,
    _starts,
    _whole_groups,
    dive,
    start_relaxation,
)
from roundtable.scheduling.neighbourhood import group_columns
from roundtable.scheduling.plan import Plan
from roundtable.scheduling.problem import Problem
from roundtable.scheduling.search import Search
from roundtable.scheduling.solver import solve_exact
from roundtable.scheduling.values import plan_objectives
from tests.unit.scheduling.test_phase_bounds import _brute_force, _cohort
from tests.unit.scheduling.test_preference_moves import (
    _few_facilitators,
    assert_earlier_phases_kept,
)
from tests.unit.scheduling.test_sizes_by_totals import _three_and_five


def _dive_on_brute_forced(seed: int) -> tuple[Problem, tuple[int, int, int], Plan, DiveOutcome]:
    """A tiny cohort, its brute-forced placement, sizes and preferences, HiGHS's proven
    plan, and the dive from that plan with placement and sizes held at their optima."""
    problem = _cohort(seed, facilitators=3, most_groups=2)
    placed, sizes, preferences, _spread = _brute_force(problem)
    plan = solve_exact(problem, solve_heuristic(problem, 1), 1, 10.0).plan
    runner = Runner(problem, 1)
    runner.hold("placed", placed)
    runner.hold("sizes", sizes)
    outcome = dive(runner, "preferences", plan, 10.0, 0)
    return problem, (placed, sizes, preferences), plan, outcome


@pytest.mark.parametrize("seed", range(12))
def test_the_relaxation_bound_never_exceeds_the_brute_forced_optimum(seed: int) -> None:
    problem, (placed, sizes, preferences), plan, outcome = _dive_on_brute_forced(seed)
    scores = plan_objectives(problem, plan)
    assert (scores["placed"], scores["sizes"]) == (placed, sizes)  # tiny cohorts: proven
    after = plan_objectives(problem, outcome.plan)
    assert outcome.bound <= preferences <= after["preferences"] <= scores["preferences"]
    assert (after["placed"], after["sizes"]) == (placed, sizes)


@pytest.mark.parametrize("per_group", [False, True])
@pytest.mark.parametrize("seed", range(4))
def test_the_dive_never_worsens_an_earlier_phase(seed: int, per_group: bool) -> None:
    # the heuristic's own placement and sizes held: the dive may only choose among them
    problem = _few_facilitators(seed, per_group)
    search = Search(problem, solve_heuristic(problem, seed))
    plan = search.plan()
    before = plan_objectives(problem, plan)
    runner = Runner(problem, 1)
    runner.hold("placed", before["placed"])
    runner.hold("sizes", before["sizes"])
    outcome = dive(runner, "preferences", plan, 10.0, 0)
    after = plan_objectives(problem, outcome.plan)
    assert (after["placed"], after["joins"]) == (before["placed"], before["joins"])
    assert_earlier_phases_kept(problem, plan, outcome.plan, outcome.bound)


def test_the_dive_finds_what_the_search_left_on_a_generated_cohort() -> None:
    # seed 0, one anchor: the heuristic's plan pays more than the dive's answer
    problem = _few_facilitators(0, per_group=False)
    plan = solve_heuristic(problem, 0)
    before = plan_objectives(problem, plan)
    runner = Runner(problem, 1)
    runner.hold("placed", before["placed"])
    runner.hold("sizes", before["sizes"])
    outcome = dive(runner, "preferences", plan, 10.0, 0)
    assert plan_objectives(problem, outcome.plan)["preferences"] < before["preferences"]


@pytest.mark.parametrize("seed", range(3))
def test_the_group_columns_are_counted_as_the_model_has_them(seed: int) -> None:
    # the dive decides whether to build a model from this count alone
    cohorts = [_few_facilitators(seed, per_group=True), _cohort(seed), _three_and_five()]
    for problem in cohorts:
        model = formulate(problem)
        assert group_column_count(problem) == len(group_columns(model))


def test_the_mip_starts_from_the_rounded_relaxation_only_when_its_groups_are_whole() -> None:
    model = formulate(_few_facilitators(0, False))
    groups = {*model.y.values(), *model.n.values()}
    group = min(groups)
    other = min(col for col in range(len(model.cost)) if col not in groups)
    solution = [0.0] * len(model.cost)
    solution[group], solution[other] = 1.0 - 1e-7, 2.0 + 1e-6  # within the LP's tolerance
    start = _whole_groups(model, solution)
    assert start is not None
    assert (start[group], start[other]) == (1.0, 2.0)  # made whole: HiGHS checks at 1e-6
    solution[group] = 0.5
    assert _whole_groups(model, solution) is None
    assert _whole_groups(model, []) is None  # no solution kept: the plan starts the MIP


@pytest.mark.parametrize("seed", range(4))
def test_a_batch_that_costs_more_is_undone_back_to_the_relaxations_value(seed: int) -> None:
    problem = _few_facilitators(seed, False)
    plan = Search(problem, solve_heuristic(problem, seed)).plan()
    highs, starts, first = _with_count_rows(_held_runner(problem, plan))
    relaxed = solve_relaxation(highs, 10.0)
    assert relaxed is not None
    rows = {start: first + position for position, start in enumerate(starts)}
    counts = _counts(highs, starts)
    used = [start for start, count in counts.items() if count > 1e-6]
    # every used start closed: dearer than the relaxation, or infeasible
    assert not _close_together(highs, rows, used, counts, -1, time.monotonic() + 10.0)
    assert solve_relaxation(highs, 10.0) == pytest.approx(relaxed)
    assert highs.getOptionValue("simplex_strategy")[1] == 1  # dual simplex again


@pytest.mark.parametrize("seed", range(4))
def test_the_number_of_groups_in_all_is_rounded_by_its_own_row(seed: int) -> None:
    # rounding start by start, a fractional total only moves from start to start
    problem = _few_facilitators(seed, False)
    plan = Search(problem, solve_heuristic(problem, seed)).plan()
    scores = plan_objectives(problem, plan)
    runner = Runner(problem, 1)
    runner.hold("placed", scores["placed"])  # sizes free: room for half a group more
    highs, starts, first = _with_count_rows(runner)
    assert highs.getNumRow() == first + len(starts) + 1  # the total's row last
    relaxed = solve_relaxation(highs, 10.0)
    assert relaxed is not None
    row = first + len(starts)
    highs.changeRowBounds(row, sum(_counts(highs, starts).values()) + 0.5, INF)
    total = solve_relaxation(highs, 10.0) and sum(_counts(highs, starts).values())
    assert total and abs(total - round(total)) > 1e-6  # made fractional: half a group off
    aim = _round_row(highs, row, total, math.ceil(relaxed), time.monotonic() + 10.0)
    assert aim is not None and aim >= math.ceil(relaxed)
    value = solve_relaxation(highs, 10.0)
    assert value is not None and value <= aim + 1e-3
    rounded = sum(_counts(highs, starts).values())
    assert rounded == pytest.approx(round(rounded), abs=1e-6)
    assert round(rounded) in (math.floor(total), math.ceil(total))


def _with_count_rows(runner: Runner) -> tuple[Any, dict[int, list[int]], int]:
    """The runner's instance as the dive relaxes it: the preferences objective, every
    column continuous, the count rows added from row `first` on."""
    model, highs = runner._loaded()
    starts, first = _starts(model), highs.getNumRow()
    set_objective(highs, model, "preferences")
    relax(highs, model, True)
    _add_count_rows(highs, starts)
    return highs, starts, first


def _held_runner(problem: Problem, plan: Plan) -> Runner:
    scores = plan_objectives(problem, plan)
    runner = Runner(problem, 1)
    runner.hold("placed", scores["placed"])
    runner.hold("sizes", scores["sizes"])
    return runner


@pytest.mark.parametrize("seed", range(4))
def test_a_relaxation_started_on_a_thread_gives_the_dive_the_same_answer(seed: int) -> None:
    # the phase starts it before its search: HiGHS must do the same work as in place
    problem = _few_facilitators(seed, False)
    plan = Search(problem, solve_heuristic(problem, seed)).plan()
    in_place = dive(_held_runner(problem, plan), "preferences", plan, 10.0, 0)
    runner = _held_runner(problem, plan)
    relaxation = start_relaxation(runner, "preferences", 10.0, plan)
    assert relaxation is not None
    threaded = dive(runner, "preferences", plan, 10.0, 0, relaxation)
    assert threaded.bound == in_place.bound
    assert threaded.plan == in_place.plan


@pytest.mark.parametrize("seed", range(2))
def test_a_runner_on_its_own_instance_shares_the_formulation_and_dives_the_same(
    seed: int,
) -> None:
    # the phase's dive runner: its relaxation runs beside HiGHS's first pass on the other
    problem = _few_facilitators(seed, False)
    plan = Search(problem, solve_heuristic(problem, seed)).plan()
    held = _held_runner(problem, plan)
    own = held.on_own_instance()
    assert own.model is held.model and own.holds == held.holds
    assert own._loaded()[1] is not held.highs
    own.hold("spread", 0)  # its holds are its own too
    assert held.holds == _held_runner(problem, plan).holds
    fresh = dive(_held_runner(problem, plan), "preferences", plan, 10.0, 0)
    shared = dive(held.on_own_instance(), "preferences", plan, 10.0, 0)
    assert (shared.plan, shared.bound) == (fresh.plan, fresh.bound)


def test_a_cancelled_relaxation_stops_and_gives_no_value() -> None:
    problem = _few_facilitators(0, False)
    plan = solve_heuristic(problem, 0)
    relaxation = DiveRelaxation(_held_runner(problem, plan), "preferences", 10.0)
    relaxation.cancel()  # before HiGHS runs: it is interrupted at its first iteration
    relaxation.start()
    assert relaxation.solve() is None
    relaxation.cancel()  # again, once it has ended: nothing to wait for


def test_the_relaxations_answer_counts_as_integral_within_the_mip_start_tolerance() -> None:
    model = formulate(_few_facilitators(0, False))
    learner, group = min(model.w.values()), min(model.y.values())
    solution = [0.0] * len(model.cost)
    solution[learner], solution[group] = 3.0 + 1e-7, 1.0 - 1e-7
    assert _integral(model, solution)
    solution[learner] = 2.5
    assert not _integral(model, solution)
    assert not _integral(model, [])  # no solution kept


@pytest.mark.parametrize("seed", range(4))
def test_an_integral_relaxation_is_the_answer_the_mip_would_give(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # with the counts fixed the MIP can do no better than an integral relaxation
    problem = _few_facilitators(seed, False)
    plan = Search(problem, solve_heuristic(problem, seed)).plan()
    skipped = dive(_held_runner(problem, plan), "preferences", plan, 10.0, 0)
    monkeypatch.setattr("roundtable.scheduling.lp_dive._integral", lambda *_: False)
    solved = dive(_held_runner(problem, plan), "preferences", plan, 10.0, 0)
    assert plan_objectives(problem, skipped.plan) == plan_objectives(problem, solved.plan)
    assert_earlier_phases_kept(problem, plan, skipped.plan, skipped.bound)


def test_after_a_batch_that_costs_more_some_starts_are_rounded_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # every batch costs more here: between two tries, `_ALONE_AFTER_FAILED_BATCH` starts
    # are rounded one at a time (each try was a re-solve and an undo)
    from roundtable.scheduling import lp_dive

    counts = dict.fromkeys(range(20), 1.5)  # none below `_BATCH`: no early batches
    calls: list[str] = []

    def round_row(_highs: object, row: int, _count: float, aim: int, _deadline: float) -> int:
        if row < len(counts):  # a start's row (the total's is the last)
            counts[row] = 1.0
            calls.append("alone")
        return aim

    def close_together(*_args: object) -> bool:
        calls.append("batch")
        return False

    class _Rows:
        def changeRowBounds(self, *_args: object) -> None:  # noqa: N802 (HiGHS's name)
            pass

    monkeypatch.setattr(lp_dive, "_counts", lambda *_: dict(counts))
    monkeypatch.setattr(lp_dive, "_round_row", round_row)
    monkeypatch.setattr(lp_dive, "_close_together", close_together)
    starts = {start: [start] for start in counts}
    assert lp_dive._round_counts(_Rows(), starts, 0, 10, time.monotonic() + 10.0)
    alone = lp_dive._ALONE_AFTER_FAILED_BATCH
    between = ["batch", *["alone"] * alone]
    batches = 3  # tried while more than twice `_AT_ONCE` starts are fractional
    assert calls == between * batches + ["alone"] * (len(counts) - batches * alone)


@pytest.mark.parametrize("seed", range(4))
def test_beginning_again_at_every_start_keeps_the_earlier_phases(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # no rounding worth keeping: every start the dive rounds one at a time begins it again
    from roundtable.scheduling import lp_dive

    round_counts = lp_dive._round_counts

    def never_worth(*args: Any, **_kwargs: Any) -> bool:
        return round_counts(*args[:5], worth=-1.0)

    monkeypatch.setattr(lp_dive, "_round_counts", never_worth)
    problem = _few_facilitators(seed, False)
    plan = Search(problem, solve_heuristic(problem, seed)).plan()
    outcome = dive(_held_runner(problem, plan), "preferences", plan, 10.0, 0)
    assert_earlier_phases_kept(problem, plan, outcome.plan, outcome.bound)
    small, (_placed, _sizes, preferences), _start, found = _dive_on_brute_forced(seed)
    assert found.bound <= preferences <= plan_objectives(small, found.plan)["preferences"]


def test_a_rounding_not_worth_it_begins_the_dive_again_once_per_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the kept start stays rounded, every other start's row is freed, the aim is the
    # relaxation's value again; a start that was begun from is not begun from twice
    from roundtable.scheduling import lp_dive

    counts = {0: 1.5, 1: 0.5}
    bounds: dict[int, tuple[float, float]] = {}
    rounded: list[int] = []

    def round_row(_highs: object, row: int, _count: float, aim: int, _deadline: float) -> int:
        if row < len(counts):
            counts[row] = 1.0
            rounded.append(row)
            bounds[row] = (1.0, 1.0)
            return 50  # dearer than worth it
        return aim

    class _Rows:
        def changeRowBounds(self, row: int, low: float, high: float) -> None:  # noqa: N802
            bounds[row] = (low, high)
            if row < len(counts) and high == INF:
                counts[row] = 0.5  # freed: fractional again

    monkeypatch.setattr(lp_dive, "_counts", lambda *_: dict(counts))
    monkeypatch.setattr(lp_dive, "_round_row", round_row)
    monkeypatch.setattr(lp_dive, "solve_relaxation", lambda *_: 10.0)
    starts = {start: [start] for start in counts}
    assert lp_dive._round_counts(_Rows(), starts, 0, 10, time.monotonic() + 10.0, 20.0)
    assert rounded == [0, 1, 0]  # begun again after 0 and after 1, not after 0 twice
    assert bounds[0] == bounds[1] == (1.0, 1.0)


def _hold_columns_everywhere(monkeypatch: pytest.MonkeyPatch) -> None:
    # the test cohorts have more rows than columns: held-out columns would not apply
    monkeypatch.setattr("roundtable.scheduling.lp_dive._COLUMNS_PER_ROW", 0)


@pytest.mark.parametrize("seed", range(4))
def test_a_relaxation_with_columns_held_out_has_the_whole_relaxations_value(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    _hold_columns_everywhere(monkeypatch)
    problem = _few_facilitators(seed, False)
    plan = Search(problem, solve_heuristic(problem, seed)).plan()
    whole = solve_relaxation(_with_count_rows(_held_runner(problem, plan))[0], 10.0)
    relaxation = DiveRelaxation(_held_runner(problem, plan), "preferences", 10.0, plan)
    value = relaxation.solve()
    assert isinstance(relaxation.highs, PricedHighs)
    assert whole is not None and value == pytest.approx(whole, abs=1e-6)
    duals = relaxation.highs.getSolution().col_dual
    assert all(duals[col] >= -1e-7 for col in relaxation.highs.held)  # none would price in


@pytest.mark.parametrize("seed", range(4))
def test_roundings_with_columns_held_out_cost_what_they_cost_on_the_whole_model(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # closing every used start: held columns price in, or the relaxation is infeasible
    # with them and all are freed; either way the value is the whole model's
    _hold_columns_everywhere(monkeypatch)
    problem = _few_facilitators(seed, False)
    plan = Search(problem, solve_heuristic(problem, seed)).plan()
    whole, starts, first = _with_count_rows(_held_runner(problem, plan))
    relaxation = DiveRelaxation(_held_runner(problem, plan), "preferences", 10.0, plan)
    assert relaxation.solve() == pytest.approx(solve_relaxation(whole, 10.0), abs=1e-6)
    counts = _counts(whole, starts)
    for position, start in enumerate(starts):
        if counts[start] > 1e-6:
            for highs in (whole, relaxation.highs):
                highs.changeRowBounds(first + position, 0.0, math.floor(counts[start]))
            expected = solve_relaxation(whole, 10.0)
            assert solve_relaxation(relaxation.highs, 10.0) == pytest.approx(expected, abs=1e-6)


def test_every_held_column_is_freed_where_the_kept_ones_leave_no_answer() -> None:
    problem = _few_facilitators(0, False)
    plan = Search(problem, solve_heuristic(problem, 0)).plan()
    whole = solve_relaxation(_with_count_rows(_held_runner(problem, plan))[0], 10.0)
    runner = _held_runner(problem, plan)
    highs = _with_count_rows(runner)[0]
    model = runner._loaded()[0]
    priced = PricedHighs(highs, learner_columns(model), model.upper)  # nobody can sit
    assert solve_relaxation(priced, 10.0) == pytest.approx(whole, abs=1e-6)
    assert not len(priced.held)


@pytest.mark.parametrize("seed", range(6))
def test_with_columns_held_out_the_bound_never_exceeds_the_brute_forced_optimum(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    _hold_columns_everywhere(monkeypatch)
    problem, (placed, sizes, preferences), _plan, outcome = _dive_on_brute_forced(seed)
    after = plan_objectives(problem, outcome.plan)
    assert outcome.bound <= preferences <= after["preferences"]
    assert (after["placed"], after["sizes"]) == (placed, sizes)
