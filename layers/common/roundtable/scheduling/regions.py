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
from collections import Counter
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
from roundtable.scheduling.model import ExistingGroup
from roundtable.scheduling.parts import Part, merge_into, sub_problem
from roundtable.scheduling.plan import Plan
from roundtable.scheduling.problem import ExistingSlot, Problem, derive_options
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
    left = max(time_limit - placement, 0.05)
    _place_the_rest(problem, plan, seed, left)
    outcome = ExactOutcome(plan, placement_bound(problem))
    outcome.placement_seconds = round(placement, 3)
    outcome.results = final_results(problem, plan, len(regions))
    outcome.seconds = dict.fromkeys(outcome.results, 0.0)
    outcome.seconds["placed"] = time.monotonic() - began
    outcome.phases = [f"{name}: {r.status}" for name, r in outcome.results.items()]
    return outcome, sum(found.heuristic_placed for found in solved)


def _place_the_rest(problem: Problem, plan: Plan, seed: int, time_limit: float) -> None:
    """The final pass, as an incremental run: the regions' groups are existing groups
    (one per start, with the room its groups have left), the learners still unplaced and
    the facilitators with capacity left are scheduled around them, and the answer is
    added to the plan. Only the rest is modelled, so the whole part is never one model."""
    rest = _rest_problem(problem, plan)
    if rest is None:
        return
    final, learners, leaders, slot_starts = rest
    warm = solve_heuristic(final, seed)
    found = solve_exact(final, warm, seed, time_limit).plan
    new_groups = Plan(found.groups_at, found.learners_at)  # joins are seats at a start
    merge_into(plan, new_groups, Part((), tuple(learners), tuple(leaders), ()))
    for slot, members in found.joins.items():
        plan.learners_at[slot_starts[slot]].extend(learners[i] for i in members)


def _rest_problem(
    problem: Problem, plan: Plan
) -> tuple[Problem, list[int], list[int], list[int]] | None:
    """The problem of the unplaced learners around the plan's groups; None if nobody is
    left who could be placed. Also the index maps back and each slot's start."""
    import numpy as np

    placed = {i for members in plan.learners_at.values() for i in members}
    placed |= {i for members in plan.joins.values() for i in members}
    learners = sorted(i for cls in problem.classes for i in cls.members if i not in placed)
    if not learners:
        return None
    loads = Counter(f for leaders in plan.groups_at.values() for f in leaders if f >= 0)
    leaders = [
        f
        for f, capacity in enumerate(problem.facilitator_capacity)
        if capacity > loads[f] and problem.facilitator_options[f]
    ]
    high = problem.params.learner_bounds()[1]
    starts = sorted(plan.groups_at)
    rooms = {s: high * len(plan.groups_at[s]) - len(plan.learners_at.get(s, [])) for s in starts}
    slot_starts = [s for s in starts if rooms[s] > 0]
    slot_of = {s: k for k, s in enumerate(slot_starts)}
    final = Problem(
        params=problem.params,
        catalog=problem.catalog,
        learners=[problem.learners[i] for i in learners],
        facilitators=[problem.facilitators[f] for f in leaders],
        existing=[_slot(problem, plan, s, rooms[s]) for s in slot_starts],
        # a seat in a group at start s costs what the start costs the learner
        learner_joins=[
            {slot_of[s]: c for s, c in problem.learner_options[i].items() if s in slot_of}
            for i in learners
        ],
        facilitator_capacity=[problem.facilitator_capacity[f] - loads[f] for f in leaders],
        raw_learner_starts=[problem.raw_learner_starts[i] for i in learners],
        raw_facilitator_starts=[problem.raw_facilitator_starts[f] for f in leaders],
        zones=problem.zones,
        learner_costs=problem.learner_costs[learners],
        facilitator_costs=problem.facilitator_costs[np.array(leaders, dtype=np.int64)],
    )
    _block_facilitators(final, plan, leaders)
    derive_options(final)
    return final, learners, leaders, slot_starts


def _slot(problem: Problem, plan: Plan, start: int, room: int) -> ExistingSlot:
    """The plan's groups at one start, as one existing group with their room left."""
    info = problem.catalog.starts[start]
    group = ExistingGroup(
        f"start {start}",
        info.start,
        tuple(problem.facilitators[f].person.id for f in plan.groups_at[start] if f >= 0),
        tuple(problem.learners[i].person.id for i in plan.learners_at.get(start, [])),
    )
    return ExistingSlot(group, info.minutes, room)


def _block_facilitators(final: Problem, plan: Plan, leaders: list[int]) -> None:
    """A facilitator's new group may not overlap a group they lead already (any week)."""
    import numpy as np

    led: dict[int, list[int]] = {}
    for start, chosen in plan.groups_at.items():
        for f in chosen:
            led.setdefault(f, []).append(start)
    catalog, minutes = final.catalog, final.params.meeting_minutes
    for row, f in enumerate(leaders):
        if f not in led:
            continue
        options = (final.facilitator_costs[row] >= 0).nonzero()[0]
        series = np.array([catalog.starts[s].minutes for s in options.tolist()])
        busy = np.array([catalog.starts[s].minutes for s in led[f]]).ravel()
        if len(series):
            clash = (np.abs(series[:, :, None] - busy[None, None, :]) < minutes).any(axis=(1, 2))
            final.facilitator_costs[row, options[clash]] = -1


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
