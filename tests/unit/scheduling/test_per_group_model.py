"""The per-group-anchor preferences phase's compact model (per_group.py): its bounds (the
root's, without if-needed options, and the phase's) never exceed the brute-forced
optimum, its answer never worsens an earlier phase or the plan it starts from, every
leader it picks is legal, and the neighbourhoods (weekdays, daylight-saving patterns)
improve a plan and keep the earlier phases."""

from __future__ import annotations

import math
import random
import threading
import time

import numpy as np
import pytest

from roundtable.scheduling import per_group
from roundtable.scheduling.bounds import seats
from roundtable.scheduling.generate import generate_instance
from roundtable.scheduling.heuristic import solve_heuristic
from roundtable.scheduling.highs import Runner
from roundtable.scheduling.phase_context import PhaseContext
from roundtable.scheduling.phase_sizes import sizes_phase
from roundtable.scheduling.problem import derive_options
from roundtable.scheduling.search import Search
from roundtable.scheduling.solver import _placed, solve_exact
from roundtable.scheduling.values import plan_objectives
from tests.unit.scheduling.test_phase_bounds import _brute_force, _cohort
from tests.unit.scheduling.test_preference_moves import (
    _few_facilitators,
    _problem_of,
    assert_earlier_phases_kept,
)

_PER_GROUP = {
    "cohort_start_date": "2025-03-03",
    "number_of_meetings": 8,
    "anchor_timezone": "per_group",
}
# a phase's share these tests give: what they check is the outcome, never the clock, so
# the share is as long as the context's own deadline (a loaded machine must not fail them)
_AMPLE_SHARE = 60.0


def _placed_and_sizes(problem, plan) -> dict[str, int]:
    """The holds of a plan's placement and sizes, for the preferences phase to keep."""
    scores = plan_objectives(problem, plan)
    return {"placed": scores["placed"], "sizes": scores["sizes"]}


@pytest.mark.parametrize("seed", range(12))
def test_the_bounds_never_exceed_the_brute_forced_optimum(seed: int) -> None:
    problem = _cohort(seed, facilitators=3, most_groups=2)
    placed, sizes, preferences, _spread = _brute_force(problem)
    plan = solve_exact(problem, solve_heuristic(problem, 1), 1, 10.0).plan
    scores = plan_objectives(problem, plan)
    assert (scores["placed"], scores["sizes"]) == (placed, sizes)  # tiny cohorts: proven
    holds = {"placed": placed, "sizes": sizes}
    weight = problem.if_needed_weight()
    relaxed = per_group.build(problem, holds, dearest=weight)
    assert per_group._relaxation(relaxed, 1, 10.0, weight).bound <= preferences
    outcome = per_group.solve(problem, holds, plan, 10.0, 1)
    after = plan_objectives(problem, outcome.plan)
    assert outcome.bound <= preferences <= after["preferences"] <= scores["preferences"]
    assert (after["placed"], after["sizes"]) == (placed, sizes)


@pytest.mark.parametrize("seed", range(6))
def test_the_bound_of_any_duals_never_exceeds_the_optimum(seed: int) -> None:
    # the relaxation's own duals, and those duals perturbed at random (an approximate
    # solve's), on cohorts whose relaxation is above 0 (the brute-forced ones' is 0),
    # against HiGHS's proven optimum of the held model without if-needed options
    _problem, _plan, model = _held_model(seed, if_needed=False)
    optimum = _least_preferences(model)
    duals = _relaxation_duals(model)
    assert per_group.dual_bound(model, duals) <= optimum
    chance = random.Random(seed)
    for _ in range(20):
        shaken = [value * chance.uniform(0.5, 1.5) + chance.gauss(0, 0.5) for value in duals]
        assert per_group.dual_bound(model, shaken) <= optimum


def test_the_duals_bound_the_relaxation_where_it_is_above_zero() -> None:
    # the relaxation's duals give its value (so the bound is not vacuously low)
    problem, _plan, model = _held_model(1, if_needed=False)
    bound = per_group._relaxation(model, 1, 10.0, problem.if_needed_weight()).bound
    assert 0 < bound <= _least_preferences(model)


@pytest.mark.parametrize("seed", range(6))
def test_the_columns_fixed_by_reduced_costs_leave_every_answer_within_the_target(
    seed: int,
) -> None:
    # the relaxation's duals, exact and perturbed (an approximate solve's): an optimal
    # answer (whole learners) keeps every fixed column at its bound for the target of
    # the optimum, and with the target one below it the fixed model has no answer below
    # the optimum, so the whole solve proves it
    _problem, _plan, model = _held_model(seed, if_needed=False)
    best = _optimum(model)
    if best is None:  # no answer without if-needed time
        return
    optimum = per_group._score(model, best)
    duals = _relaxation_duals(model)
    chance = random.Random(seed)
    fixed_any = False
    for shaken in [duals] + [[y * chance.uniform(0.8, 1.2) for y in duals] for _ in range(5)]:
        at_zero, at_upper = per_group.fixed_by_reduced_costs(model, shaken, optimum)
        assert all(abs(best[col]) <= 1e-6 for col in at_zero)
        assert all(abs(best[col] - model.upper[col]) <= 1e-6 for col in at_upper)
        fixed_any = fixed_any or bool(at_zero or at_upper)
        highs = model.load(1)
        found, proven = per_group._whole(highs, model, best, 10.0, shaken)
        assert proven == optimum and per_group._score(model, found) == optimum
    assert fixed_any


