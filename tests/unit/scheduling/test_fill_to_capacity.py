"""Placement where the facilitators' capacity is the bound: a group that is not full moves
to a start the unplaced can make (`polish.fill_to_bound`), which proves the phase without
HiGHS; where the moves fall short of the bound, HiGHS starts from the plan as it was."""

from __future__ import annotations

import time
from typing import Any

import pytest

from roundtable.scheduling import solver
from roundtable.scheduling.bounds import placement_bound, seats
from roundtable.scheduling.highs import PhaseResult, Runner
from roundtable.scheduling.instance import parse_instance
from roundtable.scheduling.phase_context import PhaseContext
from roundtable.scheduling.plan import Plan, plan_is_consistent
from roundtable.scheduling.polish import fill_to_bound, place_more
from roundtable.scheduling.problem import Problem
from roundtable.scheduling.scheduler import _problem
from roundtable.scheduling.search import Search
from tests.unit.scheduling.helpers import crowd, instance, person

TUE, WED = {"Tuesday": [["18:00", "19:00"]]}, {"Wednesday": [["18:00", "19:00"]]}


def _tuesday_group(wednesday_only: int) -> tuple[Problem, Plan]:
    """One facilitator able to lead one group, on Tuesday or Wednesday; four learners who
    can make only Tuesday in a group there, and others who can make only Wednesday."""
    people = [
        person("F0", "UTC", TUE | WED, max_groups=1),
        *crowd("T", 4, "UTC", TUE),
        *crowd("W", wednesday_only, "UTC", WED),
    ]
    params, everyone, existing = parse_instance(instance(people))
    problem = _problem(everyone, params, existing)
    tuesday = next(s for s in problem.viable_starts if problem.catalog.starts[s].start.weekday == 1)
    ids = [a.person.id for a in problem.learners]
    members = [ids.index(f"T{i}") for i in range(4)]
    return problem, Plan(groups_at={tuesday: [0]}, learners_at={tuesday: members})


def _context(problem: Problem, plan: Plan) -> PhaseContext:
    runner = Runner(problem, seed=1)
    return PhaseContext(problem, runner, Search(problem, plan), time.monotonic() + 20, 20)


def test_the_group_moves_to_where_it_fills_and_placement_is_proven_without_highs():
    # Tuesday's group holds 4; the only leader leads it, so no group opens for the seven
    # who can make only Wednesday: moved there, it holds 7, the capacity bound (7 of 11).
    problem, plan = _tuesday_group(wednesday_only=7)
    assert placement_bound(problem) == 7 < seats(problem)
    search = Search(problem, plan)
    place_more(search)
    assert search.placed() == 4  # opening groups cannot place more
    assert fill_to_bound(search, 7)
    assert search.placed() == 7 and plan_is_consistent(problem, search.plan())

    context = _context(problem, plan)
    result = solver._placed(context, 10.0)
    assert result.proven and result.value == 7 and "leaders' capacity" in result.status
    assert context.runner.highs is None  # HiGHS never built
    assert context.search.placed() == 7


def test_short_of_the_bound_highs_starts_from_the_plan_as_it_was(
    monkeypatch: pytest.MonkeyPatch,
):
    # Moved to Wednesday the group holds 5, more than Tuesday's 4 but short of the bound
    # (7): that proves nothing, and the placement phase's solve starts from Tuesday's group.
    problem, plan = _tuesday_group(wednesday_only=5)
    assert placement_bound(problem) == 7 < seats(problem)
    moved = Search(problem, plan)
    assert not fill_to_bound(moved, 7) and moved.placed() == 5
    handed: list[Plan] = []

    def recorded(context: PhaseContext, name: str, *rest: Any) -> PhaseResult:
        handed.append(context.search.plan())
        return PhaseResult(4, 4, True, "4, optimal")

    monkeypatch.setattr(solver, "solve_phase", recorded)
    solver._placed(_context(problem, plan), 10.0)
    assert handed == [Search(problem, plan).plan()]
