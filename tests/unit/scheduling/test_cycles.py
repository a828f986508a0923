"""Negative-cycle cancelling (cycles.py): the step table kept up to date row by row after
each cancelled cycle is the table computed afresh, and cancelling ends with no negative
cycle left in a fresh table."""

from __future__ import annotations

import numpy as np
import pytest

from roundtable.scheduling.cycles import _fill_rows, _negative_cycle, cancel_cycles, step_costs
from roundtable.scheduling.generate import generate_instance
from roundtable.scheduling.heuristic import solve_heuristic
from roundtable.scheduling.problem import Problem
from roundtable.scheduling.search import Search
from roundtable.scheduling.values import plan_objectives
from tests.unit.scheduling.test_preference_moves import _problem_of


def _cohort(seed: int, per_group: bool) -> Problem:
    """A generated cohort of 200 learners: the heuristic's plan leaves cycles to cancel."""
    extra = {"anchor_timezone": "per_group"} if per_group else {}
    params = {"cohort_start_date": "2025-03-03", "number_of_meetings": 8} | extra
    return _problem_of(generate_instance(200, seed, params=params))


def _nodes(search: Search) -> np.ndarray:
    return np.append(np.flatnonzero(search.open_nodes()), search.pool)


@pytest.mark.parametrize("per_group", [False, True])
@pytest.mark.parametrize("seed", range(4))
def test_the_cycles_rows_refreshed_are_the_table_afresh(seed: int, per_group: bool) -> None:
    problem = _cohort(seed, per_group)
    search = Search(problem, solve_heuristic(problem, seed))
    nodes = _nodes(search)
    steps, movers = step_costs(search, nodes)
    refreshed = 0
    while (cycle := _negative_cycle(steps)) is not None and refreshed < 20:
        for origin, destination in zip(cycle, [*cycle[1:], cycle[0]], strict=True):
            search.move(int(movers[origin, destination]), int(nodes[destination]))
        _fill_rows(search, nodes, np.array(cycle, dtype=np.int64), steps, movers)
        fresh_steps, fresh_movers = step_costs(search, nodes)
        assert np.array_equal(steps, fresh_steps)
        assert np.array_equal(movers, fresh_movers)
        refreshed += 1
    assert refreshed > 0  # the heuristic's plan had cycles to cancel


@pytest.mark.parametrize("seed", range(4))
def test_cancelling_leaves_no_negative_cycle_and_keeps_the_counts(seed: int) -> None:
    problem = _cohort(seed, False)
    search = Search(problem, solve_heuristic(problem, seed))
    before = plan_objectives(problem, search.plan())
    cancel_cycles(search, 60.0)
    after = plan_objectives(problem, search.plan())
    assert _negative_cycle(step_costs(search, _nodes(search))[0]) is None
    assert (after["placed"], after["joins"], after["sizes"]) == (
        before["placed"],
        before["joins"],
        before["sizes"],
    )
    assert after["preferences"] <= before["preferences"]
