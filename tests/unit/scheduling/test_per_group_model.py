"""The per-group-anchor preferences phase's compact model (per_group.py): its bounds (the
root's, without if-needed options, and the phase's) never exceed the brute-forced
optimum, its answer never worsens an earlier phase or the plan it starts from, every
leader it picks is legal, and the weekdays' neighbourhoods improve a plan."""

from __future__ import annotations

import pytest

from roundtable.scheduling import per_group
from roundtable.scheduling.heuristic import solve_heuristic
from roundtable.scheduling.solver import solve_exact
from roundtable.scheduling.values import plan_objectives
from tests.unit.scheduling.test_phase_bounds import _brute_force, _cohort
from tests.unit.scheduling.test_preference_moves import (
    _few_facilitators,
    assert_earlier_phases_kept,
)


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
    _answer, root = per_group._root(per_group._load(relaxed, 1), relaxed, 10.0, weight)
    assert root <= preferences
    outcome = per_group.solve(problem, holds, plan, 10.0, 1)
    after = plan_objectives(problem, outcome.plan)
    assert outcome.bound <= preferences <= after["preferences"] <= scores["preferences"]
    assert (after["placed"], after["sizes"]) == (placed, sizes)


@pytest.mark.parametrize("seed", range(4))
def test_the_compact_model_never_worsens_an_earlier_phase(seed: int) -> None:
    # the heuristic's own placement and sizes held (not everyone placed: the placement
    # row, not the class equalities, and sizes above zero: the deviation columns)
    problem = _few_facilitators(seed, per_group=True)
    assert per_group.applies(problem)
    plan = solve_heuristic(problem, seed)
    before = plan_objectives(problem, plan)
    holds = {"placed": before["placed"], "sizes": before["sizes"]}
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
    highs = per_group._load(model, 1)
    found = per_group._improve_by_days(problem, highs, model, values, float("inf"), 0)
    improved = plan_objectives(problem, per_group.plan_from(problem, model, found))
    assert improved["preferences"] < before["preferences"]
    assert (improved["placed"], improved["sizes"]) == (before["placed"], before["sizes"])