def _least_preferences(model: per_group.CompactModel) -> float:
    """The model's optimum by HiGHS to the end (tiny cohorts), or infinity if it has
    none."""
    highs = model.load(1)
    highs.run()
    if highs.getInfo().primal_solution_status != 2:  # no answer without if-needed time
        return math.inf
    return float(round(highs.getInfo().objective_function_value))  # integral costs


@pytest.mark.parametrize("seed", range(4))
def test_the_compact_model_never_worsens_an_earlier_phase(seed: int) -> None:
    # the heuristic's own placement and sizes held (not everyone placed: the placement
    # row, not the class equalities, and sizes above zero: the deviation columns)
    problem = _few_facilitators(seed, per_group=True)
    assert per_group.applies(problem)
    plan = solve_heuristic(problem, seed)
    holds = _placed_and_sizes(problem, plan)
    outcome = per_group.solve(problem, holds, plan, 10.0, 1)
    assert_earlier_phases_kept(problem, plan, outcome.plan, outcome.bound)


def test_the_weekdays_neighbourhoods_improve_the_heuristics_plan() -> None:
    problem = _few_facilitators(0, per_group=True)
    plan = solve_heuristic(problem, 0)
    before = plan_objectives(problem, plan)
    holds = {"placed": before["placed"], "sizes": before["sizes"]}
    model = per_group.build(problem, holds)
    values = per_group.warm_values(problem, model, plan)
    assert values is not None
    highs = model.load(1)
    found = per_group._improve_by_neighbourhoods(problem, highs, model, values, float("inf"), 0)
    improved = plan_objectives(problem, per_group.plan_from(problem, model, found))
    assert improved["preferences"] < before["preferences"]
    assert (improved["placed"], improved["sizes"]) == (before["placed"], before["sizes"])


@pytest.mark.parametrize("seed", range(3))
def test_the_first_answer_within_the_relaxations_starts_keeps_the_earlier_phases(
    seed: int,
) -> None:
    problem = _few_facilitators(seed, per_group=True)
    plan = solve_heuristic(problem, seed)
    holds = _placed_and_sizes(problem, plan)
    weight = problem.if_needed_weight()
    model = per_group.build(problem, holds, dearest=weight)
    relaxation = per_group._relaxation(model, 1, 10.0, weight)
    if relaxation.values is None:  # no answer without if-needed time
        return
    # the relaxation's starts, and none at all (then the whole model's answer)
    for relaxed in (relaxation.values, [0.0] * len(model.cost)):
        highs = model.load(1)
        found = per_group._first_answer(highs, model, relaxed, 10.0, relaxation.bound)
        assert found is not None
        answer = per_group.plan_from(problem, model, found)
        assert_earlier_phases_kept(problem, plan, answer, relaxation.bound)


