"""The preferences phase's LP dive (lp_dive.py): its bound never exceeds the brute-forced
optimum, its answer never worsens an earlier phase or the plan it starts from, and every
leader it picks is legal."""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
import pytest

from roundtable.scheduling.formulation import INF, formulate, group_column_count
from roundtable.scheduling.heuristic import solve_heuristic
from roundtable.scheduling.highs import Runner
from roundtable.scheduling.highs_model import (
    learner_columns,
    new_instance,
    option_value,
    relax,
    set_objective,
    solve_relaxation,
)
from roundtable.scheduling.lp_dive import (
    DiveOutcome,
    DiveRelaxation,
    PricedHighs,
    _add_count_rows,
    _answer_already,
    _cap_whole_starts,
    _close_together,
    _column_entries,
    _counter,
    _entries_of,
    _fix_together,
    _floats,
    _integral,
    _is_whole,
    _round_row,
    _round_the_rest,
    _row_bounds,
    _satisfies_every_row,
    _starts,
    _tidy,
    _whole_groups,
    dive,
    own_runner,
    rounded_up,
    start_relaxation,
)
from roundtable.scheduling.neighbourhood import group_columns
from roundtable.scheduling.plan import Plan
from roundtable.scheduling.problem import Problem
from roundtable.scheduling.search import Search
from roundtable.scheduling.solver import solve_exact
from roundtable.scheduling.values import complete_aux, plan_objectives, values_from_plan
from tests.unit.scheduling.test_phase_bounds import _brute_force, _cohort
from tests.unit.scheduling.test_preference_moves import (
    _few_facilitators,
    assert_earlier_phases_kept,
)
from tests.unit.scheduling.test_sizes_by_totals import _three_and_five


def _dive_on_brute_forced(
    seed: int, linking: bool = True, loose: bool = False
) -> tuple[Problem, tuple[int, int, int], Plan, DiveOutcome]:
    """A tiny cohort, its brute-forced placement, sizes and preferences, HiGHS's proven
    plan, and the dive from that plan with placement and sizes held at their optima
    (without `linking`, on a runner with the linking rows left out, as the phase's;
    `loose`, its relaxation first without them, as `DiveRelaxation` tries it)."""
    problem = _cohort(seed, facilitators=3, most_groups=2)
    placed, sizes, preferences, _spread = _brute_force(problem)
    plan = solve_exact(problem, solve_heuristic(problem, 1), 1, 10.0).plan
    runner = Runner(problem, 1)
    runner.hold("placed", placed)
    runner.hold("sizes", sizes)
    runner = runner if linking else runner.on_own_instance(linking=False)
    relaxation = DiveRelaxation(runner, "preferences", 10.0, plan, loose)
    outcome = dive(runner, "preferences", plan, 10.0, 0, relaxation)
    return problem, (placed, sizes, preferences), plan, outcome


@pytest.mark.parametrize("seed", range(12))
def test_the_relaxation_bound_never_exceeds_the_brute_forced_optimum(seed: int) -> None:
    problem, (placed, sizes, preferences), plan, outcome = _dive_on_brute_forced(seed)
    scores = plan_objectives(problem, plan)
    assert (scores["placed"], scores["sizes"]) == (placed, sizes)  # tiny cohorts: proven
    after = plan_objectives(problem, outcome.plan)
    assert outcome.bound <= preferences <= after["preferences"] <= scores["preferences"]
    assert (after["placed"], after["sizes"]) == (placed, sizes)


