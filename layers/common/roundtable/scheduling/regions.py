"""A part too large to solve whole: solve it by region in parallel, then one pass over it all.

The part's zones are ordered by their UTC offset at the cohort's start and cut into
regions of about `limit` learners (a zone is never cut: its people share their hours).
Each region is solved alone with the exact solver, in its own process when several CPUs
are there. Regions share starts (two regions may both open groups on Monday 18:00 UTC),
but their people are disjoint, so their plans add up to a valid plan of the whole part.
What that loses is groups mixing regions, so a final pass runs the search's placement
and size moves (`polish`) over the whole part, warm-started from the regions' plan:
unplaced learners take seats anywhere they can, and groups open across regions. Each
phase is then reported against its solver-free bound for the whole part (`bounds`), so
the loss is a reported gap, never hidden.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from datetime import time as clock
from multiprocessing.connection import Connection

from roundtable.scheduling.bounds import (
    leader_cost_bound,
    learner_cost_bound,
    placement_bound,
    size_bound,
    spread_bound,
)
from roundtable.scheduling.heuristic import solve_heuristic
from roundtable.scheduling.highs import SENSES, PhaseResult
from roundtable.scheduling.parts import Part, merge_into, sub_problem
from roundtable.scheduling.plan import Plan
from roundtable.scheduling.polish import improve_sizes, level_sizes, place_more
from roundtable.scheduling.problem import ExistingSlot, Problem
from roundtable.scheduling.search import Search
from roundtable.scheduling.solver import ExactOutcome, solve_exact
from roundtable.scheduling.timegrid import to_epoch_minutes
from roundtable.scheduling.values import plan_objectives

# The final pass gets this share of the part's time; the regions share the rest.
_FINAL_SHARE = 0.2


@dataclass(frozen=True)
class _Solved:
    plan: Plan  # in the part's indices
    heuristic_placed: int


def region_parts(problem: Problem, limit: int) -> list[Part]:
    """The problem's people cut into regions of about `limit` learners, by zone offset."""
    moment = to_epoch_minutes(datetime.combine(problem.params.first_date, clock(), UTC))
    zone_of_learner = [a.person.timezone for a in problem.learners]
    counts: dict[str, int] = {}
    for name in zone_of_learner:
        counts[name] = counts.get(name, 0) + 1
    zones = {*counts, *(a.person.timezone for a in problem.facilitators)}
    ordered = sorted(zones, key=lambda name: (problem.catalog.offsets(name).offset(moment), name))
    regions = max(-(-len(problem.learners) // max(limit, 1)), 1)
    share = len(problem.learners) / regions
    region_of, seen = {}, 0
    for name in ordered:
        region_of[name] = min(int(seen // share), regions - 1) if share else 0
        seen += counts.get(name, 0)
    anchor_region = [
        region_of.get(slot.group.start.anchor, _nearest(problem, ordered, region_of, slot, moment))
        for slot in problem.existing
    ]
    class_of = {i: c for c, cls in enumerate(problem.classes) for i in cls.members}
    parts = []
    for region in range(regions):
        learners = tuple(i for i, name in enumerate(zone_of_learner) if region_of[name] == region)
        parts.append(
            Part(
                tuple(sorted({class_of[i] for i in learners if i in class_of})),
                learners,
                tuple(
                    f
                    for f, a in enumerate(problem.facilitators)
                    if region_of[a.person.timezone] == region
                ),
                tuple(e for e, r in enumerate(anchor_region) if r == region),
            )
        )
    return [part for part in parts if part.classes]


def _nearest(
    problem: Problem, ordered: list[str], region_of: dict[str, int], slot: ExistingSlot, moment: int
) -> int:
    """The region of the member zone whose offset is nearest the existing group's anchor."""
    anchor = slot.group.start.anchor
    target = problem.catalog.offsets(anchor).offset(moment)
    nearest = min(
        ordered, key=lambda name: abs(problem.catalog.offsets(name).offset(moment) - target)
    )
    return region_of[nearest]


def solve_by_regions(
    problem: Problem, seed: int, time_limit: float, limit: int, workers: int | None = None
) -> tuple[ExactOutcome, int]:
    """The regions solved (in parallel), merged, then the final pass; gaps against bounds.
    Also what the regions' heuristics placed."""
    began = time.monotonic()
    regions = region_parts(problem, limit)
    budget = time_limit * (1 - _FINAL_SHARE)
    solved = _solve_regions(problem, regions, seed, budget, workers or _cpus())
    plan = Plan()
    for part, found in zip(regions, solved, strict=True):
        merge_into(plan, found.plan, part)
    placement = time.monotonic() - began
    search = Search(problem, plan)
    place_more(search)
    improve_sizes(search)
    level_sizes(search)
    outcome = ExactOutcome(search.plan(), placement_bound(problem))
    outcome.placement_seconds = round(placement, 3)
    outcome.results = final_results(problem, outcome.plan, len(regions))
    outcome.seconds = dict.fromkeys(outcome.results, 0.0)
    outcome.seconds["placed"] = time.monotonic() - began
    outcome.phases = [f"{name}: {r.status}" for name, r in outcome.results.items()]
    return outcome, sum(found.heuristic_placed for found in solved)


def final_results(problem: Problem, plan: Plan, regions: int) -> dict[str, PhaseResult]:
    """Each phase's value for the whole part against its solver-free bound."""
    values = plan_objectives(problem, plan)
    new_learners = values["placed"] - values["joins"]
    target, high = problem.params.target_learners(), problem.params.learner_bounds()[1]
    fewest = max(-(-new_learners // high), -(-(new_learners - values["sizes"]) // target))
    bounds = {
        "placed": placement_bound(problem),
        "joins": min(sum(max(s.room, 0) for s in problem.existing), values["placed"]),
        "sizes": size_bound(problem, new_learners),
        "preferences": learner_cost_bound(problem, values["placed"])
        + leader_cost_bound(problem, fewest),
        "spread": spread_bound(problem, fewest),
    }
    if not problem.existing:
        del bounds["joins"]
    found = {}
    for name, proven in bounds.items():
        value = values[name]
        bound = max(proven, value) if SENSES[name] else min(proven, value)
        gap = abs(value - bound) / max(abs(value), 1)
        status = (
            f"{value}, optimal"
            if value == bound
            else f"{value}, bound {bound}, gap {gap:.1%} (split into {regions} regions)"
        )
        found[name] = PhaseResult(value, bound, value == bound, status)
    return found


def _cpus() -> int:
    return max(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1, 1)


def _solve_regions(
    problem: Problem, regions: Sequence[Part], seed: int, budget: float, workers: int
) -> list[_Solved]:
    """Each region's exact solve; `workers` at a time in forked processes (Lambda has no
    /dev/shm, so a process and a pipe each, not a pool); in this process when one."""
    if workers <= 1 or len(regions) == 1:
        return [_solve_region(problem, part, seed, budget / len(regions)) for part in regions]
    rounds = -(-len(regions) // workers)
    share = budget / rounds
    context = multiprocessing.get_context("fork")
    results: list[_Solved | None] = [None] * len(regions)
    for first in range(0, len(regions), workers):
        running = []
        for index in range(first, min(first + workers, len(regions))):
            receive, send = context.Pipe(duplex=False)
            process = context.Process(
                target=_region_child, args=(problem, regions[index], seed, share, send)
            )
            process.start()
            send.close()
            running.append((index, process, receive))
        for index, process, receive in running:
            results[index] = receive.recv()
            process.join()
    return [found for found in results if found is not None]


def _region_child(problem: Problem, part: Part, seed: int, budget: float, send: Connection) -> None:
    send.send(_solve_region(problem, part, seed, budget))
    send.close()


def _solve_region(problem: Problem, part: Part, seed: int, budget: float) -> _Solved:
    sub = sub_problem(problem, part)
    warm = solve_heuristic(sub, seed)
    outcome = solve_exact(sub, warm, seed, budget)
    return _Solved(outcome.plan, warm.placed())