@pytest.mark.parametrize("seed", range(3))
def test_a_lower_opened_level_is_tried_only_while_the_answer_is_far_above_the_bound(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    problem, _plan, model = _held_model(seed, if_needed=False)
    relaxation = per_group._relaxation(model, 1, 10.0, problem.if_needed_weight())
    assert relaxation.values is not None
    # every start opened at every level, so that each level has an answer
    starts = set(model.g.values())
    relaxed = [
        max(value, max(per_group._OPENED_LEVELS)) if col in starts else value
        for col, value in enumerate(relaxation.values)
    ]
    scores: list[int | None] = []
    first = per_group._stopped_at_first_answer

    def noted(*args):
        found = first(*args)
        scores.append(None if found is None else per_group._score(model, found))
        return found

    monkeypatch.setattr(per_group, "_stopped_at_first_answer", noted)
    for bound, tries in ((10**6, 1), (0, len(per_group._OPENED_LEVELS))):
        scores.clear()
        per_group._within(model.load(1), model, relaxed, 60.0, bound)
        assert scores[0] is not None and scores[0] > 0
        assert len(scores) == tries  # near the bound: the first answer is kept


def _held_model(seed: int, if_needed: bool = True):
    """A per-group cohort, the heuristic's plan, and the compact model holding its
    placement and sizes (without if-needed options: the model the phase proves on)."""
    problem = _few_facilitators(seed, per_group=True)
    plan = solve_heuristic(problem, seed)
    holds = _placed_and_sizes(problem, plan)
    dearest = math.inf if if_needed else problem.if_needed_weight()
    return problem, plan, per_group.build(problem, holds, dearest=dearest)


def _relaxation_duals(model: per_group.CompactModel) -> list[float]:
    relaxed = model.load(1)
    relaxed.setOptionValue("solve_relaxation", True)
    relaxed.run()
    return list(relaxed.getSolution().row_dual)


def _optimum(model: per_group.CompactModel) -> list[float] | None:
    """HiGHS's proven optimum of the model, None where it has no answer."""
    highs = model.load(1)
    highs.run()
    if highs.getInfo().primal_solution_status != 2:
        return None
    best = per_group._answer(highs, model, 10.0)
    assert best is not None
    return best


def _heuristic_start(seed: int):
    problem, plan, model = _held_model(seed)
    values = per_group.warm_values(problem, model, plan)
    assert values is not None
    return problem, plan, model, values


def test_the_neighbourhoods_are_the_weekdays_then_the_daylight_saving_patterns() -> None:
    # the cohort's eight weeks span the US and EU clock changes; a pattern's rounds are
    # its starts on three weekdays in a row, so any two of its starts on weekdays at most
    # two apart (round the week's end) share a round, and then, where that split it, the
    # whole pattern
    problem, _plan, model, _values = _heuristic_start(0)
    rounds = per_group._neighbourhoods(problem, model)
    starts = [problem.catalog.starts[start] for start in model.g]
    days = sorted({info.start.weekday for info in starts})
    by_pattern: dict[tuple[int, ...], set[int]] = {}
    for start in model.g:
        minutes = problem.catalog.starts[start].minutes
        by_pattern.setdefault(tuple(m - minutes[0] for m in minutes), set()).add(start)
    assert len(by_pattern) > 1
    by_day, later = rounds[: len(days)], rounds[len(days) :]
    assert sorted(s for part in by_day for s in part) == sorted(model.g)
    for part in by_day:
        assert len({problem.catalog.starts[s].start.weekday for s in part}) == 1
    assert sorted({s for part in later for s in part}) == sorted(model.g)
    wide = [p for p in by_pattern.values() if not _within_three_weekdays(_weekdays(problem, p))]
    assert wide  # the cohort has a pattern its windows split
    windows, whole = later[: -len(wide)], later[-len(wide) :]
    for part in windows:
        assert len({_pattern_of(problem, s) for s in part}) == 1
        assert _within_three_weekdays(_weekdays(problem, part))
    # after the windows, each pattern they split, whole
    assert sorted(map(sorted, whole)) == sorted(map(sorted, wide))
    for pattern in by_pattern.values():
        for one in pattern:
            for other in pattern:
                gap = problem.catalog.starts[other].start.weekday
                gap = (gap - problem.catalog.starts[one].start.weekday) % 7
                if gap <= 2:
                    assert any(one in part and other in part for part in windows)


def _weekdays(problem, starts: set[int]) -> set[int]:
    return {problem.catalog.starts[s].start.weekday for s in starts}


def _pattern_of(problem, start: int) -> tuple[int, ...]:
    minutes = problem.catalog.starts[start].minutes
    return tuple(m - minutes[0] for m in minutes)


def _within_three_weekdays(days: set[int]) -> bool:
    return any(days <= {(first + step) % 7 for step in range(3)} for first in range(7))


@pytest.mark.parametrize(
    ("days", "windows"),
    [
        (
            {0, 1, 2, 3, 4, 5, 6},
            [{0, 1, 2}, {1, 2, 3}, {2, 3, 4}, {3, 4, 5}, {4, 5, 6}, {5, 6, 0}, {6, 0, 1}],
        ),
        ({4, 5, 6}, [{4, 5, 6}]),
        ({6}, [{6}]),
        ({0, 1, 2, 3, 4, 5}, [{0, 1, 2}, {1, 2, 3}, {2, 3, 4}, {3, 4, 5}, {5, 0}]),
        ({0, 2, 4, 6}, [{0, 2}, {2, 4}, {4, 6}, {6, 0}]),
    ],
)
def test_a_patterns_weekday_windows(days: set[int], windows: list[set[int]]) -> None:
    # two starts a weekday, numbered 10 * weekday + 0 or 1: each window once, none within
    # another, and a pattern on three weekdays or fewer whole
    day_of = {10 * day + k: day for day in days for k in range(2)}
    found = per_group._weekday_windows(set(day_of), day_of)
    assert [{day_of[s] for s in window} for window in found] == windows
    for window in found:
        assert window == {s for s in day_of if day_of[s] in {day_of[t] for t in window}}


@pytest.mark.parametrize("seed", range(2))
def test_every_neighbourhoods_round_keeps_the_earlier_phases(seed: int) -> None:
    problem, plan, model, values = _heuristic_start(seed)
    highs = model.load(1)
    for starts in per_group._neighbourhoods(problem, model):
        found, _proven = per_group._round(highs, model, values, starts, 10.0)
        if found is None:  # nothing better than the plan there
            continue
        answer = per_group.plan_from(problem, model, found)
        assert_earlier_phases_kept(problem, plan, answer, 0)
        # the groups outside the neighbourhood stay where they were
        for start, col in model.g.items():
            if start not in starts:
                assert round(found[col]) == round(values[col])


@pytest.mark.parametrize("seed", range(3))
def test_rounds_two_at_a_time_give_the_answer_of_one_at_a_time(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # with the spare core free from the start, and from the fourth batch on: the first
    # round's gain is taken before the second's, a second begun from a replaced answer is
    # run again, and each round's answer depends only on its neighbourhood and the answer
    # (its instance's earlier solution is cleared), so the answers are the same; limits
    # no round reaches on these small cohorts, so the clock cuts none short
    monkeypatch.setattr(per_group, "_ROUND_SECONDS", 60.0)
    problem, _plan, model, values = _heuristic_start(seed)

    def improved(spare: per_group._SpareCore | None) -> dict[int, list[str]]:
        highs = per_group._for_rounds(model.load(1))
        found = per_group._improve_by_neighbourhoods(
            problem, highs, model, values, math.inf, 0, spare
        )
        return per_group.plan_from(problem, model, found).groups_at

    alone = improved(None)
    assert per_group._score(model, values) > 0
    for busy in (0, 3):
        asked = []

        def free(busy: int = busy, asked: list[int] = asked) -> bool:
            asked.append(1)
            return len(asked) > busy

        spare = per_group._SpareCore(free, lambda: per_group._for_rounds(model.load(1)))
        assert improved(spare) == alone
        assert spare.highs is not None  # the spare core ran rounds


@pytest.mark.parametrize("gains", [{(0, 10), (1, 9)}, {(1, 10), (2, 9), (0, 8)}, {(3, 10)}])
def test_a_batchs_second_round_counts_only_from_the_current_answer(
    gains: set[tuple[int, int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    # rounds whose gain depends only on the answer they start from (its score here, the
    # first entry): two at a time reach what one at a time reach, since a second round
    # that began from a replaced answer neither counts as proven nor gains
    problem, _plan, model, _values = _heuristic_start(0)
    rounds = per_group._neighbourhoods(problem, model)

    def fake_round(_highs, _model, start, starts, _budget, **_limits):
        index, score = rounds.index(starts), start[0]
        return ([score - 1, index], True) if (index, score) in gains else (None, True)

    monkeypatch.setattr(per_group, "_round", fake_round)
    monkeypatch.setattr(per_group, "_score", lambda _model, values: values[0])
    spare = per_group._SpareCore(lambda: True, lambda: "spare instance")
    alone = per_group._improve_by_neighbourhoods(problem, None, model, [10, -1], math.inf, 0)
    paired = per_group._improve_by_neighbourhoods(
        problem, None, model, [10, -1], math.inf, 0, spare
    )
    assert paired == alone
    assert alone[0] == 10 - len(gains)


@pytest.mark.parametrize("seed", range(2))
def test_a_round_looks_only_for_a_better_answer_and_leaves_no_cutoff_behind(seed: int) -> None:
    # each round prunes what cannot beat its start by 1: from the whole model's optimum
    # the round over every start finds nothing better; no round returns an answer that
    # is not better; the cutoff is gone after each (a later whole solve's bound would
    # otherwise be the cutoff's)
    problem, _plan, model, values = _heuristic_start(seed)
    highs = model.load(1)
    best, proven = per_group._whole(highs, model, values, 10.0)
    assert proven == per_group._score(model, best)  # a small cohort: proven at once
    for starts in [*per_group._neighbourhoods(problem, model), set(model.g)]:
        for start in (values, best):
            found, _proven = per_group._round(highs, model, start, starts, 10.0)
            score = per_group._score(model, start)
            assert found is None or per_group._score(model, found) < score
            assert highs.getOptionValue("objective_bound")[1] == math.inf
    found, _proven = per_group._round(highs, model, best, set(model.g), 10.0)
    assert found is None


def test_only_the_rounds_cut_short_are_retried_each_with_twice_its_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # rounds that prove the answer locally optimal are not tried again until it changes;
    # the first round is cut short twice, then proven: 2, 4 and 8 s
    problem, _plan, model, values = _heuristic_start(0)
    rounds = per_group._neighbourhoods(problem, model)
    calls: list[tuple[int, float]] = []

    def fake_round(_highs, _model, start, starts, budget, **_limits):
        index = rounds.index(starts)
        calls.append((index, budget))
        cut_short = index == 0 and sum(1 for i, _ in calls if i == 0) <= 2
        return start, not cut_short

    monkeypatch.setattr(per_group, "_round", fake_round)
    found = per_group._improve_by_neighbourhoods(problem, None, model, values, float("inf"), 0)
    assert found is values
    limit = per_group._ROUND_SECONDS
    assert [budget for i, budget in calls if i == 0] == [limit, 2 * limit, 4 * limit]
    assert sorted(i for i, _ in calls if i) == list(range(1, len(rounds)))


@pytest.mark.parametrize("seed", range(6))
def test_the_proof_beside_the_rounds_never_raises_the_bound_above_the_optimum(
    seed: int,
) -> None:
    # the question "any answer at most the bound?" on its thread, for the duals' own
    # bound (exact and perturbed duals) and for the optimum less 1 and the optimum: the
    # bound it leaves never exceeds HiGHS's optimum, and reaches it where the question
    # is asked at the optimum less 1; an answer it adopts is optimal and keeps the
    # earlier phases
    problem, plan, model = _held_model(seed, if_needed=False)
    best = _optimum(model)
    if best is None:  # no answer without if-needed time
        return
    optimum = per_group._score(model, best)
    duals = _relaxation_duals(model)
    chance = random.Random(seed)
    shaken = [y * chance.uniform(0.8, 1.2) for y in duals]
    asked = [
        (duals, per_group.dual_bound(model, duals)),
        (shaken, per_group.dual_bound(model, shaken)),
    ]
    asked += [(duals, optimum - 1), (duals, optimum)]
    for each, bound in asked:
        proof = per_group._BoundProof(model, 1, each, bound, time.monotonic() + 10.0).start()
        values, raised = proof.settle(best, time.monotonic() + 10.0)
        assert not proof._thread.is_alive()
        assert raised <= optimum and per_group._score(model, values) == optimum
        if bound == optimum - 1:
            assert raised == optimum and values is best
        if values is not best:  # the proof's own answer, at the bound
            assert raised == optimum
            answer = per_group.plan_from(problem, model, values)
            assert_earlier_phases_kept(problem, plan, answer, raised)


def test_the_proof_is_cancelled_and_joined_when_the_phase_ends(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # cancelled at once: the thread is joined, HiGHS interrupted (no answer, no proof);
    # and every proof the phase starts is joined when it returns
    problem, _plan, model, _values = _heuristic_start(0)
    duals = _relaxation_duals(model)
    proof = per_group._BoundProof(model, 1, duals, 0, time.monotonic() + 60.0).start()
    proof.cancel()
    assert proof.proved() <= 1 and not proof._thread.is_alive()
    started: list[per_group._BoundProof] = []
    original = per_group._BoundProof.start

    def noted(self: per_group._BoundProof) -> per_group._BoundProof:
        started.append(self)
        return original(self)

    monkeypatch.setattr(per_group._BoundProof, "start", noted)
    for seed in range(3):
        problem = _few_facilitators(seed, per_group=True)
        plan = solve_heuristic(problem, seed)
        holds = _placed_and_sizes(problem, plan)
        per_group.solve(problem, holds, plan, 10.0, 1)
    assert started and not any(proof._thread.is_alive() for proof in started)


@pytest.mark.parametrize("seed", range(3))
def test_solve_goes_on_from_the_prepared_start_as_from_its_plan(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the sizes phase's start (`prepare`): a plan keeping the held placement and sizes;
    # `solve` from it builds no model and gives what it gives from that plan alone, and
    # the proof begun beside the first answer is joined when it returns
    problem, plan, _model = _held_model(seed)
    before = plan_objectives(problem, plan)
    holds = {"placed": before["placed"], "sizes": before["sizes"]}
    prepared = per_group.prepare(problem, holds, 10.0, 1, time.monotonic() + 60.0)
    assert prepared is not None and prepared.plan is not None
    answer = plan_objectives(problem, prepared.plan)
    assert answer["placed"] >= before["placed"] and answer["sizes"] <= before["sizes"]
    fresh = per_group.solve(problem, holds, prepared.plan, 10.0, 1)
    built = _builds_noted(monkeypatch)
    went_on = per_group.solve(problem, holds, prepared.plan, 10.0, 1, prepared)
    assert not built
    assert went_on.bound == fresh.bound
    assert went_on.plan.groups_at == fresh.plan.groups_at
    assert went_on.plan.learners_at == fresh.plan.learners_at
    assert prepared.proof is None or not prepared.proof._thread.is_alive()


def test_a_prepared_start_for_other_holds_is_cancelled_and_not_used() -> None:
    problem, plan, _model = _held_model(0)
    holds = _placed_and_sizes(problem, plan)
    prepared = per_group.prepare(problem, holds, 10.0, 1, time.monotonic() + 60.0)
    assert prepared is not None
    other = holds | {"sizes": holds["sizes"] + 1}
    outcome = per_group.solve(problem, other, plan, 10.0, 1, prepared)
    assert prepared.proof is None or not prepared.proof._thread.is_alive()
    assert_earlier_phases_kept(problem, plan, outcome.plan, outcome.bound)


def test_the_sizes_phase_answers_at_its_bound_on_the_compact_model() -> None:
    # per-group anchors, everyone placed, the search above the sizes' bound (0): the
    # compact model with the sizes held there gives an answer at the bound (proven), kept
    # for the preferences phase with its proof under way
    document = generate_instance(100, 2, params=_PER_GROUP)
    problem = _problem_of(document)
    runner, search = Runner(problem, 1), Search(problem, solve_heuristic(problem, 1))
    context = PhaseContext(problem, runner, search, time.monotonic() + 60.0, 60.0)
    placed = _placed(context, _AMPLE_SHARE)
    assert placed.proven and placed.value == seats(problem)
    context.proven["placed"] = True
    runner.hold("placed", placed.value)
    result = sizes_phase(context, _AMPLE_SHARE)
    prepared = context.per_group_start
    assert prepared is not None
    prepared.cancel()
    assert result.proven and result.value == result.bound == 0
    assert prepared.holds == {"placed": placed.value, "sizes": 0}
    answer = plan_objectives(problem, context.search.plan())
    assert answer["sizes"] == 0 and answer["placed"] == placed.value


def test_a_prepared_start_without_an_answer_still_serves_the_preferences_phase(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the first answer not found in time: the sizes phase takes its usual path, and the
    # relaxation (with its proof) is kept for the preferences phase at the same holds
    problem, plan, _model = _held_model(1)
    holds = _placed_and_sizes(problem, plan)
    monkeypatch.setattr(per_group, "_first_answer", lambda *_args: None)
    prepared = per_group.prepare(problem, holds, 10.0, 1, time.monotonic() + 60.0)
    assert prepared is not None and prepared.plan is None
    monkeypatch.undo()
    built = _builds_noted(monkeypatch)
    outcome = per_group.solve(problem, holds, plan, 10.0, 1, prepared)
    assert not built
    assert prepared.proof is None or not prepared.proof._thread.is_alive()
    assert_earlier_phases_kept(problem, plan, outcome.plan, outcome.bound)


def _sizes_phase_of(problem, ahead: per_group.RelaxationAhead | None) -> PhaseContext:
    """The context after placement and the sizes phase, with the relaxation asked
    `ahead` (if any)."""
    runner, search = Runner(problem, 1), Search(problem, solve_heuristic(problem, 1))
    context = PhaseContext(problem, runner, search, time.monotonic() + 60.0, 60.0)
    context.per_group_ahead = ahead
    placed = _placed(context, _AMPLE_SHARE)
    context.proven["placed"] = True
    runner.hold("placed", placed.value)
    result = sizes_phase(context, _AMPLE_SHARE)
    assert result.proven and result.value == 0
    return context


def test_the_sizes_phase_takes_the_relaxation_asked_ahead(monkeypatch: pytest.MonkeyPatch) -> None:
    # the relaxation asked before the heuristic is the one the sizes phase would solve:
    # taken (no model built there), with the same bound, duals and first answer
    problem = _problem_of(generate_instance(100, 2, params=_PER_GROUP))
    asked = _sizes_phase_of(problem, None)
    ahead = per_group.ask_ahead(problem, 1, time.monotonic() + 60.0)
    assert ahead is not None and ahead.holds == {"placed": seats(problem), "sizes": 0}
    built = _builds_noted(monkeypatch)
    took = _sizes_phase_of(problem, ahead)
    assert not built and took.per_group_ahead is None
    mine, theirs = took.per_group_start, asked.per_group_start
    assert mine is not None and theirs is not None
    mine.cancel()
    theirs.cancel()
    assert mine.model is ahead.model
    assert mine.relaxation.bound == theirs.relaxation.bound
    assert mine.relaxation.duals == theirs.relaxation.duals
    assert took.search.plan().groups_at == asked.search.plan().groups_at
    assert took.search.plan().learners_at == asked.search.plan().learners_at


def test_a_relaxation_asked_ahead_for_other_holds_is_stopped_and_not_used() -> None:
    problem, plan, _model = _held_model(0)
    ahead = per_group.ask_ahead(problem, 1, time.monotonic() + 60.0)
    assert ahead is not None
    before = plan_objectives(problem, plan)
    other = {"placed": before["placed"], "sizes": 1}
    model, _relaxation = per_group._relaxed(problem, other, 10.0, 1, ahead)
    assert model is not ahead.model
    assert ahead._cancelled and ahead.ended()


def test_the_sizes_phase_stops_the_relaxation_asked_ahead_before_its_own_highs_run() -> None:
    # placement not proven: the sizes phase's HiGHS run comes next, within its share,
    # and the thread beside it would take half its core
    problem = _problem_of(generate_instance(100, 2, params=_PER_GROUP))
    ahead = per_group.ask_ahead(problem, 1, time.monotonic() + 60.0)
    assert ahead is not None
    runner, search = Runner(problem, 1), Search(problem, solve_heuristic(problem, 1))
    context = PhaseContext(problem, runner, search, time.monotonic() + 60.0, 60.0)
    context.per_group_ahead = ahead
    sizes_phase(context, 2.0)
    assert context.per_group_ahead is None
    assert ahead._cancelled and ahead.ended()


def test_a_relaxation_asked_ahead_not_solved_within_the_sizes_share_goes_on_for_preferences(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # held back until the sizes phase has given up on it: handed on, not cut, and the
    # preferences phase takes it whole (the bound and duals of one solved from scratch)
    problem = _problem_of(generate_instance(100, 2, params=_PER_GROUP))
    holds = {"placed": seats(problem), "sizes": 0}
    _model, fresh = per_group._relaxed(problem, holds, 10.0, 1)
    release, relaxation = threading.Event(), per_group._relaxation

    def held_back(*args):
        release.wait(10.0)  # (cancelled while held, it must not hang)
        return relaxation(*args)

    monkeypatch.setattr(per_group, "_relaxation", held_back)
    ahead = per_group.ask_ahead(problem, 1, time.monotonic() + 60.0)
    assert ahead is not None
    runner, search = Runner(problem, 1), Search(problem, solve_heuristic(problem, 1))
    context = PhaseContext(problem, runner, search, time.monotonic() + 60.0, 60.0)
    context.per_group_ahead = ahead
    context.proven["placed"] = True
    runner.hold("placed", _placed(context, _AMPLE_SHARE).value)
    sizes_phase(context, 0.5)
    assert context.per_group_ahead is ahead and ahead.going_on()
    release.set()
    _model, taken = per_group._relaxed(problem, holds, 10.0, 1, context.take_per_group_ahead())
    assert taken.bound == fresh.bound and taken.duals == fresh.duals


def test_a_per_group_run_asks_its_relaxation_before_the_heuristic(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from roundtable.scheduling import scheduler
    from roundtable.scheduling.instance import parse_instance

    events: list[str] = []
    asked, heuristic = per_group.ask_ahead, scheduler.solve_heuristic

    def ask(*args):
        events.append("asked")
        return asked(*args)

    def solve(*args):
        events.append("heuristic")
        return heuristic(*args)

    taken = per_group.RelaxationAhead.taken

    def take(self, budget):
        events.append("taken")
        return taken(self, budget)

    monkeypatch.setattr(per_group, "ask_ahead", ask)
    monkeypatch.setattr(scheduler, "solve_heuristic", solve)
    monkeypatch.setattr(per_group.RelaxationAhead, "taken", take)
    params, people, existing = parse_instance(generate_instance(100, 2, params=_PER_GROUP))
    scheduler.schedule(people, params, existing, seed=1, time_limit=30.0)
    assert events == ["asked", "heuristic", "taken"]


def _builds_noted(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """From now on, one entry per compact model built."""
    built: list[int] = []
    original = per_group.build

    def noted(*args, **kwargs) -> per_group.CompactModel:
        built.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(per_group, "build", noted)
    return built


def _one_learner_at_if_needed_times_only(seed: int):
    """A per-group cohort where one learner can meet at if-needed times only: the model
    without if-needed options has no answer, and its relaxation shows it."""
    problem = _few_facilitators(seed, per_group=True)
    costs = problem.learner_costs[0]
    costs[costs >= 0] = problem.if_needed_weight()
    derive_options(problem)
    return problem


@pytest.mark.parametrize("seed", range(2))
def test_an_infeasible_relaxation_is_handed_on_not_solved_again(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the sizes phase's relaxation infeasible (per-group 1,200 at generator seeds 1201 and
    # 1202): `prepare` keeps it for the preferences phase, which solves no relaxation and
    # looks for no first answer on that model, and goes on from the plan with every option
    problem = _one_learner_at_if_needed_times_only(seed)
    plan = solve_heuristic(problem, seed)
    holds = _placed_and_sizes(problem, plan)
    prepared = per_group.prepare(problem, holds, 10.0, 1, time.monotonic() + 60.0)
    assert prepared is not None and prepared.relaxation.infeasible
    assert prepared.plan is None and prepared.proof is None
    solved: list[str] = []
    for name in ("_relaxation", "_first_answer"):
        original = getattr(per_group, name)

        def noted(*a, _o=original, _n=name, **k):
            # the least seats' relaxation runs on its own thread (`_SeatsBound`): another
            # question, asked of the model with every option
            if threading.current_thread() is threading.main_thread():
                solved.append(_n)
            return _o(*a, **k)

        monkeypatch.setattr(per_group, name, noted)
    outcome = per_group.solve(problem, holds, plan, 10.0, 1, prepared)
    assert not solved
    assert outcome.bound >= problem.if_needed_weight()  # every answer pays if-needed time
    assert_earlier_phases_kept(problem, plan, outcome.plan, outcome.bound)


@pytest.mark.parametrize("seed", range(2))
def test_a_rounds_limit_is_its_threads_cpu_not_the_wall_clock(seed: int) -> None:
    # a round whose thread waits (as under load) longer than its limit, without spending
    # its CPU, is not cut short: it ends proven, as it does unhindered; with no CPU to
    # spend it is cut short (not proven)
    problem, _plan, model, values = _heuristic_start(seed)
    everything = set(model.g)
    unhindered = per_group._round(model.load(1), model, values, everything, 10.0)
    assert unhindered[1]
    highs = model.load(1)
    waited: list[int] = []

    def wait_once(_event) -> None:
        if not waited:
            waited.append(1)
            time.sleep(0.5)  # no CPU spent

    highs.cbMipInterrupt.subscribe(wait_once)
    found, proven = per_group._round(highs, model, values, everything, 0.2, within=60.0)
    assert waited and proven
    assert (found is None) == (unhindered[0] is None)
    _found, proven = per_group._round(model.load(1), model, values, everything, 0.0, within=60.0)
    assert not proven


@pytest.mark.parametrize("seed", [0, 1, 3])
def test_the_full_start_cuts_hold_for_every_answer(seed: int) -> None:
    # sizes held at 0 (every group exactly the target), half the learners' columns held
    # at 0 at random (as the duals fix them) so that some starts can seat exactly one
    # group: no answer of that model, found by HiGHS to the end, takes a cut's left side
    # above its bound
    problem = _problem_of(generate_instance(40, seed, params=_PER_GROUP))
    model = per_group.build(problem, {"placed": 0, "sizes": 0})
    chance = random.Random(seed)
    at_zero = [col for col in model.w.values() if chance.random() < 0.5]
    cuts = per_group._full_start_cuts(model, at_zero)
    assert cuts
    for _low, high, columns, values in chance.sample(cuts, min(8, len(cuts))):
        highs = model.load(1)
        per_group._fix(highs, model, at_zero, [])
        negated = np.zeros(len(model.cost))
        negated[columns] = [-value for value in values]
        highs.changeColsCost(len(negated), np.arange(len(negated), dtype=np.int32), negated)
        highs.run()
        assert -highs.getInfo().objective_function_value <= high + 1e-6


def test_the_cuts_settle_per_group_1200s_question_at_its_relaxations_bound() -> None:
    # the sweep's per-group 1,200 (across a clock change): the relaxation bounds 24, and
    # with the columns its duals fix for 24 and the cuts no answer costs 24, so the proof
    # needs no MIP; at 25 (the optimum) they show nothing
    document = generate_instance(1200, seed=1200, params=_PER_GROUP, narrow=True)
    problem = _problem_of(document)
    weight = problem.if_needed_weight()
    model = per_group.build(problem, {"placed": seats(problem), "sizes": 0}, dearest=weight)
    relaxation = per_group._relaxation(model, 1, 60.0, weight)
    assert relaxation.bound == 24 and relaxation.duals is not None
    at_zero, _at_upper = per_group.fixed_by_reduced_costs(model, relaxation.duals, 24)
    assert per_group._above_by_cuts(model, at_zero, 24, 1, 60.0)
    at_zero, _at_upper = per_group.fixed_by_reduced_costs(model, relaxation.duals, 25)
    assert not per_group._above_by_cuts(model, at_zero, 25, 1, 60.0)


def _two_learners_at_if_needed_times_only(seed: int):
    """A brute-forceable cohort where learners 0 and 1 can meet at if-needed times only:
    every answer placing them pays two if-needed seats."""
    problem = _cohort(seed, facilitators=3, most_groups=2)
    for learner in (0, 1):
        costs = problem.learner_costs[learner]
        costs[costs >= 0] = problem.if_needed_weight()
    derive_options(problem)
    return problem


@pytest.mark.parametrize("seed", range(12))
def test_the_least_seats_bound_never_exceeds_the_brute_forced_optimum(seed: int) -> None:
    # the model without if-needed options has no answer (its bound: one seat's weight);
    # the least seats of the model with every option, times the weight, bound the
    # brute-forced optimum, and so does the phase's bound with them
    problem = _two_learners_at_if_needed_times_only(seed)
    placed, sizes, preferences, _spread = _brute_force(problem)
    holds, weight = {"placed": placed, "sizes": sizes}, problem.if_needed_weight()
    model = per_group.build(problem, holds)
    seats_bound = per_group._SeatsBound(model, 1, weight, time.monotonic() + 60.0).start()
    bound = seats_bound.bound()
    assert weight <= bound <= preferences
    if preferences >= 2 * weight:  # two seats or more, which the relaxation sees
        assert bound >= 2 * weight
    plan = solve_exact(problem, solve_heuristic(problem, 1), 1, 10.0).plan
    outcome = per_group.solve(problem, holds, plan, 10.0, 1)
    assert outcome.bound <= preferences


def test_the_phase_reports_the_least_seats_where_the_rounds_prove_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the rounds and the whole model given no time: the bound is the seats', not one seat
    problem = _two_learners_at_if_needed_times_only(0)
    placed, sizes, preferences, _spread = _brute_force(problem)
    assert preferences >= 2 * problem.if_needed_weight()
    holds = {"placed": placed, "sizes": sizes}
    plan = solve_heuristic(problem, 1)
    monkeypatch.setattr(per_group, "_improve_by_neighbourhoods", lambda *a, **k: a[3])
    monkeypatch.setattr(per_group, "_whole", lambda _h, _m, values, *a, **k: (values, 0.0))
    outcome = per_group.solve(problem, holds, plan, 10.0, 1)
    assert outcome.bound == 2 * problem.if_needed_weight()


@pytest.mark.parametrize("seed", [1, 2])
def test_the_first_answer_gets_a_tenth_of_the_time_where_sizes_are_held_above_zero(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the heuristic's plan pays if-needed time and its sizes are above 0: the first
    # answer gets at most a tenth of what is left (`_FIRST_ANSWER_SHARE`), the rounds the rest
    problem = _few_facilitators(seed, per_group=True)
    plan = solve_heuristic(problem, seed)
    holds = _placed_and_sizes(problem, plan)
    assert holds["sizes"] > 0
    budgets: list[float] = []
    original = per_group._first_answer

    def noted(highs, model, relaxed, budget, bound):
        budgets.append(budget)
        return original(highs, model, relaxed, budget, bound)

    monkeypatch.setattr(per_group, "_first_answer", noted)
    outcome = per_group.solve(problem, holds, plan, 20.0, 1)
    assert budgets and budgets[0] <= 20.0 * per_group._FIRST_ANSWER_SHARE
    assert_earlier_phases_kept(problem, plan, outcome.plan, outcome.bound)


@pytest.mark.parametrize("seed", range(2))
def test_the_rounds_on_the_model_with_every_option_start_with_the_shorter_limit(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the model without if-needed options has no answer: the rounds run on the one with
    # every option, each round first limited to `_EVERY_OPTION_ROUND_SECONDS`
    problem = _one_learner_at_if_needed_times_only(seed)
    plan = solve_heuristic(problem, seed)
    holds = _placed_and_sizes(problem, plan)
    limits: list[float | None] = []
    original = per_group._improve_by_neighbourhoods

    def noted(*args, **kwargs):
        limits.append(args[7] if len(args) > 7 else kwargs.get("limit"))
        return original(*args, **kwargs)

    monkeypatch.setattr(per_group, "_improve_by_neighbourhoods", noted)
    outcome = per_group.solve(problem, holds, plan, 10.0, 1)
    assert limits == [per_group._EVERY_OPTION_ROUND_SECONDS]
    assert_earlier_phases_kept(problem, plan, outcome.plan, outcome.bound)


def test_the_least_seats_question_is_cancelled_where_the_rounds_fail(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # a failure in the rounds must not leave the seats' relaxation running on its core
    problem = _two_learners_at_if_needed_times_only(0)
    placed, sizes, _preferences, _spread = _brute_force(problem)
    started: list[per_group._SeatsBound] = []
    original = per_group._SeatsBound.start

    def noted(self):
        started.append(self)
        return original(self)

    def failing(*args, **kwargs):
        raise RuntimeError("a round failed")

    monkeypatch.setattr(per_group._SeatsBound, "start", noted)
    monkeypatch.setattr(per_group, "_improve_by_neighbourhoods", failing)
    with pytest.raises(RuntimeError, match="a round failed"):
        per_group.solve(
            problem, {"placed": placed, "sizes": sizes}, solve_heuristic(problem, 1), 10.0, 1
        )
    assert len(started) == 1 and started[0]._cancelled