@pytest.mark.parametrize("loose", [False, True])
def test_a_plan_at_the_relaxations_bound_is_handed_back_without_rounding(
    loose: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # no rounding can better it (peer 300 at seed 301: 15 s of CPU to hand back 172);
    # HiGHS's proven plans are at the relaxation's bound on most of the tiny cohorts
    from roundtable.scheduling import lp_dive

    rounded: list[int] = []
    real = lp_dive._dive_from

    def recorded(*args: Any, **kwargs: Any) -> DiveOutcome | None:
        rounded.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(lp_dive, "_dive_from", recorded)
    at_bound = 0
    for seed in range(12):
        rounded.clear()
        problem, _optima, plan, outcome = _dive_on_brute_forced(seed, loose=loose)
        if outcome.bound == plan_objectives(problem, plan)["preferences"]:
            at_bound += 1
            assert not rounded and outcome.plan is plan
    assert at_bound


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
    counts = _counter(starts)(highs)
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
    highs.changeRowBounds(row, sum(_counter(starts)(highs).values()) + 0.5, INF)
    total = solve_relaxation(highs, 10.0) and sum(_counter(starts)(highs).values())
    assert total and abs(total - round(total)) > 1e-6  # made fractional: half a group off
    aim = _round_row(highs, row, total, math.ceil(relaxed), time.monotonic() + 10.0)
    assert aim is not None and aim >= math.ceil(relaxed)
    value = solve_relaxation(highs, 10.0)
    assert value is not None and value <= aim + 1e-3
    rounded = sum(_counter(starts)(highs).values())
    assert rounded == pytest.approx(round(rounded), abs=1e-6)
    assert round(rounded) in (math.floor(total), math.ceil(total))


def _with_count_rows(runner: Runner) -> tuple[Any, dict[int, list[int]], int]:
    """The runner's instance as the dive relaxes it: the preferences objective, every
    column continuous, the count rows added from row `first` on."""
    model, highs = runner.loaded()
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


def _interrupts_counted(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One entry per call of a relaxation's interrupt callback from now on."""
    calls: list[int] = []
    interrupt = DiveRelaxation.interrupt

    def counted(self: DiveRelaxation, event: Any) -> None:
        calls.append(1)
        interrupt(self, event)

    monkeypatch.setattr(DiveRelaxation, "interrupt", counted)
    return calls


@pytest.mark.parametrize("seed", range(3))
def test_a_relaxation_not_started_beside_is_solved_in_place_without_callbacks(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # where nothing runs before the dive joins it (few facilitators): the same HiGHS work
    # without a thread, and nothing to cancel it while it runs, so no interrupt callback
    calls = _interrupts_counted(monkeypatch)
    problem = _few_facilitators(seed, False)
    plan = Search(problem, solve_heuristic(problem, seed)).plan()
    runner = _held_runner(problem, plan)
    beside = start_relaxation(runner, "preferences", 10.0, plan)
    assert beside is not None and beside.started()
    threaded = dive(runner, "preferences", plan, 10.0, 0, beside)
    assert calls  # on its thread HiGHS asks whether to stop
    calls.clear()
    runner = _held_runner(problem, plan)
    relaxation = start_relaxation(runner, "preferences", 10.0, plan, beside=False)
    assert relaxation is not None and not relaxation.started()
    in_place = dive(runner, "preferences", plan, 10.0, 0, relaxation)
    assert not calls and not relaxation.started()
    assert (in_place.plan, in_place.bound) == (threaded.plan, threaded.bound)


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
    assert own.loaded()[1] is not held.highs
    own.hold("spread", 0)  # its holds are its own too
    assert held.holds == _held_runner(problem, plan).holds
    fresh = dive(_held_runner(problem, plan), "preferences", plan, 10.0, 0)
    shared = dive(held.on_own_instance(), "preferences", plan, 10.0, 0)
    assert (shared.plan, shared.bound) == (fresh.plan, fresh.bound)


@pytest.mark.parametrize("loose", [False, True])
def test_a_cancelled_relaxation_stops_and_gives_no_value(loose: bool) -> None:
    problem = _few_facilitators(0, False)
    plan = solve_heuristic(problem, 0)
    relaxation = DiveRelaxation(_held_runner(problem, plan), "preferences", 10.0, loose=loose)
    relaxation.cancel()  # before it starts: nothing is loaded, HiGHS never runs
    relaxation.start()
    assert relaxation.solve() is None
    assert relaxation.whole_runner.highs is None and relaxation.highs is None
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


class _IgnoredRows:
    """A HiGHS stand-in for `_round_counts` whose row bounds nobody reads."""

    def changeRowBounds(self, *_args: object) -> None:  # noqa: N802 (HiGHS's name)
        pass


@pytest.mark.parametrize("seed", range(3))
def test_rounded_values_are_taken_as_the_answer_only_within_every_row(seed: int) -> None:
    # the dive skips its MIP for rounded values that keep every row and bound: the plan's
    # own values do (its holds came from it); one learner more in a class does not
    problem = _few_facilitators(seed, False)
    plan = Search(problem, solve_heuristic(problem, seed)).plan()
    runner = _held_runner(problem, plan)
    model, highs = runner.loaded()
    values = complete_aux(problem, model, values_from_plan(problem, model, plan))
    assert _satisfies_every_row(highs, values)
    worth = plan_objectives(problem, plan)["preferences"]
    assert _answer_already(highs, model, "preferences", values, worth)
    # a relaxation with these counts below its worth: the MIP might find better
    assert not _answer_already(highs, model, "preferences", values, worth - 1)
    c, col = next((c, col) for (c, _start), col in model.w.items() if values[col] > 0)
    values[col] += len(problem.classes[c].members)  # more than the class holds
    assert not _satisfies_every_row(highs, values)
    values[col] -= len(problem.classes[c].members)
    group = min(model.y.values())
    values[group] = 2.0  # a facilitator leading twice at one start: above its bound
    assert not _satisfies_every_row(highs, values)


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


def _rounded_alone(monkeypatch: pytest.MonkeyPatch, counts: dict[int, float]) -> list[str]:
    """The rounding's counts read from `counts`, and each start rounded alone (to 1) noted
    as "alone" in the calls returned, which the test's other stand-ins add to."""
    from roundtable.scheduling import lp_dive

    calls: list[str] = []

    def round_row(_highs: object, row: int, _count: float, aim: int, _deadline: float) -> int:
        if row < len(counts):  # a start's row (the total's is the last)
            counts[row] = 1.0
            calls.append("alone")
        return aim

    monkeypatch.setattr(lp_dive, "_counter", lambda _starts: lambda _highs: dict(counts))
    monkeypatch.setattr(lp_dive, "_round_row", round_row)
    return calls


def test_after_a_batch_that_costs_more_some_starts_are_rounded_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # every batch costs more here: between two tries, `_ALONE_AFTER_FAILED_BATCH` starts
    # are rounded one at a time (each try was a re-solve and an undo)
    from roundtable.scheduling import lp_dive

    counts = dict.fromkeys(range(20), 1.5)  # none below `_BATCH`: no early batches
    calls = _rounded_alone(monkeypatch, counts)

    def close_together(*_args: object) -> bool:
        calls.append("batch")
        return False

    monkeypatch.setattr(lp_dive, "_close_together", close_together)
    starts = {start: [start] for start in counts}
    assert lp_dive._round_counts(_IgnoredRows(), starts, 0, 10, time.monotonic() + 10.0)
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

    monkeypatch.setattr(lp_dive, "_counter", lambda _starts: lambda _highs: dict(counts))
    monkeypatch.setattr(lp_dive, "_round_row", round_row)
    monkeypatch.setattr(lp_dive, "solve_relaxation", lambda *_: 10.0)
    starts = {start: [start] for start in counts}
    assert lp_dive._round_counts(_Rows(), starts, 0, 10, time.monotonic() + 10.0, 20.0)
    assert rounded == [0, 1, 0]  # begun again after 0 and after 1, not after 0 twice
    assert bounds[0] == bounds[1] == (1.0, 1.0)


def _hold_columns_everywhere(monkeypatch: pytest.MonkeyPatch) -> None:
    # the test cohorts have more rows than columns: held-out columns would not apply
    monkeypatch.setattr("roundtable.scheduling.lp_dive._COLUMNS_PER_ROW", 0)


def _priced_relaxation(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> tuple[Problem, Plan, DiveRelaxation]:
    """A few-facilitator cohort, the search's plan and the dive's relaxation (not yet
    solved) on a runner holding placement and sizes, learner columns held out."""
    _hold_columns_everywhere(monkeypatch)
    problem = _few_facilitators(seed, False)
    plan = Search(problem, solve_heuristic(problem, seed)).plan()
    return problem, plan, DiveRelaxation(_held_runner(problem, plan), "preferences", 10.0, plan)


@pytest.mark.parametrize("seed", range(4))
def test_a_relaxation_with_columns_held_out_has_the_whole_relaxations_value(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    problem, plan, relaxation = _priced_relaxation(seed, monkeypatch)
    whole = solve_relaxation(_with_count_rows(_held_runner(problem, plan))[0], 10.0)
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
    problem, plan, relaxation = _priced_relaxation(seed, monkeypatch)
    whole, starts, first = _with_count_rows(_held_runner(problem, plan))
    assert relaxation.solve() == pytest.approx(solve_relaxation(whole, 10.0), abs=1e-6)
    counts = _counter(starts)(whole)
    for position, start in enumerate(starts):
        if counts[start] > 1e-6:
            for highs in (whole, relaxation.highs):
                highs.changeRowBounds(first + position, 0.0, math.floor(counts[start]))
            expected = solve_relaxation(whole, 10.0)
            assert solve_relaxation(relaxation.highs, 10.0) == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize("seed", range(4))
def test_held_out_columns_are_priced_as_highs_prices_the_kept_ones(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the held columns' reduced costs come from our own product of the row duals: on the
    # kept LP's own columns it must give what HiGHS reports, and every held column's
    # value must be 0 in the answer read in the whole model's columns
    problem, plan, relaxation = _priced_relaxation(seed, monkeypatch)
    assert relaxation.solve() is not None
    priced = relaxation.highs
    assert isinstance(priced, PricedHighs)
    found = priced.lp.getSolution()
    ours = priced._reduced_costs(priced.columns, np.asarray(found.row_dual))
    assert ours == pytest.approx(np.asarray(found.col_dual), abs=1e-7)
    values = priced.getSolution().col_value
    assert len(values) == priced.whole.getNumCol()
    assert all(values[col] == 0.0 for col in priced.held)
    assert [values[col] for col in priced.columns] == list(found.col_value)


@pytest.mark.parametrize("seed", range(4))
def test_held_entries_after_bringing_columns_in_are_those_gathered_anew(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the entries of the columns still held out are filtered, not gathered again, when
    # some are brought in: the pricing after it must see exactly the entries, in order,
    # of the columns still held, numbered by their new places
    _problem, _plan, relaxation = _priced_relaxation(seed, monkeypatch)
    assert relaxation.solve() is not None
    priced = relaxation.highs
    assert isinstance(priced, PricedHighs)
    for every in (3, 2, len(priced.held)):
        priced._held_entries(priced.held)  # the cache as a pricing leaves it
        brought = priced.held[1::every].copy()
        still = np.setdiff1d(priced.held, brought)
        priced._bring_in(brought)
        assert priced.held.tolist() == still.tolist()
        positions, entries = priced._entries(priced.held)
        for cached, anew in zip(
            priced._held_entries(priced.held),
            (positions, priced._index[entries], priced._value[entries]),
            strict=True,
        ):
            assert cached.tolist() == anew.tolist()
    row_duals = np.asarray(priced.lp.getSolution().row_dual)
    assert (
        priced._reduced_costs(priced.held, row_duals).tolist()
        == (priced._cost[priced.held] - _along_anew(priced, row_duals)).tolist()
    )


@pytest.mark.parametrize("seed", range(3))
def test_the_answers_check_reads_the_matrix_the_kept_lp_read(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # after the rounding has set its count rows: the same entries as read anew, and the
    # same verdicts on the plan's values and on values that break a row
    problem, plan, relaxation = _priced_relaxation(seed, monkeypatch)
    assert relaxation.solve() is not None
    priced = relaxation.highs
    model, highs = relaxation.runner.loaded()
    assert isinstance(priced, PricedHighs) and priced.whole is highs
    for row in range(relaxation.first, relaxation.first + len(relaxation.starts), 2):
        priced.changeRowBounds(row, 0.0, 1.0)
    entries = _entries_of(highs, priced)
    assert entries is not None
    for kept, anew in zip(entries, _column_entries(highs), strict=True):
        assert np.asarray(kept).tolist() == np.asarray(anew).tolist()
    values = complete_aux(problem, model, values_from_plan(problem, model, plan))
    assert _satisfies_every_row(highs, values, entries) == _satisfies_every_row(highs, values)
    values[min(model.y.values())] = 2.0  # above its bound
    assert not _satisfies_every_row(highs, values, entries)
    assert _entries_of(highs, highs) is None  # not a kept LP: read there
    assert _entries_of(Runner(problem, 1).loaded()[1], priced) is None  # another instance


def test_highs_lists_are_read_as_the_same_floats() -> None:
    values = [0.1, -2.0, 1e-300, 3.0]
    assert _floats(values).tolist() == np.asarray(values, dtype=np.float64).tolist()
    assert _floats([]).tolist() == []


def _along_anew(priced: PricedHighs, row_values: Any) -> Any:
    positions, entries = priced._entries(priced.held)
    weights = priced._value[entries] * row_values[priced._index[entries]]
    return np.bincount(positions, weights, len(priced.held))


@pytest.mark.parametrize("seed", range(4))
def test_each_starts_count_is_the_sum_of_its_group_columns(seed: int) -> None:
    problem = _few_facilitators(seed, False)
    plan = Search(problem, solve_heuristic(problem, seed)).plan()
    highs, starts, _first = _with_count_rows(_held_runner(problem, plan))
    assert solve_relaxation(highs, 10.0) is not None
    values = highs.getSolution().col_value
    counts = _counter(starts)(highs)
    assert list(counts) == list(starts)
    for start, columns in starts.items():
        assert counts[start] == pytest.approx(sum(values[col] for col in columns), abs=1e-9)
    assert _counter({})(highs) == {}


def test_every_held_column_is_freed_where_the_kept_ones_leave_no_answer() -> None:
    problem = _few_facilitators(0, False)
    plan = Search(problem, solve_heuristic(problem, 0)).plan()
    whole = solve_relaxation(_with_count_rows(_held_runner(problem, plan))[0], 10.0)
    runner = _held_runner(problem, plan)
    highs = _with_count_rows(runner)[0]
    model = runner.loaded()[0]
    priced = PricedHighs(highs, learner_columns(model))  # nobody can sit
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


def _loose_relaxation_of(problem: Problem, plan: Plan) -> DiveRelaxation:
    """The dive's relaxation on held placement and sizes, first without the linking
    rows."""
    return DiveRelaxation(_held_runner(problem, plan), "preferences", 10.0, plan, loose=True)


def _linking_rows_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    # no rows added back to check: the relaxation keeps every linking row out, so the
    # rounding without them and its way back to the whole relaxation both run
    monkeypatch.setattr("roundtable.scheduling.lp_dive._LINK_ROUNDS", 0)


@pytest.mark.parametrize("rounds", [0, 1])
def test_a_relaxation_without_linking_rows_never_exceeds_the_whole_one(
    rounds: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a relaxation of the whole one: a bound; where it falls back it is the whole one
    monkeypatch.setattr("roundtable.scheduling.lp_dive._LINK_ROUNDS", rounds)
    loosened = 0
    for seed in range(4):
        for problem in (_few_facilitators(seed, False), _cohort(seed, most_groups=2)):
            plan = Search(problem, solve_heuristic(problem, seed)).plan()
            whole = solve_relaxation(_with_count_rows(_held_runner(problem, plan))[0], 10.0)
            relaxation = _loose_relaxation_of(problem, plan)
            value = relaxation.solve()
            assert whole is not None and value is not None
            assert value <= whole + 1e-6
            if not relaxation.loosened:
                assert value == pytest.approx(whole, abs=1e-6)
            assert (relaxation.runner is relaxation.whole_runner) == (not relaxation.loosened)
            loosened += relaxation.loosened
    assert loosened  # some relaxations stayed loose: the test saw them


def test_the_early_bound_is_the_loose_relaxations_first_value_and_never_above_the_whole_one():
    # on a thread (started by the early bound where nothing started it) the loose
    # relaxation's first value (no linking row at all) is known before the rows its
    # answer breaks are checked: a bound, never above the whole relaxation nor above what
    # the thread ends with; without the loose step, the relaxation's own, solved in place
    told = 0
    for seed in range(4):
        for problem in (_few_facilitators(seed, False), _cohort(seed, most_groups=2)):
            plan = Search(problem, solve_heuristic(problem, seed)).plan()
            whole = solve_relaxation(_with_count_rows(_held_runner(problem, plan))[0], 10.0)
            threaded = _loose_relaxation_of(problem, plan)
            early = threaded.early_bound()
            assert threaded.started()
            value = threaded.solve()
            assert whole is not None and early is not None and value is not None
            assert early <= min(whole, value) + 1e-6
            told += threaded.loose_value == early
            in_place = DiveRelaxation(_held_runner(problem, plan), "preferences", 10.0, plan)
            assert in_place.early_bound() == in_place.solve() == pytest.approx(whole, abs=1e-6)
            assert not in_place.started()
    assert told  # some came from the first loose solve, before the thread ended


def test_beside_starts_a_relaxation_once_and_never_one_solved_in_place() -> None:
    problem = _few_facilitators(0, False)
    plan = Search(problem, solve_heuristic(problem, 0)).plan()
    waiting = DiveRelaxation(_held_runner(problem, plan), "preferences", 10.0, plan)
    assert not waiting.started()
    thread = waiting.beside()._thread
    assert waiting.started() and waiting.beside()._thread is thread  # not a second one
    solved = DiveRelaxation(_held_runner(problem, plan), "preferences", 10.0, plan)
    assert solved.solve() == pytest.approx(waiting.solve(), abs=1e-9)
    assert not solved.beside().started()  # solved already: nothing left to overlap


@pytest.mark.parametrize("seed", range(6))
def test_without_linking_rows_the_bound_never_exceeds_the_brute_forced_optimum(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    _linking_rows_kept(monkeypatch)
    problem, (placed, sizes, preferences), _plan, outcome = _dive_on_brute_forced(seed, loose=True)
    after = plan_objectives(problem, outcome.plan)
    assert outcome.bound <= preferences <= after["preferences"]
    assert (after["placed"], after["sizes"]) == (placed, sizes)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("few_facilitators", [False, True])
def test_a_dive_without_linking_rows_keeps_the_earlier_phases_and_tidies_its_instance(
    seed: int, few_facilitators: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the small cohorts' dives end without the rows, the few facilitators' go back to
    # the whole relaxation (their aim rises without them)
    _linking_rows_kept(monkeypatch)
    problem = _few_facilitators(seed, False) if few_facilitators else _cohort(seed, 3, 2)
    plan = Search(problem, solve_heuristic(problem, seed)).plan()
    relaxation = _loose_relaxation_of(problem, plan)
    assert relaxation.solve() is not None
    loose_rows = relaxation.first  # the loose instance's rows before the dive's own
    outcome = dive(relaxation.runner, "preferences", plan, 10.0, 0, relaxation)
    assert_earlier_phases_kept(problem, plan, outcome.plan, outcome.bound)
    whole = relaxation.whole_runner._formulation()
    assert whole.linking and len(whole.rows) > loose_rows  # the rows are its own
    assert relaxation.runner.loaded()[1].getNumRow() == loose_rows  # the dive's rows gone


def test_a_rounding_whose_aim_may_not_rise_stops_where_it_would(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # without the linking rows the aim is a bound only while it holds: a rise sends the
    # dive back to the whole relaxation instead
    from roundtable.scheduling import lp_dive

    counts = {0: 1.5, 1: 1.5}
    aims: list[int] = []

    def round_row(_highs: object, row: int, _count: float, aim: int, _deadline: float) -> int:
        if row < len(counts):
            counts[row] = 1.0
            aims.append(aim)
            return aim + 1  # both roundings cost more
        return aim

    monkeypatch.setattr(lp_dive, "_counter", lambda _starts: lambda _highs: dict(counts))
    monkeypatch.setattr(lp_dive, "_round_row", round_row)
    starts = {start: [start] for start in counts}
    deadline = time.monotonic() + 10.0
    assert not lp_dive._round_counts(_IgnoredRows(), starts, 0, 10, deadline, rise=False)
    assert aims == [10]  # stopped at the first rise
    counts.update({0: 1.5, 1: 1.5})
    assert lp_dive._round_counts(_IgnoredRows(), starts, 0, 10, deadline)
    assert aims == [10, 10, 11]  # allowed to rise, it goes on


@pytest.mark.parametrize("seed", range(3))
def test_the_linking_rows_are_left_out_first_only_near_the_bound_and_its_if_needed_seats(
    seed: int,
) -> None:
    from roundtable.scheduling.phase_preferences import _LOOSE_REACH, _loose_first

    problem = _cohort(seed)
    weight = problem.if_needed_weight()
    bound = 2 * weight + 40  # two if-needed seats and some regular time
    assert _loose_first(problem, bound, bound)
    near = math.floor(bound * (1 + _LOOSE_REACH))
    assert _loose_first(problem, near, bound) == (near // weight == bound // weight)
    assert not _loose_first(problem, near + 1, bound)  # too far above the bound
    seats = 41 * weight - 1  # 40 if-needed seats and the most regular time below a 41st
    assert _loose_first(problem, seats, seats)
    assert not _loose_first(problem, seats + 1, seats)  # within reach, but one seat more


def _unlinked_relaxation(problem: Problem, plan: Plan) -> DiveRelaxation:
    """The dive's relaxation as the phase starts it: linking rows left out."""
    runner = _held_runner(problem, plan).on_own_instance(linking=False)
    assert runner._formulation().left_out  # the test cohorts have linking rows
    return DiveRelaxation(runner, "preferences", 10.0, plan)


def _violated(relaxation: DiveRelaxation) -> list[int]:
    """The left-out linking rows the relaxation's last answer exceeds."""
    values = relaxation.highs.getSolution().col_value
    rows = relaxation.runner._formulation().left_out
    return [
        k
        for k, (_low, high, columns, factors) in enumerate(rows)
        if sum(values[c] * f for c, f in zip(columns, factors, strict=True)) > high + 1e-6
    ]


@pytest.mark.parametrize("held", [False, True])
@pytest.mark.parametrize("seed", range(4))
def test_a_relaxation_with_linking_rows_left_out_has_the_whole_relaxations_value(
    seed: int, held: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if held:  # where learner columns would be held out as well
        _hold_columns_everywhere(monkeypatch)
    problem = _few_facilitators(seed, False)
    plan = Search(problem, solve_heuristic(problem, seed)).plan()
    whole = solve_relaxation(_with_count_rows(_held_runner(problem, plan))[0], 10.0)
    relaxation = _unlinked_relaxation(problem, plan)
    value = relaxation.solve()
    # never both: the kept LP of `PricedHighs` would miss the rows' entries of the columns
    # it brings in
    assert not isinstance(relaxation.highs, PricedHighs)
    assert whole is not None and value == pytest.approx(whole, abs=1e-6)
    assert not _violated(relaxation)


@pytest.mark.parametrize("seed", range(4))
def test_roundings_with_linking_rows_left_out_never_cost_more_than_on_the_whole_model(
    seed: int,
) -> None:
    problem = _few_facilitators(seed, False)
    plan = Search(problem, solve_heuristic(problem, seed)).plan()
    whole, starts, first = _with_count_rows(_held_runner(problem, plan))
    relaxation = _unlinked_relaxation(problem, plan)
    assert relaxation.solve() == pytest.approx(solve_relaxation(whole, 10.0), abs=1e-6)
    counts = _counter(starts)(whole)
    for position, start in enumerate(starts):
        if counts[start] > 1e-6:
            # the count rows come after the model's: fewer of them without the linking rows
            for highs, row in ((whole, first), (relaxation.highs, relaxation.first)):
                highs.changeRowBounds(row + position, 0.0, math.floor(counts[start]))
            # the rows the first relaxation needed only: a relaxation of the whole LP
            expected = solve_relaxation(whole, 10.0)
            value = solve_relaxation(relaxation.highs, 10.0)
            if value is None:  # infeasible with fewer rows: so with all of them
                assert expected is None
            elif expected is not None:
                assert value <= expected + 1e-6


@pytest.mark.parametrize("seed", range(6))
def test_with_linking_rows_left_out_the_bound_never_exceeds_the_brute_forced_optimum(
    seed: int,
) -> None:
    problem, (placed, sizes, preferences), _plan, outcome = _dive_on_brute_forced(seed, False)
    after = plan_objectives(problem, outcome.plan)
    assert outcome.bound <= preferences <= after["preferences"]
    assert (after["placed"], after["sizes"]) == (placed, sizes)


@pytest.mark.parametrize("seed", range(4))
def test_a_dive_with_linking_rows_left_out_rounds_unscaled_and_leaves_its_instance_scaled(
    seed: int,
) -> None:
    problem = _few_facilitators(seed, False)
    plan = Search(problem, solve_heuristic(problem, seed)).plan()
    relaxation = _unlinked_relaxation(problem, plan)
    assert relaxation.solve() is not None
    highs = relaxation.runner.loaded()[1]
    assert option_value(highs, "simplex_scale_strategy") == 0  # the re-solves go on unscaled
    outcome = dive(relaxation.runner, "preferences", plan, 10.0, 0, relaxation)
    assert_earlier_phases_kept(problem, plan, outcome.plan, outcome.bound)
    # as HiGHS solves its models by default, for whatever the runner solves next
    assert option_value(highs, "simplex_scale_strategy") == 2
    assert option_value(highs, "solver") == "choose"


def test_a_model_without_linking_rows_keeps_every_other_row_and_column() -> None:
    problem = _few_facilitators(0, False)
    linked = formulate(problem, linking=True)
    unlinked = linked.without_linking()
    assert len(linked.linking) == len(unlinked.left_out) > 0
    assert unlinked.rows + unlinked.left_out == linked.rows  # the linking rows come last
    assert formulate(problem).rows == unlinked.rows
    assert unlinked.cost is linked.cost and unlinked.objectives is linked.objectives


@pytest.mark.parametrize("share", [0.0, 1.0])
def test_the_dives_own_runner_leaves_the_linking_rows_out_where_they_are_most_nonzeros(
    share: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("roundtable.scheduling.lp_dive._LINKING_NONZEROS", share)
    problem = _few_facilitators(0, False)
    held = _held_runner(problem, Search(problem, solve_heuristic(problem, 0)).plan())
    own = own_runner(held)
    assert own.holds == held.holds and own.loaded()[1] is not held.highs
    assert bool(own._formulation().left_out) == (share == 0.0)
    assert own._formulation().cost is held._formulation().cost


def _solved_priced_counts(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> tuple[DiveRelaxation, dict[int, int], dict[int, float]]:
    """The dive's relaxation with learner columns held out, solved: its count rows by
    start and each start's number of groups."""
    _problem, _plan, relaxation = _priced_relaxation(seed, monkeypatch)
    assert relaxation.solve() is not None
    rows = {start: relaxation.first + k for k, start in enumerate(relaxation.starts)}
    return relaxation, rows, _counter(relaxation.starts)(relaxation.highs)


@pytest.mark.parametrize("seed", range(4))
def test_capping_lowers_only_the_ceilings_of_open_starts_with_whole_counts(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    relaxation, rows, counts = _solved_priced_counts(seed, monkeypatch)
    highs = relaxation.highs
    value = solve_relaxation(highs, 10.0)
    whole = [s for s, count in counts.items() if count >= 1 - 1e-6 and _is_whole(count)]
    assert whole  # the cohorts have groups
    fixed = whole[0]  # a start rounded already keeps its floor
    highs.changeRowBounds(rows[fixed], float(round(counts[fixed])), float(round(counts[fixed])))
    _cap_whole_starts(highs, rows, counts)
    for start, count in counts.items():
        low, high = _row_bounds(highs, [rows[start]])[rows[start]]
        if start in whole:
            assert high == round(count)
            assert low == (round(count) if start == fixed else 0.0)
        else:  # fractional, or no group: free as before
            assert (low, high) == (0.0, INF)
    assert _row_bounds(highs, []) == {}  # none asked, none read (HiGHS would give its own)
    # the relaxation's answer keeps every cap: its value stays
    assert solve_relaxation(highs, 10.0) == pytest.approx(value, abs=1e-6)


def test_the_rest_is_rounded_to_the_nearest_whole_numbers_that_keep_the_total(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from roundtable.scheduling import lp_dive

    counts = {0: 1.0, 1: 0.25, 2: 0.75, 3: 2.5, 4: 0.5, 5: 0.0}  # 5 groups in all
    fixed: dict[int, float] = {}
    monkeypatch.setattr(lp_dive, "_fix_together", lambda _h, _r, wholes, *_: fixed.update(wholes))
    _round_the_rest(_IgnoredRows(), {start: start for start in counts}, counts, 10, 0.0)
    assert sum(fixed.values()) == sum(counts.values())
    assert fixed[0] == 1.0 and fixed[5] == 0.0  # whole ones where they are
    assert fixed[2] == 1.0 and fixed[1] == 0.0  # the largest part up, the least down
    assert {fixed[3], fixed[4]} in ({3.0, 0.0}, {2.0, 1.0})  # one of the two halves up
    assert all(fixed[s] in (math.floor(count), math.ceil(count)) for s, count in counts.items())


@pytest.mark.parametrize("seed", range(4))
def test_a_rest_that_costs_more_is_undone_back_to_the_bounds_as_they_were(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    relaxation, rows, counts = _solved_priced_counts(seed, monkeypatch)
    highs = relaxation.highs
    value = solve_relaxation(highs, 10.0)
    _cap_whole_starts(highs, rows, counts)
    before = _row_bounds(highs, list(rows.values()))
    assert not _round_the_rest(highs, rows, counts, -1, time.monotonic() + 10.0)
    assert _row_bounds(highs, list(rows.values())) == before
    assert solve_relaxation(highs, 10.0) == pytest.approx(value, abs=1e-6)


@pytest.mark.parametrize("rest_keeps_the_aim", [False, True])
def test_a_capped_rounding_tries_the_rest_at_once_where_batches_end(
    rest_keeps_the_aim: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # no more than twice `_AT_ONCE` starts fractional: the rest at once, and after it
    # costs more `_ALONE_AFTER_FAILED_BATCH` starts rounded alone before it is tried again
    from roundtable.scheduling import lp_dive

    counts = dict.fromkeys(range(6), 1.5)
    calls = _rounded_alone(monkeypatch, counts)

    def round_the_rest(*_args: object) -> bool:
        calls.append("rest")
        return rest_keeps_the_aim

    monkeypatch.setattr(lp_dive, "_round_the_rest", round_the_rest)
    monkeypatch.setattr(lp_dive, "_cap_whole_starts", lambda *_: None)
    starts = {start: [start] for start in counts}
    deadline = time.monotonic() + 10.0
    assert lp_dive._round_counts(_IgnoredRows(), starts, 0, 10, deadline, capped=True)
    alone = lp_dive._ALONE_AFTER_FAILED_BATCH
    if rest_keeps_the_aim:
        assert calls == ["rest"]
    else:
        assert calls == ["rest", *["alone"] * alone, "rest", *["alone"] * (6 - alone)]


@pytest.mark.parametrize("seed", range(12))
def test_a_capped_dive_never_worsens_an_earlier_phase(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    _hold_columns_everywhere(monkeypatch)  # a wide LP: its rounding capped (seeds 0, 1, 4, 7-9)
    problem = _few_facilitators(seed, False)
    plan = Search(problem, solve_heuristic(problem, seed)).plan()
    outcome = dive(_held_runner(problem, plan), "preferences", plan, 10.0, 0)
    assert_earlier_phases_kept(problem, plan, outcome.plan, outcome.bound)


@pytest.mark.parametrize(
    ("linking", "loose", "capped"),
    [("left out", False, True), ("kept", False, False), ("kept", True, False)],
)
def test_a_rounding_is_capped_where_the_linking_rows_are_left_out_and_added_as_violated(
    linking: str, loose: bool, capped: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the loose relaxation (its rows left out too, `_LINK_ROUNDS` 0 keeps it) is not
    # capped; where capped so, its small starts are those below `_BATCH_ROWS_ADDED`
    from roundtable.scheduling import lp_dive

    _linking_rows_kept(monkeypatch)
    told: list[tuple[bool, float]] = []
    round_counts = lp_dive._round_counts

    def recorded(*args: Any, **kwargs: Any) -> bool:
        told.append((args[-2], args[-1]))  # `capped` and `batch`, passed last
        return round_counts(*args, **kwargs)

    monkeypatch.setattr(lp_dive, "_round_counts", recorded)
    problem = _few_facilitators(0, False)
    plan = Search(problem, solve_heuristic(problem, 0)).plan()
    runner = _held_runner(problem, plan)
    if linking == "left out":
        runner = runner.on_own_instance(linking=False)
    relaxation = DiveRelaxation(runner, "preferences", 10.0, plan, loose)
    outcome = dive(runner, "preferences", plan, 10.0, 0, relaxation)
    batch = lp_dive._BATCH_ROWS_ADDED if capped else lp_dive._BATCH
    assert told[:1] == [(capped, batch)]
    assert relaxation.loosened == loose
    assert_earlier_phases_kept(problem, plan, outcome.plan, outcome.bound)


@pytest.mark.parametrize("batch", [0.3, 0.5])
def test_the_first_batch_closes_the_starts_below_the_batch_fraction(
    batch: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    # starts at 0.2 and 0.4 of a group (and one at 1.6): below 0.5 the two are closed in
    # the first batch; below 0.3 one is small, and no batch is tried with one alone
    from roundtable.scheduling import lp_dive

    counts = {0: 0.2, 1: 0.4, 2: 1.6}
    calls = _rounded_alone(monkeypatch, counts)
    closed: list[list[int]] = []

    def close_together(_highs: object, _rows: object, small: list[int], *_args: object) -> bool:
        closed.append(sorted(small))
        for start in small:
            counts[start] = 0.0
        return True

    monkeypatch.setattr(lp_dive, "_close_together", close_together)
    starts = {start: [start] for start in counts}
    deadline = time.monotonic() + 10.0
    assert lp_dive._round_counts(_IgnoredRows(), starts, 0, 10, deadline, batch=batch)
    assert closed[:1] == ([[0, 1]] if batch == 0.5 else [])
    assert calls  # the rest rounded one at a time


def _two_demands_three_starts() -> tuple[Any, dict[int, int]]:
    """An LP like a dive's: three starts' groups `x0, x1, x2` (cost 1 each), a class only
    start 0 serves (`x0 >= 1`), another that start 1 or 2 serves (`x1 + x2 >= 1`), and a
    count row per start; solved (value 2), so re-solves go on from its basis."""
    highs = new_instance(1)
    highs.addVars(3, np.zeros(3), np.full(3, INF))
    highs.changeColsCost(3, np.arange(3, dtype=np.int32), np.ones(3))
    for low, columns in ((1.0, [0]), (1.0, [1, 2]), (0.0, [0]), (0.0, [1]), (0.0, [2])):
        indices = np.array(columns, dtype=np.int32)
        highs.addRow(low, INF, len(indices), indices, np.ones(len(indices)))
    assert solve_relaxation(highs, 10.0) == pytest.approx(2.0)
    return highs, {start: 2 + start for start in range(3)}


def test_a_batch_with_no_answer_keeps_closed_the_starts_its_proof_does_not_need() -> None:
    highs, rows = _two_demands_three_starts()
    closing = {0: 0.0, 1: 0.0}  # start 0 is the first class's only one: no answer
    assert _fix_together(highs, rows, closing, 2, time.monotonic() + 10.0, partly=True)
    bounds = _row_bounds(highs, list(rows.values()))
    assert bounds[rows[1]] == (0.0, 0.0)  # closed: start 2 serves the second class
    assert bounds[rows[0]] == (0.0, INF)  # set back: HiGHS's proof leans on it
    assert solve_relaxation(highs, 10.0) == pytest.approx(2.0)
    assert highs.getSolution().col_value[2] == pytest.approx(1.0)


def test_a_batch_whose_proof_needs_every_start_is_undone() -> None:
    highs, rows = _two_demands_three_starts()
    closing = {1: 0.0, 2: 0.0}  # the second class's both starts: every one in the proof
    assert not _fix_together(highs, rows, closing, 2, time.monotonic() + 10.0, partly=True)
    bounds = _row_bounds(highs, list(rows.values()))
    assert bounds[rows[1]] == bounds[rows[2]] == (0.0, INF)
    assert solve_relaxation(highs, 10.0) == pytest.approx(2.0)


def test_a_batch_that_must_be_whole_is_undone_whole_where_it_leaves_no_answer() -> None:
    # as `_round_the_rest` asks it (every start whole, or nothing): no start kept closed
    highs, rows = _two_demands_three_starts()
    closing = {0: 0.0, 1: 0.0}
    assert not _fix_together(highs, rows, closing, 2, time.monotonic() + 10.0)
    bounds = _row_bounds(highs, list(rows.values()))
    assert bounds[rows[0]] == bounds[rows[1]] == (0.0, INF)
    assert solve_relaxation(highs, 10.0) == pytest.approx(2.0)


@pytest.mark.parametrize(("seed", "proven"), [(3, False), (5, True)])
def test_a_loose_relaxation_raised_by_its_rows_to_the_plans_value_is_kept(
    seed: int, proven: bool
) -> None:
    # the rows its answer breaks raise the loose relaxation (few facilitators 3: 22.03
    # with them, the whole 23.0; 5: 7.57, the whole 8.0), but rounded up it already
    # reaches the plan's value (23, 8): that proves the plan, so the whole relaxation is
    # not solved; a bound never above the whole one, and the dive hands the plan back
    problem = _few_facilitators(seed, False)
    heuristic = solve_heuristic(problem, seed if not proven else 1)
    plan = (
        solve_exact(problem, heuristic, 1, 10.0).plan
        if proven
        else Search(problem, heuristic).plan()
    )
    value = plan_objectives(problem, plan)["preferences"]
    whole = solve_relaxation(_with_count_rows(_held_runner(problem, plan))[0], 10.0)
    relaxation = _loose_relaxation_of(problem, plan)
    relaxed = relaxation.solve()
    assert relaxed is not None and whole is not None
    assert relaxation.loosened and relaxation.runner is not relaxation.whole_runner
    assert relaxed < whole - 0.4 and rounded_up(relaxed) == value == rounded_up(whole)
    outcome = dive(relaxation.runner, "preferences", plan, 10.0, 0, relaxation)
    assert (outcome.plan, outcome.bound) == (plan, value)


def test_the_whole_relaxation_after_a_loose_rounding_adds_the_rows_it_breaks() -> None:
    # after the loose relaxation's rounding, the whole relaxation is solved on the loose
    # runner with the linking rows its answers break added (`LinkingRows.solve`): the
    # whole one's value, its rounding capped, and the dive from it keeps the earlier phases
    kept = 0
    for seed in range(4):
        problem = _few_facilitators(seed, False)
        plan = Search(problem, solve_heuristic(problem, seed)).plan()
        whole = solve_relaxation(_with_count_rows(_held_runner(problem, plan))[0], 10.0)
        loose = _loose_relaxation_of(problem, plan)
        loose.solve()
        if not loose.loosened:
            continue
        kept += 1
        _tidy(loose)  # as the loose rounding leaves it
        relaxation = loose.whole(time.monotonic() + 10.0)
        assert relaxation.runner is loose.runner and relaxation.rows_added and relaxation.wide
        assert whole is not None and relaxation.value == pytest.approx(whole, abs=1e-6)
        outcome = dive(relaxation.runner, "preferences", plan, 10.0, 0, relaxation)
        assert_earlier_phases_kept(problem, plan, outcome.plan, outcome.bound)
    assert kept  # some loose relaxations were kept: the test saw them
