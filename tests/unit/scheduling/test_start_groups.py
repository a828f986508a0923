"""The runner's model as a relaxation with each start's groups one column (start_groups.py):
the same relaxation, and its simplex basis an optimal basis of the runner's model."""

from __future__ import annotations

from typing import Any

import pytest

from roundtable.scheduling.highs import Runner
from roundtable.scheduling.highs_model import relax, set_objective, solve_relaxation
from roundtable.scheduling.start_groups import grouped_relaxation, original_basis
from tests.unit.scheduling.test_sizes_by_totals import _held_runner, _overlapping_cohort


def _relaxed(runner: Runner, objective: str) -> Any:
    """The runner's instance with every column continuous and `objective` set."""
    model, highs = runner._loaded()
    relax(highs, model, True)
    set_objective(highs, model, objective)
    return highs


def _runners() -> list[Runner]:
    runners = [_held_runner(seed)[0] for seed in range(6)]
    for seed in range(6):
        runner = Runner(_overlapping_cohort(seed), 1)
        runner._loaded()
        runners.append(runner)
    return runners


@pytest.mark.parametrize("objective", ["sizes", "preferences"])
def test_the_grouped_relaxation_has_the_runners_value(objective: str) -> None:
    for runner in _runners():
        highs = _relaxed(runner, objective)
        copy = grouped_relaxation(highs, runner._loaded()[0], 1)
        highs.setOptionValue("solver", "simplex")
        value = solve_relaxation(highs, 10.0)
        grouped = solve_relaxation(copy, 10.0)
        assert value is not None and grouped is not None
        assert abs(value - grouped) < 1e-6
        # no integer column in the copy: a relaxation only
        assert not copy.getLp().integrality_ or not any(copy.getLp().integrality_)


def test_the_grouped_relaxation_sums_each_starts_leaders_in_the_start_rows() -> None:
    runner = Runner(_overlapping_cohort(0), 1)
    model, highs = runner._loaded()
    copy = grouped_relaxation(highs, model, 1)
    starts = {start for _f, start in model.y}
    assert copy.getNumCol() == highs.getNumCol() + len(starts)
    assert copy.getNumRow() == highs.getNumRow() + len(starts)
    # both leaders can meet at some start: each row holding both holds its column instead
    assert len(model.y) > len(starts)
    added = 2 * len(starts)  # each start's column in its own row, beside its leaders'
    assert len(copy.getLp().a_matrix_.value_) < len(highs.getLp().a_matrix_.value_) + added


@pytest.mark.parametrize("objective", ["sizes", "preferences"])
def test_the_copys_simplex_basis_is_optimal_on_the_runners_model(objective: str) -> None:
    # each start column is dropped with its row; where both were basic (a degenerate
    # row) one of the start's leaders is made basic, so the basis stays square and the
    # runner's model needs no iteration from it
    for runner in _runners():
        highs = _relaxed(runner, objective)
        model = runner._loaded()[0]
        copy = grouped_relaxation(highs, model, 1)
        copy.setOptionValue("solver", "simplex")
        grouped = solve_relaxation(copy, 10.0)
        highs.setBasis(original_basis(copy, model, highs.getNumRow()))
        value = solve_relaxation(highs, 10.0)
        assert grouped is not None and value is not None and abs(value - grouped) < 1e-6
        assert highs.getInfo().simplex_iteration_count == 0
