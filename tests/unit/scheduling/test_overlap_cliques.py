"""The overlap rows' cliques (`formulation.overlap_cliques`): for any set of starts they
are exactly the maximal sets of starts running at one instant, gathered here by brute
force at every meeting's beginning (a set of intervals that share an instant share the
latest beginning among them)."""

from __future__ import annotations

import functools
import random

import pytest

from roundtable.scheduling.formulation import formulate, overlap_cliques
from roundtable.scheduling.generate import generate_instance
from roundtable.scheduling.instance import parse_instance
from roundtable.scheduling.problem import Problem
from roundtable.scheduling.scheduler import _problem


@functools.cache
def _per_group_cohort(size: int) -> Problem:
    # starts of every daylight-saving pattern, so meetings overlap in many ways (200
    # learners: 310 viable starts, cliques of up to 6)
    params = {
        "cohort_start_date": "2025-03-03",
        "number_of_meetings": 8,
        "anchor_timezone": "per_group",
    }
    document = generate_instance(size, seed=size, params=params, narrow=True)
    params, people, existing = parse_instance(document)
    return _problem(people, params, existing)


def _brute_force(problem: Problem, starts: list[int]) -> list[tuple[int, ...]]:
    minutes = problem.params.meeting_minutes
    beginnings = [(m, s) for s in starts for m in problem.catalog.starts[s].minutes]
    running = {
        frozenset(s for m, s in beginnings if moment - minutes < m <= moment)
        for moment, _start in beginnings
    }
    sets = {group for group in running if len(group) > 1}
    maximal = [group for group in sets if not any(group < other for other in sets)]
    return sorted(tuple(sorted(group)) for group in maximal)


@pytest.mark.parametrize("seed", range(8))
def test_the_cliques_are_the_maximal_sets_running_at_one_instant(seed: int) -> None:
    problem = _per_group_cohort(200)
    chance = random.Random(seed)
    viable = sorted(problem.viable_starts)
    starts = sorted(chance.sample(viable, min(len(viable), chance.randint(2, 120))))
    assert overlap_cliques(problem, starts) == _brute_force(problem, starts)


def test_every_overlapping_pair_shares_a_clique() -> None:
    # what the rows are for: two starts that meet at once are never both chosen
    problem = _per_group_cohort(200)
    starts = sorted(problem.viable_starts)[:120]
    cliques = [set(clique) for clique in overlap_cliques(problem, starts)]
    minutes = problem.params.meeting_minutes
    for a in starts:
        for b in starts:
            meet = any(
                abs(x - y) < minutes
                for x in problem.catalog.starts[a].minutes
                for y in problem.catalog.starts[b].minutes
            )
            if a < b and meet:
                assert any({a, b} <= clique for clique in cliques)


def test_no_start_or_a_single_one_has_no_clique() -> None:
    problem = _per_group_cohort(200)
    assert overlap_cliques(problem, []) == []
    assert overlap_cliques(problem, sorted(problem.viable_starts)[:1]) == []


def test_the_model_records_its_overlap_rows() -> None:
    # `Formulation.overlap_rows`: exactly each facilitator's cliques over their starts, the
    # rows a relaxation may leave out (`group_count.least_learner_cost`)
    problem = _per_group_cohort(200)
    model = formulate(problem)
    starts_of = {col: start for (_f, start), col in model.y.items()}
    facilitator_of = {col: f for (f, _start), col in model.y.items()}
    recorded = sorted(
        (
            facilitator_of[model.rows[row][2][0]],
            tuple(sorted(starts_of[c] for c in model.rows[row][2])),
        )
        for row in model.overlap_rows
    )
    expected = sorted(
        (f, clique)
        for f, options in enumerate(problem.facilitator_options)
        if problem.facilitator_capacity[f] > 0
        for clique in overlap_cliques(problem, sorted(options))
    )
    assert recorded and recorded == expected
