"""The sizes phase's model on the free relaxation's support (support.py): its answer is
one of the whole model (placement kept, only the support's group columns open), never
worse than the plan it is given, and the phase adopts it where the totals prove nothing."""

from __future__ import annotations

from typing import Any

import pytest

from roundtable.scheduling import phase_sizes
from roundtable.scheduling.highs import Runner
from roundtable.scheduling.neighbourhood import group_columns
from roundtable.scheduling.plan import Plan, plan_is_consistent
from roundtable.scheduling.solver import solve_exact
from roundtable.scheduling.support import on_support, relaxation_support
from roundtable.scheduling.totals import TotalsOutcome
from roundtable.scheduling.values import plan_objectives, values_from_plan
from tests.unit.scheduling.test_sizes_by_totals import (
    _overlapping_cohort,
    _peers_on_two_evenings,
    _placed_plan,
    _twenty_peers_at_six,
)


@pytest.mark.parametrize("seed", range(8))
def test_the_answer_on_the_support_keeps_placement_and_opens_only_its_columns(
    seed: int,
) -> None:
    # leaders whose starts overlap: the support comes from the relaxation with their
    # overlap rows, so the model on it has an answer of the whole model
    problem = _overlapping_cohort(seed)
    plan = _placed_plan(problem)
    placed = solve_exact(problem, plan, 1, 10.0).results["placed"].value
    if plan.placed() != placed:  # the phase only runs once placement is proven
        plan = solve_exact(problem, plan, 1, 10.0).plan
    runner = Runner(problem, 1)
    runner.hold("placed", placed)
    support = relaxation_support(runner, 10.0)
    assert support is not None
    found = on_support(runner, plan, support, 10.0, 0)
    before, after = plan_objectives(problem, plan), plan_objectives(problem, found)
    assert plan_is_consistent(problem, found)
    assert after["placed"] == placed and after["sizes"] <= before["sizes"]
    if found is not plan:
        model, _highs = runner.loaded()
        values = values_from_plan(problem, model, found)
        opened = {col for _start, col in group_columns(model) if values[col] > 0.5}
        assert opened <= set(support)


def test_the_bounds_of_the_columns_outside_the_support_come_back() -> None:
    problem, tuesday, _wednesday = _peers_on_two_evenings(8)
    runner = Runner(problem, 1)
    runner.hold("placed", 8)
    model, highs = runner.loaded()
    before = list(highs.getLp().col_upper_)
    on_support(runner, _placed_plan(problem), [model.n[tuesday]], 5.0, 0)
    assert list(highs.getLp().col_upper_) == before


def test_the_sizes_phase_adopts_the_answer_on_the_support_where_the_totals_prove_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # twenty peer learners free on both evenings, the held answer five groups of 3 and one
    # of 5 (sizes 6); the totals and the full model prove nothing and change nothing (as
    # the question "69 groups worth at most 57" on per-group 300): the model on the
    # relaxation's support finds five groups of 4 (sizes 0)
    def nothing(_runner: Runner, plan: Plan, *_rest: Any) -> TotalsOutcome:
        return TotalsOutcome(plan, 6, 0, 1, {})

    context = _twenty_peers_at_six(monkeypatch, nothing)
    problem = context.problem
    phase_sizes.sizes_phase(context, 10.0)
    kept = context.search.plan()
    assert plan_objectives(problem, kept)["sizes"] == 0
    assert plan_objectives(problem, kept)["placed"] == 20 and plan_is_consistent(problem, kept)
