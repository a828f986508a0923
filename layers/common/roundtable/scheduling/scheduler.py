"""Schedule a cohort: the one entry point the CLI, the service and the bench call."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from roundtable.scheduling.assemble import assemble_groups
from roundtable.scheduling.catalog import Catalog
from roundtable.scheduling.checks import check_inputs
from roundtable.scheduling.heuristic import solve_heuristic
from roundtable.scheduling.model import (
    ExistingGroup,
    Group,
    Params,
    Person,
    Reason,
    Role,
    ScheduleResult,
    Stats,
    Unplaced,
)
from roundtable.scheduling.plan import Plan
from roundtable.scheduling.problem import Problem, build_problem, default_anchors
from roundtable.scheduling.reasons import explain_unplaced

if TYPE_CHECKING:
    from roundtable.scheduling.per_group import RelaxationAhead

DEFAULT_TIME_LIMIT = 30.0


def schedule(
    people: Sequence[Person],
    params: Params,
    existing: Sequence[ExistingGroup] = (),
    *,
    seed: int = 0,
    time_limit: float = DEFAULT_TIME_LIMIT,
    exact: bool = True,
    split: bool = True,
    part_options: dict[str, int] | None = None,
) -> ScheduleResult:
    """Group the people: proven-optimal placement when `exact`, else the heuristic alone.

    With `split`, a cohort whose people fall into independent parts (nobody in one can
    meet anybody in another) is solved part by part (split.py): the same answer's value,
    with smaller models; a part too large to solve whole is solved by region
    (`part_options`: `part_limit` learners, `workers` processes; regions.py).
    """
    began = time.monotonic()
    check_inputs(people, params, existing)
    problem = _problem(people, params, existing)
    if exact and split and problem.classes:
        from roundtable.scheduling.split import solve_by_parts

        remaining = max(time_limit - (time.monotonic() - began), 0.05)
        parts = solve_by_parts(problem, seed, remaining, **(part_options or {}))
        if parts is not None:
            return _result(
                people,
                existing,
                problem,
                parts.plan,
                _Solved(parts.upper_bound, parts.heuristic_placed, parts.phases),
                began,
                parts.placement_seconds,
            )
    ahead = _relaxation_ahead(problem, seed, began + time_limit) if exact else None
    try:
        plan = solve_heuristic(problem, seed)
    except BaseException:
        if ahead is not None:
            ahead.cancel()
        raise
    heuristic_placed = plan.placed()
    # Without the exact solve, the only bound is everyone who could make some time.
    upper_bound = sum(len(cls.members) for cls in problem.classes)
    phases, placement_seconds = ["heuristic"], 0.0
    if exact and problem.classes:
        from roundtable.scheduling.solver import solve_exact

        remaining = max(time_limit - (time.monotonic() - began), 0.05)
        outcome = solve_exact(problem, plan, seed, remaining, ahead)
        plan, upper_bound, phases = outcome.plan, outcome.upper_bound, outcome.phases
        placement_seconds = outcome.placement_seconds
    elif exact:
        phases.append("exact: nothing to decide")
    solved = _Solved(upper_bound, heuristic_placed, phases, exact)
    return _result(people, existing, problem, plan, solved, began, placement_seconds)


def _relaxation_ahead(problem: Problem, seed: int, deadline: float) -> RelaxationAhead | None:
    """Per-group anchors' relaxation started on its thread before the heuristic
    (`per_group.ask_ahead`): on two cores it runs beside the heuristic and the first
    phases, which came before it on one."""
    if not problem.classes:
        return None
    from roundtable.scheduling.per_group import ask_ahead

    return ask_ahead(problem, seed, deadline)


@dataclass(frozen=True)
class _Solved:
    upper_bound: int
    heuristic_placed: int
    phases: list[str]
    exact: bool = True


def _result(
    people: Sequence[Person],
    existing: Sequence[ExistingGroup],
    problem: Problem,
    plan: Plan,
    solved: _Solved,
    began: float,
    placement_seconds: float,
) -> ScheduleResult:
    """Named groups, reasons for everyone left out, and the run's statistics."""
    groups = assemble_groups(problem, plan)
    unplaced = _uncertified(people) + explain_unplaced(problem, plan, groups)
    stats = _stats(
        people,
        existing,
        plan,
        solved.upper_bound,
        solved.heuristic_placed,
        solved.exact,
        began,
        solved.phases,
    )
    stats = replace(stats, placement_seconds=placement_seconds)
    return ScheduleResult(tuple(groups), tuple(unplaced), stats, tuple(_notes(problem, groups)))


def _problem(
    people: Sequence[Person], params: Params, existing: Sequence[ExistingGroup]
) -> Problem:
    grouped = {member for group in existing for member in group.learners}
    learners = [p for p in people if p.role is Role.LEARNER and p.id not in grouped]
    facilitators = [
        p
        for p in people
        if p.role is Role.FACILITATOR and p.certified and params.require_facilitator
    ]
    zones = {p.timezone for p in people} | {group.start.anchor for group in existing}
    catalog = Catalog(params, default_anchors(params, people), zones)
    problem = build_problem(params, catalog, learners, facilitators, existing)
    problem.zones = {p.id: p.timezone for p in people}
    return problem


def _uncertified(people: Sequence[Person]) -> list[Unplaced]:
    return [
        Unplaced(p.id, p.role, Reason.UNCERTIFIED_FACILITATOR, "facilitator is not certified")
        for p in people
        if p.role is Role.FACILITATOR and not p.certified
    ]


def _stats(
    people: Sequence[Person],
    existing: Sequence[ExistingGroup],
    plan: Plan,
    upper_bound: int,
    heuristic_placed: int,
    exact: bool,
    began: float,
    phases: list[str],
) -> Stats:
    already = len({member for group in existing for member in group.learners})
    placed = already + plan.placed()
    bound = max(already + upper_bound, placed)
    return Stats(
        learners=sum(p.role is Role.LEARNER for p in people),
        placed=placed,
        upper_bound=bound,
        gap=(bound - placed) / bound if bound else 0.0,
        seconds=round(time.monotonic() - began, 3),
        method="exact" if exact else "heuristic",
        heuristic_placed=already + heuristic_placed,
        phases=tuple(phases),
    )


def _notes(problem: Problem, groups: list[Group]) -> list[str]:
    """Clock changes during the cohort in the zones of members and anchors."""
    if problem.params.meeting_count < 2:
        return []
    zones = {problem.zones[m] for g in groups for m in (*g.facilitators, *g.learners)}
    zones |= {g.start.anchor for g in groups}
    notes = []
    for name in sorted(zones):
        for moment, old, new in problem.catalog.offsets(name).changes():
            day = datetime.fromtimestamp(moment * 60, UTC).date().isoformat()
            notes.append(f"{name} changes clocks on {day} ({_offset(old)} -> {_offset(new)})")
    return notes


def _offset(minutes: int) -> str:
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{rest:02d}"
